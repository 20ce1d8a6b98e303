//! The instance's licence: who it is for, which features, how many seats, until when. One row at
//! most (its id is always 1); installing a new licence replaces it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Licences {
    Table,
    Id,
    Licensee,
    Features,
    Seats,
    ExpiresOn,
    Signed,
    Document,
    InstalledAt,
    InstalledBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Licences::Table)
                    .col(
                        integer(Licences::Id)
                            .primary_key()
                            .check(Expr::col(Licences::Id).eq(1)),
                    )
                    .col(string(Licences::Licensee))
                    .col(json(Licences::Features))
                    .col(big_integer(Licences::Seats))
                    .col(date(Licences::ExpiresOn))
                    .col(boolean(Licences::Signed))
                    .col(text(Licences::Document))
                    .col(timestamp_with_time_zone(Licences::InstalledAt))
                    .col(uuid_null(Licences::InstalledBy))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Licences::Table).to_owned())
            .await
    }
}
