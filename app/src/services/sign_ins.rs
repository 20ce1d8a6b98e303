//! Sign-in history as admins read it: an organisation's attempts under the Sign-ins view's
//! filters, newest first, and one person's attempts, counts and open sessions.

use super::keyset::{next_page, Window};
use super::{now, ServiceResult};
use crate::entities::{login_event, user};
use crate::model::{
    activity::Cursor,
    profile::device_of,
    sign_ins::{
        Failure, PersonSignIns, SignInList, SignInQuery, SignInRow, PAGE_SIZE, PERSON_SHOWN,
    },
    users::Moment,
};
use sea_orm::{prelude::*, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};

/// One page of organisation `organisation_id`'s sign-in attempts matching `query`, newest first.
pub async fn list(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    query: &SignInQuery,
) -> ServiceResult<SignInList> {
    use login_event::Column;
    let window = Window {
        from: query.from,
        to: query.to,
        before: query.before,
    };
    window.check()?;
    let mut select = login_event::Entity::find().filter(Column::OrganisationId.eq(organisation_id));
    if query.failed_only {
        select = select.filter(Column::Success.eq(false));
    }
    if !query.email.is_empty() {
        // Addresses are recorded as typed, lower-cased.
        select = select.filter(Column::Email.eq(query.email.to_lowercase()));
    }
    if !query.ip.is_empty() {
        select = select.filter(Column::Ip.eq(query.ip.as_str()));
    }
    let mut events = window
        .page(select, Column::At, Column::Id, PAGE_SIZE)
        .all(db)
        .await?;
    let older = next_page(&mut events, PAGE_SIZE, |e| Cursor { at: e.at, id: e.id });
    Ok(SignInList {
        rows: rows(db, organisation_id, events).await?,
        older,
    })
}

/// Person `user_id`'s latest attempts, how many in the last 30 days, and their open sessions;
/// `None` when they are not of organisation `organisation_id`.
pub async fn of_person(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    user_id: Uuid,
) -> ServiceResult<PersonSignIns> {
    use login_event::Column;
    let person = user::Entity::find_by_id(user_id)
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .ok_or_else(super::acting::that_person)?;
    let at = now();
    let recent = login_event::Entity::find()
        .filter(Column::UserId.eq(person.id))
        .order_by_desc(Column::At)
        .limit(PERSON_SHOWN)
        .all(db)
        .await?;
    let month = at - chrono::Duration::days(30);
    let counted = |success: bool| {
        login_event::Entity::find()
            .filter(Column::UserId.eq(person.id))
            .filter(Column::At.gte(month))
            .filter(Column::Success.eq(success))
            .count(db)
    };
    let last_30_days = counted(true).await?;
    let failed_30_days = counted(false).await?;
    let sessions = super::sessions::open(db, person.id, None).await?;
    Ok(PersonSignIns {
        recent: rows(db, organisation_id, recent).await?,
        last_30_days,
        failed_30_days,
        sessions,
    })
}

/// Attempts as the pages show them, each with the name of the account it matched.
async fn rows(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    events: Vec<login_event::Model>,
) -> ServiceResult<Vec<SignInRow>> {
    let ids: HashSet<Uuid> = events.iter().filter_map(|e| e.user_id).collect();
    let names: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name()))
        .collect();
    let at = now();
    Ok(events
        .into_iter()
        .map(|e| SignInRow {
            id: e.id,
            at: Moment::new(e.at, at),
            person: e
                .user_id
                .and_then(|id| names.get(&id).map(|name| (id, name.clone()))),
            email: e.email,
            failure: (!e.success)
                .then(|| Failure::from_code(e.failure_reason.as_deref().unwrap_or_default())),
            method: e.method,
            connection: e.connection,
            device: device_of(e.user_agent.as_deref()),
            ip: e.ip,
        })
        .collect())
}
