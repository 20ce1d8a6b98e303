//! Indexes that let the Users page walk an organisation's users already in the order shown, so a
//! page of 50 reads about 50 index entries instead of sorting the whole organisation.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str)] = &[
    (
        "users_organisation_name",
        "users (organisation_id, lower(last_name), lower(first_name), id)",
    ),
    (
        "users_organisation_created",
        "users (organisation_id, created_at, id)",
    ),
    (
        "users_organisation_type",
        "users (organisation_id, user_type, status)",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, target) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {target}"))
                .await?;
        }
        // "Never signed in" counts as the oldest sign-in on both databases.
        let last_sign_in = match manager.get_database_backend() {
            DbBackend::Postgres => "users (organisation_id, last_login_at ASC NULLS FIRST, id)",
            _ => "users (organisation_id, last_login_at, id)",
        };
        db.execute_unprepared(&format!(
            "CREATE INDEX users_organisation_last_sign_in ON {last_sign_in}"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for name in INDEXES
            .iter()
            .map(|(name, _)| *name)
            .chain(["users_organisation_last_sign_in"])
        {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
