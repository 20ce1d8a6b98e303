//! Database schema of Tenantry, one file per change. Every migration runs on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000002_user_list_indexes;
mod m20261122_000003_user_counts;
mod m20261122_000004_user_search_indexes;
mod m20261122_000005_mail_delivery;
mod m20261122_000006_user_word_search;
mod m20261123_000007_bulk_user_counts;
mod m20261123_000008_licence;
mod m20261123_000009_teams;
mod m20261123_000010_avatars;
mod m20261123_000011_api_keys;
mod m20261201_000012_stored_user_words;
mod m20261201_000013_role_team_versions;
mod m20261201_000014_one_audit_shape;
mod m20261202_000015_activity;
mod m20261202_000016_email_order;
mod m20261202_000017_directory_sync;
mod m20261202_000018_single_sign_on;
mod m20261202_000019_user_role_ids;

/// A foreign key from `from` to `to` whose rows go when the row they point to goes.
fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// Runs `statements` in order on PostgreSQL; on SQLite, nothing.
async fn on_postgres(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

/// All migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_user_list_indexes::Migration),
            Box::new(m20261122_000003_user_counts::Migration),
            Box::new(m20261122_000004_user_search_indexes::Migration),
            Box::new(m20261122_000005_mail_delivery::Migration),
            Box::new(m20261122_000006_user_word_search::Migration),
            Box::new(m20261123_000007_bulk_user_counts::Migration),
            Box::new(m20261123_000008_licence::Migration),
            Box::new(m20261123_000009_teams::Migration),
            Box::new(m20261123_000010_avatars::Migration),
            Box::new(m20261123_000011_api_keys::Migration),
            Box::new(m20261201_000012_stored_user_words::Migration),
            Box::new(m20261201_000013_role_team_versions::Migration),
            Box::new(m20261201_000014_one_audit_shape::Migration),
            Box::new(m20261202_000015_activity::Migration),
            Box::new(m20261202_000016_email_order::Migration),
            Box::new(m20261202_000017_directory_sync::Migration),
            Box::new(m20261202_000018_single_sign_on::Migration),
            Box::new(m20261202_000019_user_role_ids::Migration),
        ]
    }
}
