//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use migration::{Migrator, MigratorTrait};
use sea_orm::{sqlx, ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, RuntimeErr};
use std::time::Duration;

/// Connects with settings suited to each backend.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        // WAL lets readers work while one writer writes; the busy timeout queues writers
        // instead of failing them. Four connections keep two cores busy; each maps the file on
        // its own, and the pages it has read count in the server's resident memory once per
        // connection (eight connections: 68 MB after the 100,000-person Users page, four: 47 MB,
        // at the same pages per second).
        options.max_connections(4).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Reads straight from the file's pages, without a copy per read.
                .pragma("mmap_size", "268435456")
        });
    } else {
        options.max_connections(16);
    }
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// The advisory lock key of start-up ("tenantry" in ASCII).
const STARTUP_LOCK: i64 = 0x7465_6e61_6e74_7279;

/// Held while a process brings the schema up to date and creates the first super-admin. On
/// PostgreSQL it is a session advisory lock on a connection of its own, so processes starting at
/// the same moment on one database take turns: the second finds the schema current and the
/// super-admin made. Dropping it closes that connection, which releases the lock (so does a
/// process that dies holding it). SQLite needs none: its one writer at a time is the file's.
pub struct StartupLock {
    _held: Option<sqlx::PgConnection>,
}

/// Waits for and takes the start-up lock.
pub async fn startup_lock(db: &DatabaseConnection) -> Result<StartupLock, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(StartupLock { _held: None });
    }
    let failed = |e: sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(e.into()));
    let mut connection = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(failed)?
        .detach();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(STARTUP_LOCK)
        .execute(&mut connection)
        .await
        .map_err(failed)?;
    Ok(StartupLock {
        _held: Some(connection),
    })
}
