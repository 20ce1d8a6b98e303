//! Roles and teams carry an integer version, as accounts do: a change applies only to the version
//! the page read, and bumps it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Roles {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Roles::Table)
                    .add_column(
                        ColumnDef::new(Roles::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Teams::Table)
                    .add_column(
                        ColumnDef::new(Teams::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Roles::Table.into_iden(), Teams::Table.into_iden()] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Roles::Version)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
