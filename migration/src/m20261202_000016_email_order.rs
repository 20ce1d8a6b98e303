//! The Users list sorted by address reads an index again. Migration 15 made the address index
//! partial (current accounts only, so a replaced account can keep its address); a partial index
//! serves no query that does not repeat its condition, and the list shows replaced accounts too,
//! so sorting 100,000 people by address sorted them all in a temporary tree on every page
//! (26 ms on SQLite). Two accounts may now share an address, so the order ends on the id.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX users_organisation_email_order \
                 ON users (organisation_id, lower(email), id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX users_organisation_email_order")
            .await?;
        Ok(())
    }
}
