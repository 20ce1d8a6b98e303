//! A release `tenantry serve` started as a process of its own on a database the benchmark
//! filled, measured from outside as an operator would. Shared with `#[path]`.

use app::{
    entities::{user, user_role},
    model::{RoleTemplate, UserStatus},
    services::passwords::Passwords,
};
use sea_orm::{prelude::*, ActiveValue::Set};
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The password of the organisation's tenant admin, `soak.admin@big.example`.
pub const PASSWORD: &str = "the benchmarks' own long phrase";

/// Signs `client` in as the tenant admin of "big".
pub async fn sign_in(client: &reqwest::Client, base: &str) {
    let signed = client
        .post(format!("{base}/api/auth/login"))
        .header("origin", base)
        .form(&[
            ("slug", "big"),
            ("email", "soak.admin@big.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(signed.status().as_u16() < 400, "sign-in refused");
}

/// The organisation's tenant admin, given a password: `soak.admin@big.example`.
async fn admin_of(db: &DatabaseConnection, organisation_id: Uuid) -> Uuid {
    let hash = Passwords::new(1)
        .expect("hasher")
        .hash(PASSWORD.into())
        .await
        .expect("hash");
    let mut admin = app::services::people::NewUser {
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
    admin.locale = Set(app::i18n::Locale::En);
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

/// What [`filled`] gives: the targets, the database's URL, the open connection, the organisation
/// and the admin's id.
pub type Filled = (
    crate::support::Targets,
    String,
    DatabaseConnection,
    app::entities::organisation::Model,
    Uuid,
);

/// The scratch databases with a SQLite file holding an organisation of `total` people and its
/// tenant admin, analysed: what the served benchmarks start from. Returns the targets (to remove
/// the file at the end), the database's URL, the open connection, the organisation and the
/// admin's id.
pub async fn filled(total: usize) -> Filled {
    filled_on("SQLite", total).await
}

/// [`filled`] on the database labelled `label` ("SQLite" or "PostgreSQL", which needs
/// `TENANTRY_TEST_POSTGRES_URL`).
pub async fn filled_on(label: &str, total: usize) -> Filled {
    let targets = crate::support::targets().await;
    let url = targets
        .urls
        .iter()
        .find(|(l, _)| *l == label)
        .unwrap_or_else(|| panic!("no {label} database (is TENANTRY_TEST_POSTGRES_URL set?)"))
        .1
        .clone();
    let db = server::database::connect(&url).await.expect("connect");
    server::database::migrate(&db).await.expect("migrate");
    let (org, _) = crate::people::fill(&db, total).await;
    let admin = admin_of(&db, org.id).await;
    crate::people::analyze(&db).await;
    (targets, url, db, org, admin)
}

/// Starts the release server (`TENANTRY_BIN`, by default `target/release/tenantry`) on `url` at a
/// free port and waits until it has settled after answering `/health`. Returns the process, its
/// base URL and a cookie-keeping client for `clients` connections at once.
pub async fn launch(url: &str, clients: usize) -> (Child, String, reqwest::Client) {
    launch_logged(url, clients, Stdio::inherit(), &[]).await
}

/// [`launch`] with the server's log going to `log` and more settings (`TENANTRY_...`).
pub async fn launch_logged(
    url: &str,
    clients: usize,
    log: Stdio,
    settings: &[(&str, &str)],
) -> (Child, String, reqwest::Client) {
    let binary = std::env::var("TENANTRY_BIN").unwrap_or("target/release/tenantry".into());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = start(&binary, url, port, &base, log, settings);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    wait_for_health(&client, &base).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    (child, base, client)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start(
    binary: &str,
    url: &str,
    port: u16,
    base: &str,
    log: Stdio,
    settings: &[(&str, &str)],
) -> Child {
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
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {binary} (build it with `cargo leptos build --release --split`): {e}"
            )
        })
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
pub fn rss(child: &Child) -> (f64, f64) {
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

/// The processor time `child` has used so far (user and system, all its threads), in seconds.
#[allow(dead_code)] // the page throughput benchmark's
pub fn cpu_seconds(child: &Child) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime, fields 14 and 15 of stat(5), in USER_HZ (100 on Linux).
    (ticks(11) + ticks(12)) / 100.0
}
