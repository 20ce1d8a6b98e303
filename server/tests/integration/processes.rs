//! Several real `tenantry serve` processes on one PostgreSQL database (issue 19): started at the
//! same moment on an empty database, they take turns to migrate and exactly one creates the
//! first super-admin.

use crate::support::fresh_postgres_url;
use app::entities::user;
use sea_orm::{prelude::*, Database};
use std::process::{Child, Command, Stdio};

/// A `tenantry serve` process, killed when dropped; its output goes to `log`.
struct Process {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    fn serve(database_url: &str, name: &str) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let log = std::env::temp_dir().join(format!("tenantry-{name}-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .arg("serve")
            .env("TENANTRY_DATABASE_URL", database_url)
            .env("TENANTRY_LISTEN", format!("127.0.0.1:{port}"))
            .env("TENANTRY_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("TENANTRY_MAIL", "log")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .unwrap();
        Process {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the process answers `/health`; fails with its output when it exits first.
    async fn ready(&mut self) {
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the process exited ({status}):\n{}", self.output());
            }
            if http
                .get(format!("{}/health", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the process never answered:\n{}", self.output());
    }
}

#[tokio::test]
async fn two_processes_starting_together_on_an_empty_database_migrate_once() {
    let url = fresh_postgres_url().await;
    let mut a = Process::serve(&url, "a");
    let mut b = Process::serve(&url, "b");
    a.ready().await;
    b.ready().await;
    let printed = [a.output(), b.output()]
        .iter()
        .filter(|o| o.contains("one-time password:"))
        .count();
    assert_eq!(printed, 1, "{}\n---\n{}", a.output(), b.output());
    let db = Database::connect(&url).await.unwrap();
    let admins = user::Entity::find().count(&db).await.unwrap();
    assert_eq!(admins, 1, "exactly one first super-admin");
}
