use sea_orm::entity::prelude::*;

/// The instance's licence; at most one row, whose id is 1.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "licences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub licensee: String,
    pub features: Json,
    pub seats: i64,
    pub expires_on: Date,
    pub signed: bool,
    pub document: String,
    pub installed_at: DateTimeUtc,
    pub installed_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
