//! Benchmark (not a test): server time of one page of the Activity view on an organisation with
//! 1,000,000 audit entries, under every combination of its filters (person acting, person acted
//! on, kind of action, date range) and on a later page, on SQLite and (when
//! `TENANTRY_TEST_POSTGRES_URL` names a server) PostgreSQL, with the query plans.
//!
//! `make bench`, or `cargo run --release -p server --example activity_latency [EVENTS [RUNS]]`.

// A benchmark stops at the first failed step: unwrap and expect are its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::{
    entities::user,
    model::activity::{ActivityQuery, AuditAction},
    services::activity,
};
use chrono::{Duration, Utc};
use sea_orm::{prelude::*, ConnectionTrait, DatabaseConnection, QuerySelect};
use std::time::Instant;

#[path = "support/people.rs"]
mod people;
#[path = "support/targets.rs"]
mod support;
#[path = "support/table.rs"]
mod table;
#[path = "support/trail.rs"]
mod trail;

/// The people of the organisation (those acted on).
const PEOPLE: usize = 10_000;

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let targets = support::targets().await;
    for (label, url) in &targets.urls {
        let db = server::database::connect(url).await.expect("connect");
        server::database::migrate(&db).await.expect("migrate");
        let (org, _) = people::fill(&db, PEOPLE).await;
        let people: Vec<Uuid> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::OrganisationId.eq(org.id))
            .into_tuple()
            .all(&db)
            .await
            .expect("people");
        trail::fill(&db, org.id, &people, total).await;
        people::analyze(&db).await;
        report(label, &db, org.id, &people, total, runs).await;
    }
    let _ = std::fs::remove_file(&targets.sqlite_path);
}

async fn report(
    label: &str,
    db: &DatabaseConnection,
    org: Uuid,
    people: &[Uuid],
    total: usize,
    runs: usize,
) {
    println!("activity on {label}, {total} entries in one organisation, {runs} runs per query (server time of one page with its names)");
    let busy_admin = Some(people[0]);
    let quiet_admin = Some(people[trail::ADMINS - 1]);
    let person = Some(people[PEOPLE / 2]);
    let today = Utc::now().date_naive();
    let month = (
        Some(today - Duration::days(200)),
        Some(today - Duration::days(170)),
    );
    let dims = ["actor", "subject", "rare action", "30 days"];
    let mut queries = Vec::new();
    // Every combination of the four filters, with the busiest admin and the rarest action.
    for mask in 0..16u8 {
        let on = |bit: u8| mask & (1 << bit) != 0;
        let query = ActivityQuery {
            actor: on(0).then_some(busy_admin).flatten(),
            subject: on(1).then_some(person).flatten(),
            action: on(2).then_some(AuditAction::PasswordResetTemporary),
            from: if on(3) { month.0 } else { None },
            to: if on(3) { month.1 } else { None },
            ..Default::default()
        };
        let name: Vec<&str> = (0..4)
            .filter(|&b| on(b))
            .map(|b| dims[b as usize])
            .collect();
        let name = if name.is_empty() {
            "no filter".to_string()
        } else {
            name.join(" + ")
        };
        queries.push((name, query));
    }
    queries.push((
        "quiet admin + common action".into(),
        ActivityQuery {
            actor: quiet_admin,
            action: Some(AuditAction::UserUpdated),
            ..Default::default()
        },
    ));
    queries.push((
        "a person's page (by or to)".into(),
        ActivityQuery {
            person,
            ..Default::default()
        },
    ));
    queries.push((
        "busy admin's page (by or to)".into(),
        ActivityQuery {
            person: busy_admin,
            ..Default::default()
        },
    ));
    // A later page: the cursor of the 20th page of the unfiltered view.
    let mut later = ActivityQuery::default();
    for _ in 0..20 {
        later.before = activity::list(db, org, &later).await.expect("list").older;
    }
    queries.push(("page 21, no filter".into(), later));
    futures::future::join_all((0..16).map(|_| db.execute_unprepared("SELECT 1"))).await;
    let mut worst_p99 = 0.0_f64;
    for (name, query) in &queries {
        for _ in 0..runs / 10 {
            activity::list(db, org, query).await.expect("list");
        }
        let mut times = Vec::with_capacity(runs);
        let mut shown = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let page = activity::list(db, org, query).await.expect("list");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            shown = page.entries.len();
        }
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
        worst_p99 = worst_p99.max(p99);
        println!("  {name:<40} {shown:>3} rows   p50 {p50:7.2} ms   p99 {p99:7.2} ms");
    }
    println!("  worst p99: {worst_p99:.2} ms (budget: 20 ms)");
    table::row(
        &format!("Activity page, {total} entries, worst p99, {label}"),
        &format!("{worst_p99:.2} ms"),
        "at most 20 ms",
        worst_p99 <= 20.0,
    );
}
