use crate::model::{
    sso::{Provisioning, SsoPreset},
    UserType,
};
use sea_orm::entity::prelude::*;

/// An OpenID Connect identity provider an organisation signs in with.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub preset: SsoPreset,
    pub issuer: String,
    pub client_id: String,
    /// The client secret, sealed with the server's key (`services::sso::secrets`).
    pub client_secret: String,
    /// Scopes asked for besides `openid`, space-separated.
    pub scopes: String,
    /// Email domains accepted, a JSON list; empty accepts any.
    pub allowed_domains: Json,
    pub enabled: bool,
    /// A first sign-in may link to the account with the same (verified) address.
    pub link_by_email: bool,
    pub provisioning: Provisioning,
    /// The type of accounts created at first sign-in.
    pub jit_user_type: Option<UserType>,
    /// Role ids of accounts created at first sign-in, a JSON list.
    pub jit_roles: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
