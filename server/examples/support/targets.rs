//! Where a benchmark runs: a fresh SQLite file, and a fresh PostgreSQL database when
//! `TENANTRY_TEST_POSTGRES_URL` names a server. Shared by the examples with `#[path]`.

use sea_orm::{ConnectionTrait, Database};
use std::path::PathBuf;
use uuid::Uuid;

pub struct Targets {
    /// The SQLite file; its stem is also the PostgreSQL database's name.
    pub sqlite_path: PathBuf,
    /// Each database's label and URL.
    pub urls: Vec<(&'static str, String)>,
}

/// Creates the scratch databases.
pub async fn targets() -> Targets {
    let name = format!("tenantry_bench_{}", Uuid::new_v4().simple());
    let sqlite_path = std::env::temp_dir().join(format!("{name}.db"));
    let mut urls = vec![(
        "SQLite",
        format!("sqlite://{}?mode=rwc", sqlite_path.display()),
    )];
    if let Ok(admin) = std::env::var("TENANTRY_TEST_POSTGRES_URL") {
        let db = Database::connect(&admin).await.expect("PostgreSQL");
        db.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("database");
        let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
        urls.push(("PostgreSQL", format!("{base}/{name}")));
    }
    Targets { sqlite_path, urls }
}

/// The benchmark's `n`th command-line argument as a number, `default` when absent or not one.
#[allow(dead_code)] // not every benchmark takes arguments
pub fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
