//! Word search over users: every word of a person's first name, last name and email address
//! (split at anything that is not a letter or digit) in a full-text index, so a search of several
//! words intersects their lists of people in the index instead of reading every candidate row.
//!
//! SQLite keeps an FTS5 table in step with `users` through triggers; PostgreSQL indexes the same
//! words with a GIN expression index (see `SEARCH_DOCUMENT`, which queries must repeat exactly).
//! The prefix indexes of migration 4 served the previous search and go.

use crate::m20261122_000004_user_search_indexes;
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The PostgreSQL expression of a user's searchable words; the GIN index is built on it and the
/// user list's queries use the very same text so the planner recognises it.
pub const SEARCH_DOCUMENT: &str = "to_tsvector('simple'::regconfig, translate(lower(first_name || ' ' || last_name || ' ' || email), '.@-_+''', '      '))";

/// One row per user, under the user's rowid, holding only the index of their words. The users
/// table has indexes, so VACUUM copies its rows with their rowids and this mapping survives it.
const SQLITE_TABLE: &str = "CREATE VIRTUAL TABLE users_search USING fts5(
    words, content = '', contentless_delete = 1,
    prefix = '1 2 3', tokenize = 'unicode61 remove_diacritics 0', detail = 'none'
)";

const SQLITE_ROW: &str = "(rowid, words) VALUES (
    NEW.rowid, NEW.first_name || ' ' || NEW.last_name || ' ' || NEW.email)";

const SQLITE_REMOVE: &str = "DELETE FROM users_search WHERE rowid = OLD.rowid";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        m20261122_000004_user_search_indexes::Migration
            .down(manager)
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE INDEX users_search ON users USING gin ({SEARCH_DOCUMENT})"
                ))
                .await?;
            }
            _ => {
                db.execute_unprepared(SQLITE_TABLE).await?;
                db.execute_unprepared(
                    "INSERT INTO users_search (rowid, words)
                    SELECT rowid, first_name || ' ' || last_name || ' ' || email FROM users",
                )
                .await?;
                for statement in [
                    format!(
                        "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
                            INSERT INTO users_search {SQLITE_ROW};
                        END"
                    ),
                    format!(
                        "CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
                            {SQLITE_REMOVE};
                        END"
                    ),
                    format!(
                        "CREATE TRIGGER users_search_update
                        AFTER UPDATE OF first_name, last_name, email ON users BEGIN
                            {SQLITE_REMOVE};
                            INSERT INTO users_search {SQLITE_ROW};
                        END"
                    ),
                ] {
                    db.execute_unprepared(&statement).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX users_search").await?;
            }
            _ => {
                for trigger in [
                    "users_search_insert",
                    "users_search_delete",
                    "users_search_update",
                ] {
                    db.execute_unprepared(&format!("DROP TRIGGER {trigger}"))
                        .await?;
                }
                db.execute_unprepared("DROP TABLE users_search").await?;
            }
        }
        m20261122_000004_user_search_indexes::Migration
            .up(manager)
            .await
    }
}
