//! The newest migrations undo and redo cleanly on both databases: an operator rolling back a
//! release gets the schema before it, and forward again the schema of it.

use crate::{
    on_both_databases,
    support::{Backend, TestApp},
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, EntityTrait};

on_both_databases!(the_newest_migrations_undo_and_redo);

async fn the_newest_migrations_undo_and_redo(backend: Backend) {
    let app = TestApp::start(backend).await;
    let db = app.db();
    let applied = Migrator::get_applied_migrations(db).await.unwrap().len();
    Migrator::down(db, Some(2)).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(db).await.unwrap().len(),
        applied - 2
    );
    // Without migration 17, its columns are gone.
    assert!(db
        .execute_unprepared("SELECT user_name FROM users")
        .await
        .is_err());
    Migrator::up(db, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(db).await.unwrap().len(),
        applied
    );
    app::entities::user::Entity::find().all(db).await.unwrap();
    app::entities::team::Entity::find().all(db).await.unwrap();
}
