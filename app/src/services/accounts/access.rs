//! Access that ends on its own: the day after a person's last day of access they are suspended
//! by the system (sessions end, links retire, the seat is freed), and a week before, the
//! organisation's administrators hear whose access is about to end.

use super::*;
use crate::services::acting::administrators;
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use std::collections::BTreeMap;

/// How many days ahead the administrators are told.
pub const WARN_DAYS: i64 = 7;

/// The most people one run suspends or names; the next run goes on.
const PER_RUN: u64 = 500;

/// Suspends, as the system, everyone whose access has ended and who is not suspended yet.
/// Returns how many were.
pub async fn end_expired_access(state: &AppState) -> ServiceResult<u64> {
    let at = now();
    let due = user::Entity::find()
        .filter(user::Column::AccessExpiresAt.lte(at))
        .filter(user::Column::Status.ne(UserStatus::Suspended))
        .limit(PER_RUN)
        .all(&state.db)
        .await?;
    let mut by_organisation: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for person in due {
        by_organisation
            .entry(person.organisation_id)
            .or_default()
            .push(person.id);
    }
    let mut ended = 0;
    for (organisation_id, ids) in by_organisation {
        let txn = OrgTxn::begin(&state.db, organisation_id).await?;
        for id in ids {
            // Read again under the organisation's lock: renewed or suspended since, left alone.
            let Some(person) = user::Entity::find_by_id(id)
                .filter(user::Column::AccessExpiresAt.lte(at))
                .filter(user::Column::Status.ne(UserStatus::Suspended))
                .one(&txn)
                .await?
            else {
                continue;
            };
            set_status(
                &txn,
                None,
                &person,
                UserStatus::Suspended,
                AuditAction::AccessEnded,
            )
            .await?;
            sessions::end_all_for_user(&txn, id, None).await?;
            for kind in [
                TokenKind::Invitation,
                TokenKind::PasswordReset,
                TokenKind::EmailChange,
            ] {
                tokens::retire(&txn, id, kind).await?;
            }
            ended += 1;
        }
        txn.commit().await?;
    }
    Ok(ended)
}

/// Tells each organisation's administrators, once per person, whose access ends within
/// [`WARN_DAYS`] days. Returns how many people were named.
pub async fn warn_access_ending(state: &AppState) -> ServiceResult<u64> {
    let at = now();
    let soon = user::Entity::find()
        .filter(user::Column::AccessExpiresAt.gt(at))
        .filter(user::Column::AccessExpiresAt.lte(at + chrono::Duration::days(WARN_DAYS)))
        .filter(user::Column::AccessWarnedAt.is_null())
        .filter(user::Column::Status.ne(UserStatus::Suspended))
        .limit(PER_RUN)
        .all(&state.db)
        .await?;
    let mut by_organisation: BTreeMap<Uuid, Vec<user::Model>> = BTreeMap::new();
    for person in soon {
        by_organisation
            .entry(person.organisation_id)
            .or_default()
            .push(person);
    }
    let mut named = 0;
    for (organisation_id, people) in by_organisation {
        let txn = OrgTxn::begin(&state.db, organisation_id).await?;
        let Some(organisation) = organisation::Entity::find_by_id(organisation_id)
            .one(&txn)
            .await?
        else {
            continue;
        };
        for admin in administrators(&txn, organisation_id).await? {
            let email = ending_email(&organisation, &admin, &people, &state.mail.base_url);
            mail::enqueue(&txn, Some(organisation_id), email).await?;
        }
        user::Entity::update_many()
            .col_expr(user::Column::AccessWarnedAt, Expr::value(at))
            .filter(user::Column::Id.is_in(people.iter().map(|p| p.id)))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        named += people.len() as u64;
    }
    if named > 0 {
        state.mail.wake();
    }
    Ok(named)
}

/// The notice to administrator `admin` that the access of `people` ends soon.
fn ending_email(
    organisation: &organisation::Model,
    admin: &user::Model,
    people: &[user::Model],
    base_url: &str,
) -> mail::Email {
    let l = admin.locale;
    let mut paragraphs = vec![
        tr!(l, "email.hello", name = admin.first_name),
        tr!(
            l,
            "email.access_ending.body",
            organisation = organisation.name
        ),
    ];
    paragraphs.extend(people.iter().map(|p| {
        let day = p
            .access_expires_at
            .map(crate::model::account::access_day)
            .map(|d| crate::model::users::short_day(d, l))
            .unwrap_or_default();
        tr!(
            l,
            "email.access_ending.person",
            name = p.display_name(),
            email = p.email,
            day = day
        )
    }));
    let link = format!(
        "{base_url}/o/{}/users?access=ending&status=all",
        organisation.slug
    );
    let button = tr!(l, "email.access_ending.action");
    mail::compose(
        l,
        &admin.email,
        tr!(
            l,
            "email.access_ending.subject",
            organisation = organisation.name
        ),
        &organisation.name,
        &paragraphs,
        Some((button.as_str(), link.as_str())),
        &tr!(l, "email.access_ending.closing"),
    )
}
