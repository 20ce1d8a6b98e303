//! Benchmark (not a test): password sign-ins per second over HTTP against a real Tenantry on
//! SQLite, next to the raw argon2id verification rate of the same machine.
//!
//! `make bench`, or `cargo run --release -p server --example sign_in_throughput [SIGN_INS [CLIENTS]]`.

use app::{
    model::{PlatformRole, UserStatus, UserType},
    services::{
        organisations, passwords, passwords::Passwords, users::NewUser, AppState, AuthConfig,
    },
};
use sea_orm::ActiveModelTrait;
use std::{sync::Arc, time::Instant};
use uuid::Uuid;

const PASSWORD: &str = "benchmark password 1234";

#[path = "support/table.rs"]
mod table;

#[tokio::main]
async fn main() {
    server::return_large_blocks();
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let clients: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(cores * 4);

    let path = std::env::temp_dir().join(format!("tenantry-bench-{}.db", Uuid::new_v4().simple()));
    let db = server::database::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("database");
    server::database::migrate(&db).await.expect("migrate");
    let state = AppState {
        db: db.clone(),
        auth: Arc::new(AuthConfig::default()),
        passwords: Passwords::new(cores).expect("hasher"),
        mail: Arc::new(app::services::mail::Mail::new(
            "http://127.0.0.1",
            "bench@example.com",
        )),
        licence_key: None,
    };
    let org = organisations::create(&db, "Bench", "bench", false, false)
        .await
        .expect("organisation");
    let hash = state.passwords.hash(PASSWORD.into()).await.expect("hash");
    for i in 0..clients {
        let email = format!("user{i}@bench.example");
        NewUser {
            organisation_id: org.id,
            email: &email,
            first_name: "Bench",
            last_name: "User",
            user_type: UserType::Agent,
            status: UserStatus::Active,
            password_hash: Some(hash.clone()),
            must_change_password: false,
            platform_role: PlatformRole::None,
        }
        .into_active_model()
        .insert(&db)
        .await
        .expect("user");
    }

    let (listener, base) = server::router::bind_loopback().await.expect("bind");
    server::router::serve_in_background(listener, state);

    let http = reqwest::Client::new();
    let per_client = total / clients;
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|i| {
            let http = http.clone();
            let base = base.clone();
            tokio::spawn(async move {
                let email = format!("user{i}@bench.example");
                let mut ok = 0usize;
                for _ in 0..per_client {
                    let response = http
                        .post(format!("{base}/api/auth/login"))
                        .form(&[
                            ("slug", "bench"),
                            ("email", email.as_str()),
                            ("password", PASSWORD),
                        ])
                        .send()
                        .await
                        .expect("request");
                    if response.status().is_success()
                        && response.headers().contains_key("set-cookie")
                    {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let mut succeeded = 0;
    for worker in workers {
        succeeded += worker.await.expect("worker");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let http_rate = succeeded as f64 / elapsed;
    assert_eq!(
        succeeded,
        per_client * clients,
        "every sign-in must succeed"
    );

    let raw_rate = tokio::task::spawn_blocking(move || passwords::raw_verify_rate(cores, 40))
        .await
        .expect("raw rate");
    println!(
        "sign-in benchmark ({cores} cores, {clients} concurrent clients, {succeeded} sign-ins)"
    );
    println!("  HTTP sign-ins:        {http_rate:8.1} /s");
    println!("  raw argon2id verify:  {raw_rate:8.1} /s  (19 MiB, t=2, p=1, {cores} threads)");
    let ratio = 100.0 * http_rate / raw_rate;
    println!("  ratio:                {ratio:8.1} %  (budget: at least 90 %)");
    table::row(
        "sign-ins over HTTP / raw argon2id rate",
        &format!("{http_rate:.1} / {raw_rate:.1} per s = {ratio:.1}%"),
        "at least 90%",
        ratio >= 90.0,
    );
    let _ = std::fs::remove_file(&path);
}
