//! Load test (not a test of the suite): `make load`. Two release `tenantry serve` processes on one
//! PostgreSQL database holding an organisation of 100,000 people take a mixed workload from `wrk`
//! for some minutes: sign-ins, the Users page searched, filtered, sorted and paged, a person's
//! page, edits (a person read, then saved with the version read), invitations. Every kind of
//! request goes to both processes at once. It prints, per kind and process, requests, requests per
//! second, p50 and p99 and errors (any answer but 200), then each process's resident memory
//! sampled throughout and its growth after the warm-up, and the warnings, errors and panics
//! each process logged. It fails on any error.
//!
//! `make load` (builds the release and installs `wrk` first), or
//! `cargo run --release -p server --example load [MINUTES [PEOPLE]]` with
//! `TENANTRY_TEST_POSTGRES_URL` naming a PostgreSQL server.

// A benchmark stops at the first failed step: unwrap and expect are its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::{
    entities::{role, user, user_role},
    model::{
        account::{AccountForm, NewAccount, Onboarding},
        RoleTemplate, UserStatus, UserType,
    },
};
use sea_orm::{prelude::*, DatabaseConnection, QuerySelect};
use served::rss;
use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

#[path = "support/people.rs"]
mod people;
// Shared with the other benchmarks, which use the parts this one does not.
#[allow(dead_code)]
#[path = "support/served.rs"]
mod served;
#[path = "support/targets.rs"]
mod support;

/// One kind of request: its name, its `wrk` script (after the common part) and how many
/// connections each process gets for it.
struct Kind {
    name: &'static str,
    script: String,
    connections: u32,
}

/// What every script shares: the session cookie and headers, a count of answers other than 200
/// (any other status is an error here: a sign-in page instead of the console, a conflict, a
/// refusal), printed when `wrk` ends.
const COMMON: &str = r#"
local threads = {}
errors = 0
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("errors") end
  io.write(string.format("ERRORS %d\n", total))
end
function failed(status, body)
  errors = errors + 1
  if errors <= 3 then io.stderr:write(string.format("%s %d: %s\n", kind, status, string.sub(body, 1, 300))) end
end
"#;

/// A Lua string holding `text` as it is.
fn lua(text: &str) -> String {
    format!("[==[{text}]==]")
}

fn lua_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| lua(i)).collect();
    format!("{{{}}}", quoted.join(", "))
}

/// The kinds of request, for a process at `base` whose share of the people to edit is `edited`.
fn kinds(
    base: &str,
    cookie: &str,
    pages: &[String],
    people: &[String],
    edited: &[String],
    invite: &str,
    tag: &str,
) -> Vec<Kind> {
    let headers = |content_type: &str| {
        format!(
            "{{[\"Cookie\"] = {}, [\"Origin\"] = {}, [\"Accept\"] = \"application/json\", [\"Content-Type\"] = \"{content_type}\"}}",
            lua(cookie),
            lua(base)
        )
    };
    let form = headers("application/x-www-form-urlencoded");
    let json = headers("application/json");
    let browse = |name: &'static str, paths: Vec<String>, connections| Kind {
        name,
        connections,
        script: format!(
            r#"kind = "{name}"
local paths = {}
local i = 0
local headers = {{["Cookie"] = {}}}
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
response = function(status, headers, body)
  -- A whole page: every streamed part arrived.
  if status ~= 200 or not string.find(body, "__INCOMPLETE_CHUNKS=[];", 1, true) then failed(status, body) end
end
"#,
            lua_list(&paths),
            lua(cookie)
        ),
    };
    vec![
        Kind {
            name: "sign-in",
            connections: 1,
            script: format!(
                r#"kind = "sign-in"
local body = "slug=big&email=soak.admin%40big.example&password=" .. {password}
request = function() return wrk.format("POST", "/api/auth/login", {form}, body) end
response = function(status, headers, body) if status ~= 200 then failed(status, body) end end
"#,
                password = lua(
                    &url::form_urlencoded::byte_serialize(served::PASSWORD.as_bytes())
                        .collect::<String>()
                ),
            ),
        },
        browse("Users page", pages.to_vec(), 2),
        browse(
            "person page",
            people
                .iter()
                .map(|id| format!("/o/big/users/{id}"))
                .collect(),
            2,
        ),
        Kind {
            name: "edit (read, save)",
            connections: 1,
            script: format!(
                r#"kind = "edit"
local ids = {ids}
local i, step, id, saving, counter = 0, 0, nil, nil, 0
request = function()
  if step == 0 then
    i = i % #ids + 1
    id = ids[i]
    return wrk.format("POST", "/api/users/get", {form}, "slug=big&id=" .. id)
  end
  return wrk.format("POST", "/api/users/update", {json}, saving)
end
response = function(status, headers, body)
  if status ~= 200 then failed(status, body); step = 0; return end
  if step == 1 then step = 0; return end
  local form = string.match(body, '"form":(%b{{}})')
  local version = string.match(body, '"version":(%d+)')
  if form == nil or version == nil then failed(status, body); return end
  counter = counter + 1
  form = string.gsub(form, '"phone":"[^"]*"', string.format('"phone":"+44 20 7946 %04d"', counter % 10000))
  saving = '{{"slug":"big","id":"' .. id .. '","change":{{"form":' .. form .. ',"version":' .. version .. '}}}}'
  step = 1
end
"#,
                ids = lua_list(edited),
            ),
        },
        Kind {
            name: "invitation",
            connections: 1,
            script: format!(
                r#"kind = "invitation"
local template = {template}
local counter = 0
request = function()
  counter = counter + 1
  local body = string.gsub(template, "INVITEE", "load-{tag}-" .. counter)
  return wrk.format("POST", "/api/users/add", {json}, body)
end
response = function(status, headers, body) if status ~= 200 then failed(status, body) end end
"#,
                template = lua(invite),
            ),
        },
    ]
}

/// What `wrk --latency` printed for one run.
#[derive(Default)]
struct Figures {
    requests: u64,
    per_second: f64,
    p50: String,
    p99: String,
    errors: u64,
}

fn figures(output: &str) -> Figures {
    let mut f = Figures::default();
    for line in output.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("50%"), Some(v)) => f.p50 = v.to_string(),
            (Some("99%"), Some(v)) => f.p99 = v.to_string(),
            (Some("Requests/sec:"), Some(v)) => f.per_second = v.parse().unwrap_or(0.0),
            (Some("ERRORS"), Some(v)) => f.errors += v.parse::<u64>().unwrap_or(0),
            // Connection errors count too: "Socket errors: connect 0, read 0, write 0, timeout 0".
            (Some("Socket"), Some("errors:")) => {
                f.errors += line
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|n| n.parse::<u64>().ok())
                    .sum::<u64>();
            }
            (Some(n), Some("requests")) => f.requests = n.parse().unwrap_or(0),
            _ => {}
        }
    }
    f
}

/// The session cookie of the organisation's tenant admin, signed in at `base`.
async fn session_cookie(base: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client
        .post(format!("{base}/api/auth/login"))
        .header("origin", base)
        .header("accept", "application/json")
        .form(&[
            ("slug", "big"),
            ("email", "soak.admin@big.example"),
            ("password", served::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200, "sign-in");
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("tenantry_session="))
        .expect("a session cookie")
        .to_string()
}

/// The lines of a process's log that are warnings, errors or panics.
fn troubles(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| {
            [
                " WARN ",
                " ERROR ",
                "panicked",
                "without `ServerMetaContext`",
            ]
            .iter()
            .any(|trouble| l.contains(trouble))
        })
        .map(String::from)
        .collect()
}

/// The ids of up to 400 active people matching `condition`, other than the tenant admin.
async fn active_ids(
    db: &DatabaseConnection,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Vec<String> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(condition)
        .filter(user::Column::Status.eq(UserStatus::Active))
        .filter(user::Column::Email.ne("soak.admin@big.example"))
        .limit(400)
        .into_tuple::<Uuid>()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|id| id.to_string())
        .collect()
}

#[tokio::main]
async fn main() {
    let arg = support::arg;
    let (minutes, total) = (arg(1, 10), arg(2, 100_000));
    let (targets, url, db, org, _) = served::filled_on("PostgreSQL", total as usize).await;
    let people = active_ids(&db, user::Column::OrganisationId.eq(org.id)).await;
    let agent = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(org.id))
        .filter(role::Column::Template.eq(RoleTemplate::Agent.code()))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    // Whom the edits save: active people holding the Agent role (an account needs a role).
    let holders = active_ids(
        &db,
        user::Column::Id.in_subquery(
            sea_orm::sea_query::Query::select()
                .column(user_role::Column::UserId)
                .from(user_role::Entity)
                .and_where(user_role::Column::RoleId.eq(agent.id))
                .to_owned(),
        ),
    )
    .await;
    db.close().await.ok();
    let invite = serde_json::json!({
        "slug": "big",
        "account": NewAccount {
            form: AccountForm {
                first_name: "Load".into(),
                last_name: "Tested".into(),
                email: "INVITEE@load.example".into(),
                phone: String::new(),
                external_id: String::new(),
                timezone: "Europe/London".into(),
                roles: vec![agent.id],
                access_until: String::new(),
            },
            user_type: UserType::Agent,
            onboarding: Onboarding::Invitation,
            teams: Vec::new(),
        },
    })
    .to_string();
    let pages: Vec<String> = [
        "/o/big/users",
        "/o/big/users?q=ada",
        "/o/big/users?q=a",
        "/o/big/users?q=hop",
        "/o/big/users?status=suspended",
        "/o/big/users?status=all&type=agent",
        &format!("/o/big/users?role={}", agent.id),
        "/o/big/users?sort=last_sign_in&dir=desc&page=7",
        "/o/big/users?page=40",
    ]
    .iter()
    .map(|p| String::from(*p))
    .collect();

    let dir = std::env::temp_dir().join(format!("tenantry-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The invitations' mail goes to files (the log transport warns at start that it is for
    // development, and the processes' logs must stay clean).
    let mail = format!("dir:{}", dir.join("mail").display());
    let mut processes = Vec::new();
    for name in ["A", "B"] {
        let log = dir.join(format!("{name}.log"));
        let (child, base, _) = served::launch_logged(
            &url,
            8,
            Stdio::from(std::fs::File::create(&log).unwrap()),
            &[("RUST_LOG", "warn"), ("TENANTRY_MAIL", &mail)],
        )
        .await;
        processes.push((name, child, base, log));
    }
    println!(
        "load: {minutes} min against two processes on one PostgreSQL database, organisation of \
         {total} people"
    );

    let seconds = minutes * 60;
    let mut runs = Vec::new();
    for (index, (name, _, base, _)) in processes.iter().enumerate() {
        let cookie = session_cookie(base).await;
        // Each process edits its own half, so two saves of one person never race (a conflict
        // would be a right answer, not a failure).
        let edited: Vec<String> = holders.iter().skip(index).step_by(2).cloned().collect();
        for kind in kinds(base, &cookie, &pages, &people, &edited, &invite, name) {
            let script = dir.join(format!("{name}-{}.lua", kind.name.replace(' ', "-")));
            std::fs::write(&script, format!("{COMMON}\n{}", kind.script)).unwrap();
            let child = Command::new("wrk")
                .args(["-t1", &format!("-c{}", kind.connections)])
                .arg(format!("-d{seconds}s"))
                .args(["--timeout", "10s", "--latency", "-s"])
                .arg(&script)
                .arg(base)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("wrk (make load installs it)");
            runs.push((kind.name, *name, child));
        }
    }

    println!(
        "  {:>6}  {:>22}  {:>22}",
        "second", "A: RSS / own MB", "B: RSS / own MB"
    );
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(15)).await;
        let at = started.elapsed().as_secs();
        let memory: Vec<(f64, f64)> = processes.iter().map(|(_, c, _, _)| rss(c)).collect();
        println!(
            "  {at:>6}  {:>10.1} / {:>9.1}  {:>10.1} / {:>9.1}",
            memory[0].0, memory[0].1, memory[1].0, memory[1].1
        );
        samples.push((at, memory));
    }

    println!();
    println!("| request | process | requests | per second | p50 | p99 | errors |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut errors = 0;
    for (kind, name, child) in runs {
        let output = child.wait_with_output().unwrap();
        let f = figures(&String::from_utf8_lossy(&output.stdout));
        errors += f.errors;
        println!(
            "| {kind} | {name} | {} | {:.1} | {} | {} | {} |",
            f.requests, f.per_second, f.p50, f.p99, f.errors
        );
        let complaints = String::from_utf8_lossy(&output.stderr);
        if !complaints.trim().is_empty() {
            eprintln!("{kind} on {name}:\n{complaints}");
        }
    }
    println!();
    // Warm-up: the first two minutes (caches, connection pools, the allocator's arenas).
    let warm = samples
        .iter()
        .find(|(at, _)| *at >= 120)
        .or(samples.first())
        .map(|s| s.1.clone())
        .unwrap_or_default();
    let last = samples.last().map(|s| s.1.clone()).unwrap_or_default();
    let mut troubled = 0;
    for (i, (name, child, _, log)) in processes.iter_mut().enumerate() {
        let (Some(warm), Some(last)) = (warm.get(i), last.get(i)) else {
            continue;
        };
        let peak = samples.iter().map(|s| s.1[i].0).fold(0.0, f64::max);
        println!(
            "load: process {name}: RSS {:.1} MB after warm-up, {:.1} MB at the end (peak \
             {peak:.1}); own memory {:.1} → {:.1} MB ({:+.1} MB after warm-up)",
            warm.0,
            last.0,
            warm.1,
            last.1,
            last.1 - warm.1
        );
        let lines = troubles(log);
        troubled += lines.len();
        println!(
            "load: process {name}: {} warnings, errors or panics in its log",
            lines.len()
        );
        for line in lines.iter().take(5) {
            println!("    {line}");
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = std::fs::remove_file(&targets.sqlite_path);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(errors, 0, "requests failed");
    assert_eq!(troubled, 0, "the processes logged trouble");
}
