//! Benchmark (not a test): the release server's memory while it streams the CSV exports of an
//! organisation of 100,000 people with 1,000,000 audit entries, on SQLite: the process's own
//! resident memory (`RssAnon`: heap and stacks, not the pages of the database file SQLite maps,
//! up to 256 MiB, which `VmRSS` counts too) before, at its peak during each download (sampled
//! every 50 ms from /proc) and after, with the size, rows and time of each file. A file streamed
//! a batch at a time keeps it flat.
//!
//! `make bench`, or `cargo run --release -p server --example export_memory [PEOPLE [ENTRIES]]`
//! after `cargo leptos build --release --split`.

// A benchmark stops at the first failed step: unwrap and expect are its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::entities::user;
use sea_orm::{prelude::*, QuerySelect};
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

#[path = "support/people.rs"]
mod people;
#[path = "support/served.rs"]
mod served;
#[path = "support/targets.rs"]
mod support;
#[path = "support/table.rs"]
mod table;
#[path = "support/trail.rs"]
mod trail;

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let entries: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let (targets, url, db, org, _) = served::filled(total).await;
    let ids: Vec<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::OrganisationId.eq(org.id))
        .into_tuple()
        .all(&db)
        .await
        .expect("people");
    trail::fill(&db, org.id, &ids, entries).await;
    people::analyze(&db).await;
    db.close().await.ok();
    let (mut child, base, client) = served::launch(&url, 1).await;
    served::sign_in(&client, &base).await;
    println!(
        "CSV exports from the release server on SQLite: {total} people, {entries} audit entries"
    );
    let mut worst_growth = 0.0_f64;
    for (name, path) in [
        ("people", "/o/big/users/export.csv?status=all"),
        ("activity", "/o/big/activity/export.csv"),
    ] {
        let (_, before) = served::rss(&child);
        let peak = Arc::new(Mutex::new(before));
        let done = Arc::new(AtomicBool::new(false));
        let pid = child.id();
        let sampler = {
            let (peak, done) = (peak.clone(), done.clone());
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    let rss = rss_of(pid);
                    {
                        let mut highest = peak.lock().expect("peak");
                        *highest = highest.max(rss);
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        let started = Instant::now();
        let mut response = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("download");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let (mut bytes, mut lines) = (0_usize, 0_usize);
        while let Some(chunk) = response.chunk().await.expect("chunk") {
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        let took = started.elapsed().as_secs_f64();
        done.store(true, Ordering::Relaxed);
        sampler.await.ok();
        let (mapped, after) = served::rss(&child);
        let peak = *peak.lock().expect("peak");
        let growth = peak - before;
        worst_growth = worst_growth.max(growth);
        println!(
            "  {name:<9} {:>8} rows  {:>7.1} MB in {took:5.1} s   own memory before {before:6.1} MB, peak {peak:6.1} MB (+{growth:.1}), after {after:6.1} MB (all resident, with the mapped database: {mapped:.1} MB)",
            lines.saturating_sub(1),
            bytes as f64 / 1e6,
        );
    }
    table::row(
        "CSV export (100,000 people, 1,000,000 entries): peak growth of own memory",
        &format!("{worst_growth:.1} MB"),
        "flat: at most 32 MB",
        worst_growth <= 32.0,
    );
    child.kill().ok();
    child.wait().ok();
    let _ = std::fs::remove_file(&targets.sqlite_path);
}

/// The process `pid`'s own resident memory (heap, stacks) in MB.
fn rss_of(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
