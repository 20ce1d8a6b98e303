//! A real `tenantry serve` on PostgreSQL killed with SIGKILL in the middle of its work (issue 19):
//! a 10,000-row import, invitations with their emails, a message the mail server stalls on, a
//! licence install. After a restart nobody is half-created, every queued message is delivered
//! (at least once; a second copy carries the same Message-ID), and no lease stays held.

use crate::{
    fixtures::{new_account, NEW_PASSWORD},
    processes::{browser, Process},
    smtp::SmtpServer,
    support::{fresh_postgres_url, licence_file, Client},
};
use app::{
    api::{
        accounts::ImportUsers,
        auth::ChangePassword,
        licence::{GetLicence, InstallLicence},
    },
    entities::{audit_event, outbox_message, role, token, user},
    model::{
        account::Onboarding, activity::AuditAction, import::ImportRequest, licence::LicenceStatus,
        RoleTemplate, UserType,
    },
};
use sea_orm::{prelude::*, Database, DatabaseConnection};
use std::{collections::HashMap, time::Duration};

/// A process on a fresh database, its first super-admin signed in with a password of their own,
/// and a licence with room for the import.
struct Crashing {
    url: String,
    mail: String,
    process: Process,
    jar: reqwest::Client,
    db: DatabaseConnection,
}

impl Crashing {
    async fn start(smtp: &SmtpServer) -> Crashing {
        let url = fresh_postgres_url().await;
        let mail = format!("{}?tls=none", smtp.url());
        let mut process = Self::serve(&url, &mail);
        process.ready().await;
        let (email, password) = process.first_admin();
        let jar = browser();
        let client = process.client(&jar);
        assert_eq!(
            client.sign_in("operator", &email, &password).await.status,
            200
        );
        let changed = client
            .invoke(ChangePassword {
                slug: "operator".into(),
                current_password: password,
                new_password: NEW_PASSWORD.into(),
                confirmation: NEW_PASSWORD.into(),
            })
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        let installed = client
            .invoke(InstallLicence {
                slug: "operator".into(),
                document: licence_file(&["helpdesk"], 20_000, "2999-12-31"),
            })
            .await;
        assert_eq!(installed.status, 200, "{}", installed.body);
        let db = Database::connect(&url).await.unwrap();
        Crashing {
            url,
            mail,
            process,
            jar,
            db,
        }
    }

    /// A short mail lease, so a message a killed process held goes again within seconds.
    fn serve(url: &str, mail: &str) -> Process {
        Process::serve_with(url, mail, "crash", &[("TENANTRY_MAIL_LEASE_SECONDS", "4")])
    }

    fn client(&self) -> Client {
        self.process.client(&self.jar)
    }

    /// SIGKILL, then the same process started again on the same database.
    async fn kill_and_restart(&mut self) {
        self.process.kill();
        self.process = Self::serve(&self.url, &self.mail);
        self.process.ready().await;
    }

    /// The operator organisation's Agent role.
    async fn agent_role(&self) -> role::Model {
        role::Entity::find()
            .filter(role::Column::Template.eq(RoleTemplate::Agent.code()))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
    }

    /// The people of the operator organisation, by address.
    async fn people(&self) -> HashMap<String, user::Model> {
        user::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .map(|u| (u.email.clone(), u))
            .collect()
    }

    /// Waits (up to 60 s) until no message is left to send, then says that none is held by a
    /// lease or given up.
    async fn all_mail_sent(&self) -> Vec<outbox_message::Model> {
        for _ in 0..600 {
            let unsent = outbox_message::Entity::find()
                .filter(outbox_message::Column::SentAt.is_null())
                .count(&self.db)
                .await
                .unwrap();
            if unsent == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let all = outbox_message::Entity::find().all(&self.db).await.unwrap();
        for message in &all {
            assert!(
                message.sent_at.is_some() && message.failed_at.is_none(),
                "not delivered: {message:?}\n{}",
                self.process.output()
            );
            assert!(
                message.locked_until.is_none(),
                "a lease stayed: {message:?}"
            );
        }
        all
    }
}

/// Whether the import's transaction is writing: PostgreSQL shows an insert into its tables from
/// a session in the middle of a transaction.
async fn import_is_writing(db: &DatabaseConnection) -> bool {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
               AND xact_start IS NOT NULL AND query ILIKE 'INSERT INTO%'",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap() > 0
}

#[tokio::test]
async fn killed_in_the_middle_of_a_10000_row_import_nobody_is_half_created() {
    let smtp = SmtpServer::start().await;
    let mut run = Crashing::start(&smtp).await;
    let mut csv = String::from("email,first_name,last_name,roles,user_type,timezone\n");
    for n in 0..10_000 {
        csv.push_str(&format!(
            "person{n}@example.com,Person,Number {n},Agent,,Europe/London\n"
        ));
    }
    let import = |client: Client, csv: String| async move {
        client
            .invoke(ImportUsers {
                slug: "operator".into(),
                request: ImportRequest { csv, send: true },
            })
            .await
    };
    let request = tokio::spawn(import(run.client(), csv.clone()));
    let mut writing = false;
    for _ in 0..6_000 {
        if import_is_writing(&run.db).await {
            writing = true;
            break;
        }
        if request.is_finished() {
            let answer = request.await.unwrap();
            panic!(
                "the import ended before it was seen writing: {}",
                answer.body
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(writing, "the import was never seen writing");
    run.kill_and_restart().await;
    request.abort();

    let people = run.people().await;
    assert_eq!(
        people.len(),
        1,
        "only the super-admin: the import left nobody behind"
    );
    assert_eq!(
        outbox_message::Entity::find().count(&run.db).await.unwrap(),
        0,
        "no invitation of the killed import was queued"
    );
    assert_eq!(
        token::Entity::find().count(&run.db).await.unwrap(),
        0,
        "no invitation link of the killed import exists"
    );

    // Nothing is held: the same file imports whole after the restart.
    let again = import(run.client(), csv).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(run.people().await.len(), 10_001);
    assert_eq!(
        outbox_message::Entity::find().count(&run.db).await.unwrap(),
        10_000
    );
}

#[tokio::test]
async fn killed_while_inviting_everyone_invited_is_whole_and_gets_their_mail() {
    let smtp = SmtpServer::start().await;
    let mut run = Crashing::start(&smtp).await;
    let agent = run.agent_role().await;
    let addresses: Vec<String> = (0..24).map(|n| format!("invitee{n}@example.com")).collect();
    let mut requests = tokio::task::JoinSet::new();
    for address in &addresses {
        let mut invite = new_account(
            address,
            &[agent.id],
            UserType::Agent,
            Onboarding::Invitation,
        );
        invite.slug = "operator".into();
        let client = run.client();
        requests.spawn(async move { client.invoke(invite).await.status });
    }
    // Killed once the first invitation has answered, with the others on their way.
    let first = requests.join_next().await.unwrap().unwrap();
    assert_eq!(first, 200);
    run.kill_and_restart().await;
    requests.abort_all();

    let people = run.people().await;
    let invited: Vec<&String> = addresses
        .iter()
        .filter(|a| people.contains_key(*a))
        .collect();
    assert!(!invited.is_empty());
    let messages = run.all_mail_sent().await;
    for address in &addresses {
        let queued = messages.iter().filter(|m| &m.to_address == address).count();
        let links = match people.get(address) {
            Some(person) => token::Entity::find()
                .filter(token::Column::UserId.eq(person.id))
                .count(&run.db)
                .await
                .unwrap(),
            None => 0,
        };
        if people.contains_key(address) {
            assert_eq!((queued, links), (1, 1), "{address}: one message, one link");
        } else {
            assert_eq!(queued, 0, "{address}: mail for nobody");
        }
    }
    // Every invited person received their invitation; a second copy (the process killed after
    // the mail server took it, before it was marked sent) carries the same Message-ID.
    for address in invited {
        let copies: Vec<String> = smtp
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .map(|m| m.message_id)
            .collect();
        assert!(!copies.is_empty(), "{address} got no invitation");
        assert!(copies.iter().all(|id| id == &copies[0] && !id.is_empty()));
    }
}

#[tokio::test]
async fn killed_while_the_mail_server_stalls_the_message_goes_again_with_its_message_id() {
    let smtp = SmtpServer::start().await;
    let mut run = Crashing::start(&smtp).await;
    let agent = run.agent_role().await;
    smtp.stall_next(1);
    let mut invite = new_account(
        "stalled@example.com",
        &[agent.id],
        UserType::Agent,
        Onboarding::Invitation,
    );
    invite.slug = "operator".into();
    assert_eq!(run.client().invoke(invite).await.status, 200);
    // The mail server has the whole message but never says so; the process dies waiting.
    let first = smtp.message_to("stalled@example.com").await;
    let held = outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq("stalled@example.com"))
        .one(&run.db)
        .await
        .unwrap()
        .unwrap();
    assert!(held.locked_until.is_some() && held.sent_at.is_none());
    run.kill_and_restart().await;

    // The lease runs out and the restarted process sends it again.
    let second = smtp.nth_to("stalled@example.com", 1).await;
    assert_eq!(first.message_id, second.message_id);
    assert_eq!(first.message_id, format!("{}@tenantry.localhost", held.id));
    let messages = run.all_mail_sent().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].attempts, 1,
        "one attempt was recorded: the killed one never was"
    );
}

#[tokio::test]
async fn killed_while_installing_a_licence_the_old_or_the_new_one_holds_whole() {
    let smtp = SmtpServer::start().await;
    let mut run = Crashing::start(&smtp).await;
    let installs = |db: DatabaseConnection| async move {
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq(AuditAction::LicenceInstalled))
            .count(&db)
            .await
            .unwrap()
    };
    let mut expected_installs = installs(run.db.clone()).await;
    let mut seats = 20_000;
    // Killed at a different moment each time, from before the request arrives to after it ends.
    for (round, delay_ms) in [0u64, 2, 5, 10, 20, 40].into_iter().enumerate() {
        let new_seats = 30_000 + round as u64;
        let client = run.client();
        let request = tokio::spawn(async move {
            client
                .invoke(InstallLicence {
                    slug: "operator".into(),
                    document: licence_file(&["helpdesk"], new_seats, "2999-12-31"),
                })
                .await
        });
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        run.kill_and_restart().await;
        request.abort();
        let status: LicenceStatus = run
            .client()
            .invoke(GetLicence {
                slug: "operator".into(),
            })
            .await
            .json();
        let now = status.licence.map(|l| l.seats).unwrap();
        assert!(
            now == seats || now == new_seats,
            "round {round}: {now} seats"
        );
        // The licence and its entry in the activity log were written together, or neither.
        if now == new_seats {
            expected_installs += 1;
        }
        assert_eq!(
            installs(run.db.clone()).await,
            expected_installs,
            "round {round}"
        );
        seats = now;
    }
}
