//! Indexes for the Users page's search: every word must begin the first name, the last name or
//! the email address. SQLite answers prefix ranges on these expression indexes; PostgreSQL answers
//! `LIKE 'prefix%'` with pattern-ops indexes, whatever the database's collation.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &[(&str, &str)] = &[
    ("users_search_first_name", "first_name"),
    ("users_search_last_name", "last_name"),
    ("users_search_email", "email"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let ops = match manager.get_database_backend() {
            DbBackend::Postgres => " text_pattern_ops",
            _ => "",
        };
        for (name, column) in COLUMNS {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON users (organisation_id, lower({column}){ops})"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in COLUMNS {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP INDEX {name}"))
                .await?;
        }
        Ok(())
    }
}
