//! Benchmark (not a test): server time of the Users page query on an organisation of 100,000
//! users, on SQLite and (when `TENANTRY_TEST_POSTGRES_URL` names a server) PostgreSQL, with the
//! query plans that show which indexes answer it.
//!
//! `make bench`, or `cargo run --release -p server --example user_list_latency [USERS [RUNS]]`.

use app::{
    entities::{organisation, role},
    model::{
        users::{StatusFilter, UserQuery, UserSort},
        UserStatus, UserType,
    },
    services::users,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::time::Instant;

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
    ];
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
    for (name, query) in &queries[..3] {
        let sql = users::candidates_statement(db.get_database_backend(), org.id, query);
        let explain = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => format!("EXPLAIN {sql}"),
            _ => format!("EXPLAIN QUERY PLAN {sql}"),
        };
        println!("  plan of the matches of \"{name}\":");
        for row in db
            .query_all_raw(Statement::from_string(db.get_database_backend(), explain))
            .await
            .expect("explain")
        {
            let line: String = row
                .try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<String>(3))
                .unwrap_or_default();
            println!("    {line}");
        }
    }
}
