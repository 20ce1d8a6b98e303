//! Benchmark (not a test): pages per second of the release server, in one run: `/health`, the
//! sign-in page, and the Users page (50 rows) of a signed-in tenant admin of a 100,000-person
//! organisation on SQLite, each fetched for a while by a number of clients at once. The budget:
//! the Users page at least 30% of the sign-in page's rate. Then how long those two pages take to
//! become interactive in headless Chromium (`end2end/bench/interactive.mjs`), opened with nothing
//! cached: at most 500 ms.
//!
//! `make bench`, or `cargo run --release -p server --example page_throughput [SECONDS [CLIENTS
//! [USERS]]]` after `cargo leptos build --release --split`.

// A benchmark stops at the first failed step: unwrap and expect are its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
#[path = "support/table.rs"]
mod table;

#[tokio::main]
async fn main() {
    let arg = support::arg;
    let (seconds, clients, total) = (arg(1, 10), arg(2, 16), arg(3, 100_000));
    let (targets, url, db, _, _) = served::filled(total as usize).await;
    db.close().await.ok();
    let (mut child, base, client) = served::launch(&url, clients as usize).await;
    let (idle, _) = served::rss(&child);
    table::row(
        "server RSS idle (SQLite)",
        &format!("{idle:.1} MB"),
        "at most 25 MB",
        idle <= 25.0,
    );
    served::sign_in(&client, &base).await;
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(clients as usize)
        .build()
        .expect("client");

    println!(
        "pages per second, {clients} clients, {seconds} s each, organisation of {total} people (SQLite)"
    );
    let health = rate(&child, &anonymous, &base, "/health", None, seconds, clients).await;
    let sign_in = rate(
        &child,
        &anonymous,
        &base,
        "/o/big/login",
        Some("Sign in"),
        seconds,
        clients,
    )
    .await;
    let users = rate(
        &child,
        &client,
        &base,
        "/o/big/users",
        Some("__INCOMPLETE_CHUNKS=[];"),
        seconds,
        clients,
    )
    .await;
    println!(
        "  Users page at {:.0}% of the sign-in page (budget: at least 30%); /health {:.0}/s",
        100.0 * users.per_second / sign_in.per_second,
        health.per_second
    );
    println!(
        "  server processor time per page (steadier than the rates on a busy machine): Users \
         {:.2} ms, sign-in {:.3} ms, /health {:.3} ms; Users at {:.0}% of the sign-in page's rate \
         by that measure",
        users.cpu_ms,
        sign_in.cpu_ms,
        health.cpu_ms,
        100.0 * sign_in.cpu_ms / users.cpu_ms
    );
    let (users, sign_in) = (users.per_second, sign_in.per_second);
    let (all, own) = served::rss(&child);
    println!(
        "  server memory after serving the Users page: RSS {all:.1} MB, of it its own (not the \
         database file's mapped pages) {own:.1} MB"
    );
    let share = 100.0 * users / sign_in;
    table::row(
        &format!("Users page / sign-in page, pages per s, {clients} clients"),
        &format!("{users:.0} / {sign_in:.0} = {share:.0}%"),
        "at least 30%",
        share >= 30.0,
    );
    table::row(
        &format!("server RSS after the Users page of {total} people (own memory)"),
        &format!("{all:.1} MB ({own:.1} MB)"),
        "at most 60 MB",
        all <= 60.0,
    );
    interactive(&base);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&targets.sqlite_path);
}

/// Time to interactive in headless Chromium of the sign-in page and of the Users page, each
/// opened `VISITS` times with nothing cached; prints their median and slowest against the budget.
fn interactive(base: &str) {
    const VISITS: usize = 15;
    let output = std::process::Command::new("node")
        .arg("end2end/bench/interactive.mjs")
        .args([base, "big", "soak.admin@big.example", served::PASSWORD])
        .arg(VISITS.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("node (scripts/install-tools.sh --test installs Chromium and Playwright)");
    assert!(output.status.success(), "the browser benchmark failed");
    let times: std::collections::HashMap<String, Vec<f64>> =
        serde_json::from_slice(&output.stdout).expect("the browser benchmark's figures");
    println!(
        "time to interactive in headless Chromium, loopback, nothing cached, {VISITS} visits each"
    );
    for (key, page) in [
        ("sign_in", "sign-in page"),
        ("users", "Users page (signed in)"),
    ] {
        let mut ms = times[key].clone();
        ms.sort_by(f64::total_cmp);
        let (median, slowest) = (ms[ms.len() / 2], ms[ms.len() - 1]);
        println!("  {page:<24} median {median:5.0} ms, slowest {slowest:5.0} ms");
        table::row(
            &format!("{page} interactive in headless Chromium, loopback, nothing cached (median, slowest of {VISITS})"),
            &format!("{median:.0} ms, {slowest:.0} ms"),
            "at most 500 ms",
            slowest <= 500.0,
        );
    }
}

/// How fast a page was served, and what each cost the server's processors.
struct Rate {
    per_second: f64,
    cpu_ms: f64,
}

/// Pages of `path` served per second to `clients` clients asking one after another for
/// `seconds`; each answer must be a 200 containing `marker`.
async fn rate(
    server: &std::process::Child,
    client: &reqwest::Client,
    base: &str,
    path: &str,
    marker: Option<&'static str>,
    seconds: u64,
    clients: u64,
) -> Rate {
    let answered = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let cpu_before = served::cpu_seconds(server);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url) = (client.clone(), format!("{base}{path}"));
            let (answered, failed) = (answered.clone(), failed.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let good = match client.get(&url).send().await {
                        Ok(answer) if answer.status().is_success() => {
                            let body = answer.text().await.unwrap_or_default();
                            marker.is_none_or(|m| body.contains(m))
                        }
                        _ => false,
                    };
                    answered.fetch_add(1, Ordering::Relaxed);
                    if !good {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let pages = answered.load(Ordering::Relaxed) as f64;
    let cpu_ms = 1000.0 * (served::cpu_seconds(server) - cpu_before) / pages.max(1.0);
    let per_second = pages / elapsed;
    println!(
        "  {path:<16} {per_second:>8.0}/s  ({} failed), {cpu_ms:.3} ms of server processor time each",
        failed.load(Ordering::Relaxed)
    );
    Rate { per_second, cpu_ms }
}
