//! PostgreSQL keeps the ids of each user's roles on the user's row, `users.role_ids` (sorted),
//! with a GIN index, so the Users list filters by role from the users table alone: with a
//! search the database intersects two indexes of one table instead of joining `user_roles`, and
//! a walk along the sort order tests a value on the row instead of probing `user_roles` once a
//! row. Statement triggers on `user_roles` keep the column right however the roles change (a
//! grant, a removal, a role deleted, a bulk import). SQLite is unchanged.
//!
//! Before it rebuilds the arrays the trigger locks the users' rows, in id order: two
//! transactions granting one person roles at the same time would otherwise each build the array
//! from a snapshot without the other's grant, and the later write would drop the earlier grant.
//! Once the lock is held, the next statement's snapshot holds every committed grant.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN role_ids uuid[] NOT NULL DEFAULT '{}'",
    "UPDATE users SET role_ids = held.ids
     FROM (SELECT user_id, array_agg(role_id ORDER BY role_id) AS ids
           FROM user_roles GROUP BY user_id) AS held
     WHERE users.id = held.user_id",
    "CREATE INDEX users_role_ids ON users USING gin (role_ids)",
    "CREATE FUNCTION users_role_ids_follow() RETURNS trigger AS $$
    BEGIN
        PERFORM 1 FROM users
        WHERE id IN (SELECT user_id FROM changed_roles)
        ORDER BY id FOR NO KEY UPDATE;
        UPDATE users SET role_ids = COALESCE(
            (SELECT array_agg(held.role_id ORDER BY held.role_id) FROM user_roles AS held
             WHERE held.user_id = users.id),
            '{}')
        WHERE id IN (SELECT user_id FROM changed_roles);
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql",
    // A trigger with transition tables answers one event; an update (which no screen makes)
    // changes the holders it leaves and the holders it reaches.
    "CREATE TRIGGER users_role_ids_granted AFTER INSERT ON user_roles
        REFERENCING NEW TABLE AS changed_roles
        FOR EACH STATEMENT EXECUTE FUNCTION users_role_ids_follow()",
    "CREATE TRIGGER users_role_ids_removed AFTER DELETE ON user_roles
        REFERENCING OLD TABLE AS changed_roles
        FOR EACH STATEMENT EXECUTE FUNCTION users_role_ids_follow()",
    "CREATE TRIGGER users_role_ids_left AFTER UPDATE ON user_roles
        REFERENCING OLD TABLE AS changed_roles
        FOR EACH STATEMENT EXECUTE FUNCTION users_role_ids_follow()",
    "CREATE TRIGGER users_role_ids_reached AFTER UPDATE ON user_roles
        REFERENCING NEW TABLE AS changed_roles
        FOR EACH STATEMENT EXECUTE FUNCTION users_role_ids_follow()",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER users_role_ids_granted ON user_roles",
    "DROP TRIGGER users_role_ids_removed ON user_roles",
    "DROP TRIGGER users_role_ids_left ON user_roles",
    "DROP TRIGGER users_role_ids_reached ON user_roles",
    "DROP FUNCTION users_role_ids_follow",
    "DROP INDEX users_role_ids",
    "ALTER TABLE users DROP COLUMN role_ids",
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
