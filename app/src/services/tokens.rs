//! Single-use links sent by email (invitations, password resets): the person gets a 256-bit
//! secret, the database keeps only its SHA-256, and a link works once, before its expiry, and only
//! while it is the newest of its kind for that person.

use super::{now, sessions, ServiceResult};
use crate::entities::token;
use crate::{msg, services::messages::Refusal};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Invitation,
    PasswordReset,
    /// A confirmation sent to the new address a person gave for themselves.
    EmailChange,
}

impl TokenKind {
    pub fn code(self) -> &'static str {
        match self {
            TokenKind::Invitation => "invitation",
            TokenKind::PasswordReset => "password_reset",
            TokenKind::EmailChange => "email_change",
        }
    }

    /// The page the link opens.
    pub fn path(self) -> &'static str {
        match self {
            TokenKind::Invitation => "/invitation",
            TokenKind::PasswordReset => "/reset-password",
            TokenKind::EmailChange => "/confirm-email",
        }
    }
}

/// A secret minted for a link, not stored yet (the email that carries it is written first).
pub struct Minted {
    pub secret: String,
    pub kind: TokenKind,
    /// The address a change-of-email link confirms.
    pub new_email: Option<String>,
}

impl Minted {
    pub fn new(kind: TokenKind) -> Self {
        Self {
            secret: sessions::new_secret(),
            kind,
            new_email: None,
        }
    }

    /// The path and query of the link.
    pub fn path(&self) -> String {
        format!("{}?token={}", self.kind.path(), self.secret)
    }

    /// Stores the token for `user_id`, valid for `valid_for`, carried by message `outbox_id`; the
    /// person's older links of the same kind stop working.
    pub async fn store(
        self,
        db: &impl ConnectionTrait,
        user_id: Uuid,
        valid_for: chrono::Duration,
        created_by: Option<Uuid>,
        outbox_id: Option<Uuid>,
    ) -> ServiceResult<token::Model> {
        retire(db, user_id, self.kind).await?;
        Ok(self
            .row(user_id, valid_for, created_by, outbox_id)
            .insert(db)
            .await?)
    }

    /// The token's row, for callers that insert many at once (for people who have no older
    /// links to retire).
    pub fn row(
        &self,
        user_id: Uuid,
        valid_for: chrono::Duration,
        created_by: Option<Uuid>,
        outbox_id: Option<Uuid>,
    ) -> token::ActiveModel {
        let at = now();
        token::ActiveModel {
            id: Set(Uuid::new_v4()),
            kind: Set(self.kind.code().to_string()),
            token_hash: Set(sessions::hash_secret(&self.secret)),
            user_id: Set(user_id),
            new_email: Set(self.new_email.clone()),
            expires_at: Set(at + valid_for),
            used_at: Set(None),
            created_at: Set(at),
            outbox_message_id: Set(outbox_id),
            created_by: Set(created_by),
        }
    }
}

/// Makes every unused link of `kind` for `user_id` unusable.
pub async fn retire(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    kind: TokenKind,
) -> ServiceResult<()> {
    token::Entity::update_many()
        .col_expr(token::Column::UsedAt, Expr::value(now()))
        .filter(token::Column::UserId.eq(user_id))
        .filter(token::Column::Kind.eq(kind.code()))
        .filter(token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The token behind `secret`, used or not.
pub async fn find(
    db: &impl ConnectionTrait,
    kind: TokenKind,
    secret: &str,
) -> ServiceResult<Option<token::Model>> {
    Ok(token::Entity::find()
        .filter(token::Column::TokenHash.eq(sessions::hash_secret(secret)))
        .filter(token::Column::Kind.eq(kind.code()))
        .one(db)
        .await?)
}

/// Marks the token used; `false` when someone used it first. This is what makes a link
/// single-use even when it is opened twice at the same moment.
pub async fn consume(db: &impl ConnectionTrait, id: Uuid) -> ServiceResult<bool> {
    let updated = token::Entity::update_many()
        .col_expr(token::Column::UsedAt, Expr::value(now()))
        .filter(token::Column::Id.eq(id))
        .filter(token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// The newest token of `kind` for each of `user_ids`.
pub async fn latest(
    db: &impl ConnectionTrait,
    kind: TokenKind,
    user_ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<Vec<token::Model>> {
    let all = token::Entity::find()
        .filter(token::Column::Kind.eq(kind.code()))
        .filter(token::Column::UserId.is_in(user_ids))
        .order_by_desc(token::Column::CreatedAt)
        .all(db)
        .await?;
    let mut newest: Vec<token::Model> = Vec::new();
    for t in all {
        if !newest.iter().any(|n| n.user_id == t.user_id) {
            newest.push(t);
        }
    }
    Ok(newest)
}

pub(super) fn link_not_usable(kind: TokenKind) -> Refusal {
    Refusal::Conflict(match kind {
        TokenKind::Invitation => msg!("msg.links.invitation_not_usable"),
        TokenKind::PasswordReset => msg!("msg.links.reset_not_usable"),
        TokenKind::EmailChange => msg!("msg.links.email_change_not_usable"),
    })
}
