//! Several real `tenantry serve` processes on one PostgreSQL database (issue 19): started at the
//! same moment on an empty database, they take turns to migrate and exactly one creates the
//! first super-admin; a session made on one works on the other, signing out on one ends it on
//! both, failed sign-ins on both count together, the same invitation sent to both at once makes
//! one account and one message, every message of a batch queued through both goes out once (both
//! mail workers running), and a licence installed or features switched off on one hold on the
//! other.

use crate::{
    fixtures::{new_account, wait_until, NEW_PASSWORD},
    smtp::SmtpServer,
    support::{fresh_postgres_url, licence_file, Client},
};
use app::{
    api::{
        auth::{ChangePassword, Logout},
        licence::{GetLicence, InstallLicence},
        organisations::UpdateOrganisation,
    },
    entities::{outbox_message, role, user},
    model::{
        account::Onboarding, licence::LicenceStatus, organisations::OrganisationChanges,
        RoleTemplate, UserType,
    },
};
use sea_orm::{prelude::*, Database};
use std::process::{Child, Command, Stdio};

/// A `tenantry serve` process, killed when dropped; its output goes to `log`.
pub struct Process {
    child: Child,
    pub base: String,
    log: std::path::PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A browser: keeps cookies, follows no redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Process {
    pub fn serve(database_url: &str, mail: &str, name: &str) -> Process {
        Self::serve_with(database_url, mail, name, &[])
    }

    /// A process with more settings (`TENANTRY_...` variables) than the database and the mail.
    pub fn serve_with(
        database_url: &str,
        mail: &str,
        name: &str,
        settings: &[(&str, &str)],
    ) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let log = std::env::temp_dir().join(format!("tenantry-{name}-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .arg("serve")
            .env("TENANTRY_DATABASE_URL", database_url)
            .env("TENANTRY_LISTEN", format!("127.0.0.1:{port}"))
            .env("TENANTRY_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("TENANTRY_MAIL", mail)
            .env("RUST_LOG", "warn")
            .envs(settings.iter().copied())
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .unwrap();
        Process {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// Ends the process at once (SIGKILL): no shutdown, no cleanup, as a crash or an OOM kill.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A browser at this process, sharing `jar`'s cookies (cookies do not tell ports apart, so a
    /// session made on one process goes to the other).
    pub fn client(&self, jar: &reqwest::Client) -> Client {
        Client {
            http: jar.clone(),
            base: self.base.clone(),
        }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The first super-admin's address and one-time password, as the process printed them.
    pub fn first_admin(&self) -> (String, String) {
        let output = self.output();
        let printed = |label: &str| {
            output
                .lines()
                .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_string()))
                .unwrap_or_else(|| panic!("no {label} in:\n{output}"))
        };
        (printed("email:"), printed("one-time password:"))
    }

    /// Waits until the process answers `/health`; fails with its output when it exits first.
    pub async fn ready(&mut self) {
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the process exited ({status}):\n{}", self.output());
            }
            if http
                .get(format!("{}/health", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the process never answered:\n{}", self.output());
    }
}

#[tokio::test]
async fn two_processes_on_one_database_act_as_one() {
    let url = fresh_postgres_url().await;
    let smtp = SmtpServer::start().await;
    let mail = format!("{}?tls=none", smtp.url());
    let mut a = Process::serve(&url, &mail, "a");
    let mut b = Process::serve(&url, &mail, "b");
    a.ready().await;
    b.ready().await;
    let printed = [a.output(), b.output()]
        .iter()
        .filter(|o| o.contains("one-time password:"))
        .count();
    assert_eq!(printed, 1, "{}\n---\n{}", a.output(), b.output());
    let db = Database::connect(&url).await.unwrap();
    let admins = user::Entity::find().count(&db).await.unwrap();
    assert_eq!(admins, 1, "exactly one first super-admin");

    let (email, password) = if a.output().contains("one-time password:") {
        a.first_admin()
    } else {
        b.first_admin()
    };
    let jar = browser();
    let (on_a, on_b) = (a.client(&jar), b.client(&jar));
    // Signed in on A, the new password chosen on B, the console read on A.
    assert_eq!(
        on_a.sign_in("operator", &email, &password).await.status,
        200
    );
    let changed = on_b
        .invoke(ChangePassword {
            slug: "operator".into(),
            current_password: password.clone(),
            new_password: NEW_PASSWORD.into(),
            confirmation: NEW_PASSWORD.into(),
        })
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let current = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .call("session/current", &[("slug", "operator")])
                .await
                .status
        }
    };
    assert_eq!(current(&on_a).await, 200);

    // The same invitation sent to A and B at the same moment: one account, one message, though
    // both processes' mail workers are running.
    let agent = role::Entity::find()
        .filter(role::Column::Template.eq(RoleTemplate::Agent.code()))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let mut invite = new_account(
        "grace@example.com",
        &[agent.id],
        UserType::Agent,
        Onboarding::Invitation,
    );
    invite.slug = "operator".into();
    let (on_a_answer, on_b_answer) = tokio::join!(on_a.invoke(invite.clone()), on_b.invoke(invite));
    let mut statuses = [on_a_answer.status, on_b_answer.status];
    statuses.sort();
    assert_eq!(
        statuses[0], 200,
        "{}\n{}",
        on_a_answer.body, on_b_answer.body
    );
    assert!((400..500).contains(&statuses[1]), "{}", on_b_answer.body);
    let graces = user::Entity::find()
        .filter(user::Column::Email.eq("grace@example.com"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(graces, 1);
    smtp.message_to("grace@example.com").await;
    let sent = || {
        outbox_message::Entity::find()
            .filter(outbox_message::Column::ToAddress.eq("grace@example.com"))
            .filter(outbox_message::Column::SentAt.is_not_null())
            .count(&db)
    };
    wait_until("grace's message is marked sent", || async {
        sent().await.unwrap() > 0
    })
    .await;
    assert_eq!(sent().await.unwrap(), 1, "the message is marked sent");
    let received = smtp
        .messages()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == "grace@example.com"))
        .count();
    assert_eq!(received, 1, "delivered exactly once");

    // Thirty more invitations, through A and B in turn: with both workers claiming, each message
    // goes out once.
    let batch: Vec<String> = (0..30).map(|n| format!("batch{n}@example.com")).collect();
    for (n, address) in batch.iter().enumerate() {
        let mut invite = new_account(
            address,
            &[agent.id],
            UserType::Agent,
            Onboarding::Invitation,
        );
        invite.slug = "operator".into();
        let through = if n % 2 == 0 { &on_a } else { &on_b };
        let answer = through.invoke(invite).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    for address in &batch {
        smtp.message_to(address).await;
    }
    let unsent = || {
        outbox_message::Entity::find()
            .filter(outbox_message::Column::SentAt.is_null())
            .count(&db)
    };
    wait_until("the batch is marked sent", || async {
        unsent().await.unwrap() == 0
    })
    .await;
    assert_eq!(
        unsent().await.unwrap(),
        0,
        "every queued message is marked sent"
    );
    let messages = smtp.messages();
    for address in &batch {
        let copies = messages
            .iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .count();
        assert_eq!(copies, 1, "{address}: delivered exactly once");
    }

    // A licence installed on A holds on B at its next request.
    let installed = on_a
        .invoke(InstallLicence {
            slug: "operator".into(),
            document: licence_file(&["helpdesk"], 40, "2999-12-31"),
        })
        .await;
    assert_eq!(installed.status, 200, "{}", installed.body);
    let seen: LicenceStatus = on_b
        .invoke(GetLicence {
            slug: "operator".into(),
        })
        .await
        .json();
    assert_eq!(seen.licence.map(|l| l.seats), Some(40));
    // So does an organisation's features switched off on A.
    let features = |client: &Client| {
        let client = client.clone();
        async move {
            let me = client
                .call("session/current", &[("slug", "operator")])
                .await;
            serde_json::from_str::<serde_json::Value>(&me.body).unwrap()["features"].clone()
        }
    };
    assert_eq!(features(&on_b).await, serde_json::json!(["helpdesk"]));
    let operator = app::services::tenancy::find_by_slug(&db, "operator")
        .await
        .unwrap()
        .unwrap();
    let changed = on_a
        .invoke(UpdateOrganisation {
            slug: "operator".into(),
            organisation: "operator".into(),
            changes: OrganisationChanges {
                name: operator.name,
                is_admin_tenant: true,
                is_demo: false,
                features_enabled: Some(Vec::new()),
            },
        })
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(features(&on_b).await, serde_json::json!([]));

    // Signed out on B: the session is over on A too.
    on_b.invoke(Logout {
        slug: "operator".into(),
    })
    .await;
    assert_eq!(current(&on_a).await, 401);
    // Wrong passwords on both count together: three on each, then the right one is held back
    // (five are free), where either process alone would have let it through.
    let jar = browser();
    let (on_a, on_b) = (a.client(&jar), b.client(&jar));
    for client in [&on_a, &on_b, &on_a, &on_b, &on_a, &on_b] {
        let wrong = client
            .sign_in("operator", &email, "not the password at all")
            .await;
        assert_ne!(wrong.status, 200);
    }
    let held = on_a.sign_in("operator", &email, NEW_PASSWORD).await;
    assert_eq!(held.status, 429, "{}", held.body);
}
