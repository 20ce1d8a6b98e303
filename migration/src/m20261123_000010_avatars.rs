//! Profile pictures: one re-encoded PNG per person, kept apart from the users table so the many
//! queries over people never read image bytes; `users.avatar_updated_at` says whether there is one
//! and versions its address.

use crate::fk;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserAvatars {
    Table,
    UserId,
    ContentType,
    Data,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    AvatarUpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserAvatars::Table)
                    .col(uuid(UserAvatars::UserId).primary_key())
                    .col(string(UserAvatars::ContentType))
                    .col(blob(UserAvatars::Data))
                    .col(timestamp_with_time_zone(UserAvatars::UpdatedAt))
                    .foreign_key(&mut fk(
                        (UserAvatars::Table, UserAvatars::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(Users::AvatarUpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::AvatarUpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(UserAvatars::Table).to_owned())
            .await
    }
}
