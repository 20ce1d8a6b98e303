//! Benchmark (not a test): memory of a release server rendering console pages for minutes. It
//! fills a SQLite database with an organisation of 100,000 people, starts the release
//! `tenantry serve` on it (a process of its own, measured from outside as an operator would),
//! signs in as its tenant admin, and has a few clients fetch console pages one after another
//! (the Users page plain, searched, filtered and paged, a person's page, Overview, My profile,
//! Roles, Teams) for the given minutes, sampling the server's resident memory throughout.
//!
//! `make soak` (builds the release first), or
//! `cargo run --release -p server --example soak [MINUTES [USERS [CLIENTS]]]`.

// A benchmark stops at the first failed step: unwrap and expect are its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::{entities::user, model::UserStatus};
use sea_orm::prelude::*;
use served::rss;
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

#[path = "support/people.rs"]
mod people;
#[path = "support/served.rs"]
mod served;
#[path = "support/targets.rs"]
mod support;

#[tokio::main]
async fn main() {
    let arg = support::arg;
    let (minutes, total, clients) = (arg(1, 3), arg(2, 100_000), arg(3, 4));
    let (targets, url, db, org, admin) = served::filled(total as usize).await;
    let person = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(org.id))
        .filter(user::Column::Status.eq(UserStatus::Active))
        .filter(user::Column::Id.ne(admin))
        .one(&db)
        .await
        .expect("query")
        .expect("someone")
        .id;
    db.close().await.ok();

    let (mut child, base, client) = served::launch(&url, clients as usize).await;
    let idle = rss(&child);
    served::sign_in(&client, &base).await;

    let pages: Arc<Vec<String>> = Arc::new(vec![
        "/o/big/users".into(),
        "/o/big/users?q=ada".into(),
        "/o/big/users?q=a".into(),
        "/o/big/users?status=all&type=agent".into(),
        "/o/big/users?sort=last_sign_in&dir=desc&page=7".into(),
        format!("/o/big/users/{person}"),
        "/o/big".into(),
        "/o/big/profile".into(),
        "/o/big/roles".into(),
        "/o/big/teams".into(),
        "/o/big/settings/sso".into(),
    ]);
    let served = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(minutes * 60);
    let mut workers = Vec::new();
    for worker in 0..clients as usize {
        let (client, base, pages) = (client.clone(), base.clone(), pages.clone());
        let (served, failed) = (served.clone(), failed.clone());
        workers.push(tokio::spawn(async move {
            let mut i = worker;
            while Instant::now() < deadline {
                let path = &pages[i % pages.len()];
                i += 1;
                let whole = match client.get(format!("{base}{path}")).send().await {
                    Ok(answer) if answer.status().is_success() => answer
                        .text()
                        .await
                        // Whole: every streamed part arrived, and the head has the page's
                        // own title (a page rendered outside its meta context would not).
                        .is_ok_and(|body| {
                            body.contains("__INCOMPLETE_CHUNKS=[];")
                                && body.contains(" · Tenantry</title>")
                        }),
                    _ => false,
                };
                served.fetch_add(1, Ordering::Relaxed);
                if !whole {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }

    println!(
        "  {:>6}  {:>9}  {:>8}  {:>14}",
        "second", "requests", "RSS MB", "own memory MB"
    );
    let started = Instant::now();
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let (at, count, memory) = (
            started.elapsed().as_secs(),
            served.load(Ordering::Relaxed),
            rss(&child),
        );
        println!(
            "  {at:>6}  {count:>9}  {:>8.1}  {:>14.1}",
            memory.0, memory.1
        );
        samples.push((at, count, memory));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let total_requests = served.load(Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    // Warm-up: the first minute (caches, the database's pages, the allocator's arenas).
    let after_warmup = samples
        .iter()
        .find(|(at, _, _)| *at >= 60)
        .map_or(idle, |s| s.2);
    let last = samples.last().map_or(idle, |s| s.2);
    let peak = samples.iter().map(|s| s.2 .0).fold(idle.0, f64::max);
    println!(
        "soak: {total} people, {clients} clients, {total_requests} pages in {seconds:.0} s \
         ({:.0} pages/s), {} not rendered whole",
        total_requests as f64 / seconds,
        failed.load(Ordering::Relaxed)
    );
    println!(
        "soak: RSS idle {:.1} MB, after the first minute {:.1} MB, at the end {:.1} MB (peak \
         {peak:.1} MB); of it the process's own memory (not the database file's mapped pages) \
         {:.1} / {:.1} / {:.1} MB: {:+.1} MB after warm-up",
        idle.0,
        after_warmup.0,
        last.0,
        idle.1,
        after_warmup.1,
        last.1,
        last.1 - after_warmup.1
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&targets.sqlite_path);
}
