//! Where a person is signed in, their recent sign-ins, and signing out elsewhere.

use super::*;
use crate::services::audit::AuditAction;

/// How many sign-ins "My profile" lists.
pub(super) const SIGN_INS_SHOWN: u64 = 20;

/// The signed-in person's live sessions and latest sign-ins.
pub async fn security(
    db: &impl ConnectionTrait,
    signed: &Signed,
) -> ServiceResult<AccountSecurity> {
    let at = now();
    let sessions = sessions::open(db, signed.user.id, Some(signed.session.id)).await?;
    let sign_ins = login_event::Entity::find()
        .filter(login_event::Column::UserId.eq(signed.user.id))
        .order_by_desc(login_event::Column::At)
        .limit(SIGN_INS_SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|e| SignInEntry {
            at: Moment::new(e.at, at),
            device: device_of(e.user_agent.as_deref()),
            ip: e.ip,
            success: e.success,
        })
        .collect();
    Ok(AccountSecurity { sessions, sign_ins })
}

/// Ends one of the signed-in person's sessions (`None`: all but the one asking). Returns how
/// many ended; another person's session is never touched.
pub async fn end_sessions(
    state: &AppState,
    signed: &Signed,
    which: Option<Uuid>,
    client: &ClientInfo,
) -> ServiceResult<u64> {
    let txn = crate::services::locking::write_txn(&state.db).await?;
    let ended = match which {
        Some(id) => {
            session::Entity::delete_many()
                .filter(session::Column::Id.eq(id))
                .filter(session::Column::UserId.eq(signed.user.id))
                .exec(&txn)
                .await?
                .rows_affected
        }
        None => sessions::end_all_for_user(&txn, signed.user.id, Some(signed.session.id)).await?,
    };
    if ended > 0 {
        audit::record(
            &txn,
            AuditEntry::by_self(
                &signed.user,
                AuditAction::SessionsEnded,
                Changes::new().added("ended_sessions", ended),
                client,
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(ended)
}
