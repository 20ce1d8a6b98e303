use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub is_admin_tenant: bool,
    pub is_demo: bool,
    pub features_enabled: Option<Json>,
    /// How many days the audit trail keeps entries.
    pub audit_retention_days: i32,
    /// When the entries older than that were last removed.
    pub audit_pruned_at: Option<DateTimeUtc>,
    /// Single sign-on is the only way in, except for the break-glass administrators.
    pub sso_required: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
