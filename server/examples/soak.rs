//! Benchmark (not a test): memory of a release server rendering console pages for minutes. It
//! fills a SQLite database with an organisation of 100,000 people, starts the release
//! `tenantry serve` on it (a process of its own, measured from outside as an operator would),
//! signs in as its tenant admin, and has a few clients fetch console pages one after another
//! (the Users page plain, searched, filtered and paged, a person's page, Overview, My profile,
//! Roles, Teams) for the given minutes, sampling the server's resident memory throughout.
//!
//! `make soak` (builds the release first), or
//! `cargo run --release -p server --example soak [MINUTES [USERS [CLIENTS]]]`.

use app::{
    entities::{user, user_role},
    model::{RoleTemplate, UserStatus},
    services::passwords::Passwords,
};
use sea_orm::{prelude::*, ActiveValue::Set};
use std::{
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

#[path = "support/people.rs"]
mod people;
#[path = "support/targets.rs"]
mod support;

const PASSWORD: &str = "the soak test's own long phrase";

#[tokio::main]
async fn main() {
    let arg = |n: usize, default: u64| {
        std::env::args()
            .nth(n)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (minutes, total, clients) = (arg(1, 3), arg(2, 100_000), arg(3, 4));
    let binary = std::env::var("TENANTRY_BIN").unwrap_or("target/release/tenantry".into());
    let targets = support::targets().await;
    let (_, url) = &targets.urls[0];
    let db = server::database::connect(url).await.expect("connect");
    server::database::migrate(&db).await.expect("migrate");
    let (org, _) = people::fill(&db, total as usize).await;
    let admin = admin_of(&db, org.id).await;
    let person = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(org.id))
        .filter(user::Column::Status.eq(UserStatus::Active.code()))
        .filter(user::Column::Id.ne(admin))
        .one(&db)
        .await
        .expect("query")
        .expect("someone")
        .id;
    db.close().await.ok();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(&binary, url, port, &base);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    wait_for_health(&client, &base).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss(&child);
    let signed = client
        .post(format!("{base}/api/auth/login"))
        .header("origin", &base)
        .form(&[
            ("slug", "big"),
            ("email", "soak.admin@big.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(signed.status().as_u16() < 400, "sign-in refused");

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
                        .is_ok_and(|body| body.contains("__INCOMPLETE_CHUNKS=[];")),
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

/// The organisation's tenant admin, given a password: `soak.admin@big.example`.
async fn admin_of(db: &DatabaseConnection, organisation_id: Uuid) -> Uuid {
    let hash = Passwords::new(1)
        .expect("hasher")
        .hash(PASSWORD.into())
        .await
        .expect("hash");
    let mut admin = app::services::users::NewUser {
        organisation_id,
        email: "soak.admin@big.example",
        first_name: "Soak",
        last_name: "Admin",
        user_type: app::model::UserType::TenantAdmin,
        status: UserStatus::Active,
        password_hash: Some(hash),
        must_change_password: false,
        platform_role: app::model::PlatformRole::None,
    }
    .into_active_model();
    admin.locale = Set("en".into());
    let id = match &admin.id {
        Set(id) => *id,
        _ => unreachable!("NewUser sets the id"),
    };
    user::Entity::insert(admin)
        .exec_without_returning(db)
        .await
        .expect("admin");
    let role = app::entities::role::Entity::find()
        .filter(app::entities::role::Column::OrganisationId.eq(organisation_id))
        .filter(app::entities::role::Column::Template.eq(RoleTemplate::Admin.code()))
        .one(db)
        .await
        .expect("query")
        .expect("Admin role");
    user_role::Entity::insert(user_role::ActiveModel {
        user_id: Set(id),
        role_id: Set(role.id),
    })
    .exec_without_returning(db)
    .await
    .expect("role");
    id
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start(binary: &str, url: &str, port: u16, base: &str) -> Child {
    Command::new(binary)
        .arg("serve")
        .env("TENANTRY_DATABASE_URL", url)
        .env("TENANTRY_LISTEN", format!("127.0.0.1:{port}"))
        .env("TENANTRY_BASE_URL", base)
        .env("TENANTRY_MAIL", "log")
        .env(
            "LEPTOS_SITE_ROOT",
            std::env::var("LEPTOS_SITE_ROOT").unwrap_or("target/site".into()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary} (build it with `make soak`): {e}"))
}

async fn wait_for_health(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if client
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not answer /health");
}

/// The resident memory of `child` in MB, from /proc: all of it, and the part that is the
/// process's own (heap, stacks) rather than pages of the database file it maps.
fn rss(child: &Child) -> (f64, f64) {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}
