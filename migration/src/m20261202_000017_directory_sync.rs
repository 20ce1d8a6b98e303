//! Directory sync (SCIM 2.0): the name a directory knows a person by (`userName`, often their
//! address, not always), their job title, and when a directory deprovisioned the account. A
//! deprovisioned account stays (suspended, its history kept) but is gone as far as the directory
//! is concerned. Directories look people up by `userName` all the time: an index answers, for
//! accounts whose name is their address too. Teams are a directory's groups and keep its
//! identifier for them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    UserName,
    Title,
    DeprovisionedAt,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    ExternalId,
}

const USER_NAME_INDEX: &str = "CREATE INDEX users_organisation_user_name \
     ON users (organisation_id, lower(coalesce(user_name, email)))";

/// Each column added, with its table: SQLite adds one column per statement.
fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (Users::Table.into_iden(), string_null(Users::UserName)),
        (Users::Table.into_iden(), string_null(Users::Title)),
        (
            Users::Table.into_iden(),
            timestamp_with_time_zone_null(Users::DeprovisionedAt),
        ),
        (Teams::Table.into_iden(), string_null(Teams::ExternalId)),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(USER_NAME_INDEX)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX users_organisation_user_name")
            .await?;
        for (table, column) in columns().into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(column.get_column_name())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
