use sea_orm::entity::prelude::*;

/// A sign-in through a provider, between the redirect there and the way back.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_flows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 of the `state` sent to the provider, hex.
    #[sea_orm(unique)]
    pub state_hash: String,
    /// SHA-256 of the secret in the cookie of the browser that started the flow, hex: only
    /// that browser can finish it.
    pub browser_hash: String,
    pub connection_id: Uuid,
    /// `sign_in` or `test`.
    pub purpose: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go after signing in.
    pub next: Option<String>,
    /// The administrator testing the connection.
    pub started_by: Option<Uuid>,
    /// What a test received, once it came back.
    pub claims: Option<Json>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
