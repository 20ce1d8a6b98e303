//! Benchmark (not a test): server time of the Users page query on an organisation of 100,000
//! users, on SQLite and (when `TENANTRY_TEST_POSTGRES_URL` names a server) PostgreSQL, with the
//! query plans that show which indexes answer it.
//!
//! `make bench`, or `cargo run --release -p server --example user_list_latency [USERS [RUNS]]`.

// A benchmark stops at the first failed step: unwrap and expect are its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::{
    entities::{organisation, role},
    model::{
        users::{StatusFilter, UserQuery, UserSort},
        UserStatus, UserType,
    },
    services::users,
};
use migration::async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};
use std::{sync::Mutex, time::Instant};

#[path = "support/people.rs"]
mod people;
#[path = "support/targets.rs"]
mod support;

#[path = "support/table.rs"]
mod table;

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let targets = support::targets().await;
    for (label, url) in &targets.urls {
        let db = server::database::connect(url).await.expect("connect");
        server::database::migrate(&db).await.expect("migrate");
        let (org, role) = people::fill(&db, total).await;
        people::analyze(&db).await;
        report(label, &db, &org, &role, total, runs).await;
    }
    // TENANTRY_BENCH_KEEP=1 keeps both databases to study their plans by hand.
    if std::env::var_os("TENANTRY_BENCH_KEEP").is_some() {
        println!(
            "kept {} and PostgreSQL database {}",
            targets.sqlite_path.display(),
            targets
                .sqlite_path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
        );
    } else {
        let _ = std::fs::remove_file(&targets.sqlite_path);
    }
}

async fn report(
    label: &str,
    db: &DatabaseConnection,
    org: &organisation::Model,
    role: &role::Model,
    total: usize,
    runs: usize,
) {
    println!("user list on {label}, organisation of {total} users, {runs} runs per query (server time of one page: rows, count, stat cards, role tags)");
    let queries = [
        ("first page, default filters", UserQuery::default()),
        (
            "search \"gra hop\"",
            UserQuery {
                search: "gra hop".into(),
                ..UserQuery::default()
            },
        ),
        (
            "role Agent",
            UserQuery {
                role: Some(role.id),
                ..UserQuery::default()
            },
        ),
        (
            "search by email \"ada.love\"",
            UserQuery {
                search: "ada.love".into(),
                ..UserQuery::default()
            },
        ),
        (
            "suspended only",
            UserQuery {
                status: StatusFilter::Only(UserStatus::Suspended),
                ..UserQuery::default()
            },
        ),
        (
            "type analyst",
            UserQuery {
                user_type: Some(UserType::Analyst),
                ..UserQuery::default()
            },
        ),
        (
            "last sign-in, newest first",
            UserQuery {
                sort: UserSort::LastSignIn,
                descending: true,
                ..UserQuery::default()
            },
        ),
        (
            "email, page 20 (the last)",
            UserQuery {
                sort: UserSort::Email,
                page: 20,
                ..UserQuery::default()
            },
        ),
        (
            "search \"hop\" (one word, 6k)",
            UserQuery {
                search: "hop".into(),
                ..UserQuery::default()
            },
        ),
        (
            "search \"a\" (one letter, 30k)",
            UserQuery {
                search: "a".into(),
                ..UserQuery::default()
            },
        ),
        (
            "search \"a\", page 20",
            UserQuery {
                search: "a".into(),
                page: 20,
                ..UserQuery::default()
            },
        ),
        (
            "search \"ma\" (two letters)",
            UserQuery {
                search: "ma".into(),
                ..UserQuery::default()
            },
        ),
        (
            "search \"hop\", last sign-in",
            UserQuery {
                search: "hop".into(),
                sort: UserSort::LastSignIn,
                descending: true,
                ..UserQuery::default()
            },
        ),
        (
            "name, page 20 (the last)",
            UserQuery {
                page: 20,
                ..UserQuery::default()
            },
        ),
        (
            "role Agent, search \"a\"",
            UserQuery {
                role: Some(role.id),
                search: "a".into(),
                ..UserQuery::default()
            },
        ),
    ];
    // The pool opens its connections as the first queries need them (about 90 ms each on
    // PostgreSQL); a running server has long opened them.
    futures::future::join_all((0..16).map(|_| db.execute_unprepared("SELECT 1"))).await;
    let mut worst_p99 = 0.0_f64;
    for (name, query) in &queries {
        // Not counted: the first runs prepare the statements and bring the pages into memory, as
        // a running server has long done.
        for _ in 0..runs / 10 {
            users::list(db, org.id, query).await.expect("list");
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let page = users::list(db, org.id, query).await.expect("list");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(page.rows.len() <= 50);
        }
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
        worst_p99 = worst_p99.max(p99);
        println!("  {name:<32} p50 {p50:7.2} ms   p99 {p99:7.2} ms");
    }
    println!("  worst p99: {worst_p99:.2} ms (budget: 10 ms)");
    table::row(
        &format!("Users page, {total} people, worst p99, {label}"),
        &format!("{worst_p99:.2} ms"),
        "at most 10 ms",
        worst_p99 <= 10.0,
    );
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        users::stats(db, org.id).await.expect("stats");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "  of which stat cards alone: p50 {:.2} ms",
        times[times.len() / 2]
    );
    // The plan of every statement touching the users table that one page load runs.
    for (name, query) in &queries {
        let recorder = Recorder {
            db,
            seen: Mutex::new(Vec::new()),
        };
        users::list(&recorder, org.id, query).await.expect("list");
        println!("  plans of \"{name}\":");
        let seen = recorder.seen.into_inner().unwrap_or_default();
        for statement in seen.iter().filter(|s| s.sql.contains(r#"FROM "users""#)) {
            let explain = match statement.db_backend {
                // TENANTRY_BENCH_ANALYZE=1 runs them too, with each step's time.
                DbBackend::Postgres if std::env::var_os("TENANTRY_BENCH_ANALYZE").is_some() => {
                    "EXPLAIN ANALYZE"
                }
                DbBackend::Postgres => "EXPLAIN",
                _ => "EXPLAIN QUERY PLAN",
            };
            // TENANTRY_BENCH_SQL=1 prints each statement with its values, to try by hand.
            if std::env::var_os("TENANTRY_BENCH_SQL").is_some() {
                println!("    {statement}");
            }
            let rows = db
                .query_all_raw(Statement {
                    sql: format!("{explain} {}", statement.sql),
                    ..statement.clone()
                })
                .await
                .expect("explain");
            for row in rows {
                let line: String = row
                    .try_get_by_index::<String>(0)
                    .or_else(|_| row.try_get_by_index::<String>(3))
                    .unwrap_or_default();
                println!("    {line}");
            }
            println!("    --");
        }
    }
}

/// A connection that notes every query it forwards, to explain them afterwards.
struct Recorder<'a> {
    db: &'a DatabaseConnection,
    seen: Mutex<Vec<Statement>>,
}

impl Recorder<'_> {
    fn note(&self, statement: &Statement) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(statement.clone());
        }
    }
}

#[async_trait]
impl ConnectionTrait for Recorder<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        self.note(&statement);
        self.db.execute_raw(statement).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.note(&statement);
        self.db.query_one_raw(statement).await
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.note(&statement);
        self.db.query_all_raw(statement).await
    }
}
