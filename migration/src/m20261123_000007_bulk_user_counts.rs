//! PostgreSQL: the per-organisation user counts follow inserts and deletes once per statement
//! instead of once per row. Inviting 10,000 people from a file inserts them in a few statements;
//! a row trigger updated the same counter row 10,000 times in one transaction, each update
//! stepping over the versions the previous ones left. Status changes keep the row trigger (a
//! statement trigger with transition tables cannot be limited to the status column). SQLite's
//! triggers are unchanged: its updates in place do not pile up versions.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000007_bulk_user_counts"
    }
}

const UP: &[&str] = &[
    "DROP TRIGGER users_count_insert_delete ON users",
    "CREATE FUNCTION users_count_inserted() RETURNS trigger AS $$
    BEGIN
        INSERT INTO organisation_user_counts (organisation_id, status, users)
        SELECT organisation_id, status, count(*) FROM inserted_users GROUP BY organisation_id, status
        ON CONFLICT (organisation_id, status)
        DO UPDATE SET users = organisation_user_counts.users + EXCLUDED.users;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql",
    "CREATE FUNCTION users_count_deleted() RETURNS trigger AS $$
    BEGIN
        UPDATE organisation_user_counts AS c SET users = c.users - d.users
        FROM (SELECT organisation_id, status, count(*) AS users FROM deleted_users
              GROUP BY organisation_id, status) AS d
        WHERE c.organisation_id = d.organisation_id AND c.status = d.status;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql",
    "CREATE TRIGGER users_count_inserted AFTER INSERT ON users
        REFERENCING NEW TABLE AS inserted_users
        FOR EACH STATEMENT EXECUTE FUNCTION users_count_inserted()",
    "CREATE TRIGGER users_count_deleted AFTER DELETE ON users
        REFERENCING OLD TABLE AS deleted_users
        FOR EACH STATEMENT EXECUTE FUNCTION users_count_deleted()",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER users_count_inserted ON users",
    "DROP TRIGGER users_count_deleted ON users",
    "DROP FUNCTION users_count_inserted",
    "DROP FUNCTION users_count_deleted",
    "CREATE TRIGGER users_count_insert_delete AFTER INSERT OR DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION users_count_change()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_postgres(manager, DOWN).await
    }
}
