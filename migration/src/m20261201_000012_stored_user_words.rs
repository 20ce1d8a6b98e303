//! PostgreSQL keeps each user's searchable words in a stored column, `search_words`, computed by
//! the database from the same text as before (`SEARCH_DOCUMENT`), and the GIN index moves onto
//! it. Testing one row's words then reads a value instead of recomputing it, which is what lets
//! the Users list walk its sort order through a one-letter search (about 0.25 µs a row instead
//! of 4 µs). SQLite's FTS5 table is unchanged.

use crate::m20261122_000006_user_word_search::SEARCH_DOCUMENT;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let add = format!(
            "ALTER TABLE users ADD COLUMN search_words tsvector
             GENERATED ALWAYS AS ({SEARCH_DOCUMENT}) STORED"
        );
        crate::on_postgres(
            manager,
            &[
                &add,
                "DROP INDEX users_search",
                "CREATE INDEX users_search ON users USING gin (search_words)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = format!("CREATE INDEX users_search ON users USING gin ({SEARCH_DOCUMENT})");
        crate::on_postgres(
            manager,
            &[
                "DROP INDEX users_search",
                "ALTER TABLE users DROP COLUMN search_words",
                &index,
            ],
        )
        .await
    }
}
