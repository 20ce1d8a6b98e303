//! The organisation's audit trail (audit.view) and how long it is kept (org.settings).

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    activity::{ActivityList, ActivityQuery},
    AppError,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::services::activity;

crate::needs!(ListActivity, Need::Permission(Permission::AuditView));

/// One page of organisation `slug`'s trail matching `query`, newest first.
#[server(endpoint = "activity/list", input = JsonBody, output = Answer)]
pub async fn list_activity(slug: String, query: ActivityQuery) -> Result<ActivityList, AppError> {
    ListActivity::serve(&slug, async |caller| {
        Ok(activity::list(&caller.state.db, caller.user.organisation.id, &query).await?)
    })
    .await
}

crate::needs!(ActivityRetention, Need::Permission(Permission::OrgSettings));

/// How many days organisation `slug` keeps its trail.
#[server(endpoint = "activity/retention", input = Form, output = Answer)]
pub async fn activity_retention(slug: String) -> Result<i32, AppError> {
    ActivityRetention::serve(&slug, async |caller| {
        Ok(activity::retention(&caller.state.db, caller.user.organisation.id).await?)
    })
    .await
}

crate::needs!(
    SetActivityRetention,
    Need::Permission(Permission::OrgSettings)
);

/// Keeps organisation `slug`'s trail `days` (a whole number, as typed) days from now on.
#[server(endpoint = "activity/retention/set", input = JsonBody, output = Answer)]
pub async fn set_activity_retention(slug: String, days: String) -> Result<i32, AppError> {
    SetActivityRetention::serve(&slug, async |caller| {
        Ok(activity::set_retention(&caller.state.db, &caller.actor(), &days).await?)
    })
    .await
}
