//! Per-organisation user counts by status, kept by the database itself (triggers), so the Users
//! page's stat cards cost one tiny read however large the organisation, and stay right whatever
//! writes the users table.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "CREATE TABLE organisation_user_counts (
    organisation_id {uuid} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    status VARCHAR NOT NULL,
    users BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, status)
)";

const BACKFILL: &str = "INSERT INTO organisation_user_counts (organisation_id, status, users)
    SELECT organisation_id, status, COUNT(*) FROM users GROUP BY organisation_id, status";

const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER users_count_insert AFTER INSERT ON users BEGIN
        INSERT INTO organisation_user_counts (organisation_id, status, users)
        VALUES (NEW.organisation_id, NEW.status, 1)
        ON CONFLICT (organisation_id, status) DO UPDATE SET users = users + 1;
    END",
    "CREATE TRIGGER users_count_delete AFTER DELETE ON users BEGIN
        UPDATE organisation_user_counts SET users = users - 1
        WHERE organisation_id = OLD.organisation_id AND status = OLD.status;
    END",
    "CREATE TRIGGER users_count_update AFTER UPDATE OF status, organisation_id ON users
    WHEN OLD.status IS NOT NEW.status OR OLD.organisation_id IS NOT NEW.organisation_id BEGIN
        UPDATE organisation_user_counts SET users = users - 1
        WHERE organisation_id = OLD.organisation_id AND status = OLD.status;
        INSERT INTO organisation_user_counts (organisation_id, status, users)
        VALUES (NEW.organisation_id, NEW.status, 1)
        ON CONFLICT (organisation_id, status) DO UPDATE SET users = users + 1;
    END",
];

const POSTGRES_TRIGGERS: &[&str] = &[
    "CREATE FUNCTION users_count_change() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE organisation_user_counts SET users = users - 1
            WHERE organisation_id = OLD.organisation_id AND status = OLD.status;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            INSERT INTO organisation_user_counts (organisation_id, status, users)
            VALUES (NEW.organisation_id, NEW.status, 1)
            ON CONFLICT (organisation_id, status)
            DO UPDATE SET users = organisation_user_counts.users + 1;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql",
    "CREATE TRIGGER users_count_insert_delete AFTER INSERT OR DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION users_count_change()",
    "CREATE TRIGGER users_count_update AFTER UPDATE OF status, organisation_id ON users
        FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id)
        EXECUTE FUNCTION users_count_change()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (uuid, triggers) = match manager.get_database_backend() {
            DbBackend::Postgres => ("UUID", POSTGRES_TRIGGERS),
            _ => ("BLOB", SQLITE_TRIGGERS),
        };
        db.execute_unprepared(&TABLE.replace("{uuid}", uuid))
            .await?;
        db.execute_unprepared(BACKFILL).await?;
        for trigger in triggers {
            db.execute_unprepared(trigger).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP TRIGGER users_count_insert_delete ON users")
                    .await?;
                db.execute_unprepared("DROP TRIGGER users_count_update ON users")
                    .await?;
                db.execute_unprepared("DROP FUNCTION users_count_change")
                    .await?;
            }
            _ => {
                for name in [
                    "users_count_insert",
                    "users_count_delete",
                    "users_count_update",
                ] {
                    db.execute_unprepared(&format!("DROP TRIGGER {name}"))
                        .await?;
                }
            }
        }
        db.execute_unprepared("DROP TABLE organisation_user_counts")
            .await?;
        Ok(())
    }
}
