//! Email: messages are written to the outbox inside the transaction of the change that causes
//! them, and a background worker delivers them with retries and backoff. A crash or a mail-server
//! outage delays mail; it never loses it. Every app process may run a worker: a message is leased
//! (claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL) before it is sent.
//!
//! Delivery is at least once: a process killed after the mail server accepted a message but
//! before it marked the message sent leaves a lease that runs out, and the message goes again.
//! Every attempt carries the same `Message-ID` (the outbox id), so a receiving system that has
//! it already can tell the copy for what it is.

use super::{now, ServiceError, ServiceResult};
use crate::entities::outbox_message as outbox;
use chrono::SubsecRound;
use lettre::{
    message::{Mailbox, MultiPart},
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use sea_orm::{
    prelude::*, sea_query::Expr, ActiveValue::Set, DatabaseConnection, DbBackend, Statement,
};
use std::{path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::Notify;

/// Where mail leaves the building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// Written to the log (development default).
    Log,
    /// Written as `.eml` files into a folder.
    Directory(PathBuf),
    /// Sent to an SMTP server; the URL is in lettre's form (`smtp://…?tls=required`, `smtps://…`,
    /// or plain `smtp://` for a relay on the same host).
    Smtp { url: String },
}

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Wait after the first failed attempt; doubled after each further one.
    pub first_retry: Duration,
    /// The longest wait between two attempts.
    pub max_retry: Duration,
    /// How often the worker looks for due messages when nobody wakes it.
    pub poll: Duration,
    /// How long a claimed message stays reserved for the process that claimed it. One message
    /// is claimed at a time and its delivery is abandoned (and retried) after half the lease, so
    /// a slow mail server never lets the lease run out while the message is still being sent.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_retry: Duration::from_secs(30),
            max_retry: Duration::from_secs(60 * 60),
            poll: Duration::from_secs(5),
            lease: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait after `attempts` failed attempts.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        self.first_retry
            .saturating_mul(1 << doublings)
            .min(self.max_retry)
    }
}

/// What the services need to write mail: where links point, who it is from, and how to wake the
/// worker once a transaction with mail in it has committed.
#[derive(Debug)]
pub struct Mail {
    /// The public base URL, without a trailing slash.
    pub base_url: String,
    /// The sender address, e.g. `no-reply@example.com`.
    pub from_address: String,
    wake: Notify,
}

impl Mail {
    pub fn new(base_url: &str, from_address: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            from_address: from_address.to_string(),
            wake: Notify::new(),
        }
    }

    /// Tells the worker there is new mail (call after the transaction commits).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A link into the console.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message in `locale`: greeting and paragraphs, at most one call to action (a button and its
/// address), a closing note. The HTML part says the same as the text part.
pub fn compose(
    locale: crate::i18n::Locale,
    to: &str,
    subject: String,
    organisation: &str,
    paragraphs: &[String],
    action: Option<(&str, &str)>,
    closing: &str,
) -> Email {
    let footer = crate::tr!(locale, "email.footer", organisation = organisation);
    let mut text = String::new();
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = action {
        text.push_str(&format!("{label}:\n{url}\n\n"));
    }
    text.push_str(&format!("{closing}\n\n-- \n{footer}\n"));
    let mut html = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933\">",
    );
    for p in paragraphs {
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some((label, url)) = action {
        html.push_str(&format!(
            "<p><a href=\"{url}\" style=\"display:inline-block;padding:10px 18px;background:#2f5bea;color:#fff;border-radius:6px;text-decoration:none\">{label}</a></p>\
             <p style=\"font-size:13px;color:#52606d\">{fallback}<br>{url}</p>",
            url = escape(url),
            label = escape(label),
            fallback = escape(&crate::tr!(locale, "email.button_fallback")),
        ));
    }
    html.push_str(&format!(
        "<p style=\"font-size:13px;color:#52606d\">{closing}</p>\
         <p style=\"font-size:13px;color:#52606d\">{footer}</p></body></html>",
        closing = escape(closing),
        footer = escape(&footer),
    ));
    Email {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

/// Writes `email` to the outbox, inside the caller's transaction. Returns the message's id.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    organisation_id: Option<Uuid>,
    email: Email,
) -> ServiceResult<Uuid> {
    let (id, row) = outbox_row(organisation_id, email);
    row.insert(db).await?;
    Ok(id)
}

/// The outbox row for `email` and its id, for callers that insert many at once.
pub fn outbox_row(organisation_id: Option<Uuid>, email: Email) -> (Uuid, outbox::ActiveModel) {
    let at = now();
    let id = Uuid::new_v4();
    let row = outbox::ActiveModel {
        id: Set(id),
        organisation_id: Set(organisation_id),
        to_address: Set(email.to),
        subject: Set(email.subject),
        text_body: Set(email.text),
        html_body: Set(email.html),
        attempts: Set(0),
        next_attempt_at: Set(at),
        sent_at: Set(None),
        last_error: Set(None),
        locked_until: Set(None),
        failed_at: Set(None),
        created_at: Set(at),
    };
    (id, row)
}

/// The configured way out, ready to send.
#[derive(Clone)]
enum Sender {
    Log,
    Directory(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Why one delivery failed.
struct Failure {
    message: String,
    permanent: bool,
}

impl Sender {
    fn new(transport: &MailTransport) -> ServiceResult<Self> {
        Ok(match transport {
            MailTransport::Log => Sender::Log,
            MailTransport::Directory(path) => {
                std::fs::create_dir_all(path).map_err(|e| {
                    ServiceError::Internal(format!(
                        "cannot create the mail folder {}: {e}",
                        path.display()
                    ))
                })?;
                Sender::Directory(AsyncFileTransport::new(path))
            }
            MailTransport::Smtp { url } => Sender::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| ServiceError::Internal(format!("SMTP setting: {e}")))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
        })
    }

    async fn send(&self, from: &Mailbox, row: &outbox::Model) -> Result<(), Failure> {
        let permanent = |message: String| Failure {
            message,
            permanent: true,
        };
        // A bare address, never a mailbox with a display name: `Boss<x@evil.test>` stored by an
        // older version must not send mail to x@evil.test.
        let to = row
            .to_address
            .parse::<lettre::Address>()
            .map(|address| Mailbox::new(None, address))
            .map_err(|e| permanent(format!("the address {} is not usable: {e}", row.to_address)))?;
        let message = lettre::Message::builder()
            .message_id(Some(message_id(row.id, from)))
            .from(from.clone())
            .to(to)
            .subject(row.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                row.text_body.clone(),
                row.html_body.clone(),
            ))
            .map_err(|e| permanent(format!("the message could not be built: {e}")))?;
        match self {
            Sender::Log => {
                tracing::info!(
                    to = %row.to_address,
                    subject = %row.subject,
                    "mail (TENANTRY_MAIL=log, not sent):\n{}",
                    row.text_body
                );
                Ok(())
            }
            Sender::Directory(files) => {
                files.send(message).await.map(|_| ()).map_err(|e| Failure {
                    message: format!("could not write the message file: {e}"),
                    permanent: false,
                })
            }
            Sender::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| Failure {
                permanent: e.is_permanent(),
                message: format!("the mail server refused or could not be reached: {e}"),
            }),
        }
    }
}

/// The `Message-ID` of outbox message `id`, the same at every attempt: `<id@domain of the sender>`.
pub fn message_id(id: Uuid, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

/// Starts the delivery worker of this process. It sends due messages, sleeps until woken or until
/// the next poll, and never stops on an error.
pub fn spawn_worker(
    db: DatabaseConnection,
    mail: Arc<Mail>,
    transport: &MailTransport,
    policy: RetryPolicy,
) -> ServiceResult<tokio::task::JoinHandle<()>> {
    let sender = Sender::new(transport)?;
    let from: Mailbox = format!("Tenantry <{}>", mail.from_address)
        .parse()
        .map_err(|e| ServiceError::Internal(format!("sender address: {e}")))?;
    Ok(tokio::spawn(async move {
        loop {
            match deliver_next(&db, &sender, &from, &policy).await {
                // One sent: there may be more.
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::error!(%error, "mail worker"),
            }
            let _ = tokio::time::timeout(policy.poll, mail.wake.notified()).await;
        }
    }))
}

/// Claims the next due message for this process, so no other worker sends it while the lease
/// lasts. The lease's end, in whole seconds (stored exactly by both databases), identifies this
/// claim: a later claim of the same message always ends later.
async fn claim(
    db: &DatabaseConnection,
    policy: &RetryPolicy,
) -> ServiceResult<Option<outbox::Model>> {
    let at = now();
    let lease = (at
        + chrono::Duration::from_std(policy.lease)
            .map_err(|e| ServiceError::Internal(e.to_string()))?)
    .trunc_subsecs(0);
    let backend = db.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE outbox_messages SET locked_until = $1 WHERE id IN (\
           SELECT id FROM outbox_messages \
           WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $2 \
             AND (locked_until IS NULL OR locked_until < $2) \
           ORDER BY next_attempt_at LIMIT 1{lock}) \
         RETURNING *"
    );
    let statement = Statement::from_sql_and_values(backend, sql, [lease.into(), at.into()]);
    Ok(outbox::Entity::find()
        .from_raw_sql(statement)
        .one(db)
        .await?)
}

/// Sends the next due message; `false` when nothing was due.
async fn deliver_next(
    db: &DatabaseConnection,
    sender: &Sender,
    from: &Mailbox,
    policy: &RetryPolicy,
) -> ServiceResult<bool> {
    let Some(row) = claim(db, policy).await? else {
        return Ok(false);
    };
    let outcome = match tokio::time::timeout(policy.lease / 2, sender.send(from, &row)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(Failure {
            message: "the mail server did not finish accepting the message in time".into(),
            permanent: false,
        }),
    };
    let attempts = row.attempts + 1;
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::Attempts, Expr::value(attempts))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(None::<DateTimeUtc>),
        );
    let finished = match outcome {
        Ok(()) => {
            update = update
                .col_expr(outbox::Column::SentAt, Expr::value(Some(now())))
                .col_expr(outbox::Column::LastError, Expr::value(None::<String>));
            true
        }
        Err(failure) => {
            tracing::warn!(id = %row.id, to = %row.to_address, attempts, error = %failure.message, "mail not delivered");
            update = update.col_expr(outbox::Column::LastError, Expr::value(failure.message));
            if failure.permanent {
                update = update.col_expr(outbox::Column::FailedAt, Expr::value(Some(now())));
            } else {
                let wait = chrono::Duration::from_std(policy.backoff(attempts))
                    .unwrap_or(chrono::Duration::hours(1));
                update = update.col_expr(outbox::Column::NextAttemptAt, Expr::value(now() + wait));
            }
            failure.permanent
        }
    };
    if finished {
        // A sent or refused message's body holds live links; nobody needs it any more.
        update = update
            .col_expr(outbox::Column::TextBody, Expr::value(""))
            .col_expr(outbox::Column::HtmlBody, Expr::value(""));
    }
    // Only while our lease holds: had it run out, another worker owns the message now.
    let written = update
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::LockedUntil.eq(row.locked_until))
        .exec(db)
        .await?;
    if written.rows_affected != 1 {
        tracing::warn!(id = %row.id, "mail worker: the lease ran out before the result was written");
    }
    Ok(true)
}

/// Where one message stands, as an admin sees it.
pub fn delivery_state(row: &outbox::Model) -> crate::model::account::Delivery {
    use crate::model::account::Delivery;
    let at = now();
    if let Some(sent) = row.sent_at {
        Delivery::Sent {
            at: crate::model::users::Moment::new(sent, at),
        }
    } else if row.failed_at.is_some() {
        Delivery::Failed {
            error: row.last_error.clone().unwrap_or_default(),
        }
    } else if let Some(error) = &row.last_error {
        Delivery::Retrying {
            error: error.clone(),
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            next: crate::model::users::Moment::new(row.next_attempt_at, at),
        }
    } else {
        Delivery::Queued
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1), Duration::from_secs(30));
        assert_eq!(policy.backoff(2), Duration::from_secs(60));
        assert_eq!(policy.backoff(5), Duration::from_secs(480));
        assert_eq!(policy.backoff(50), Duration::from_secs(3600));
    }

    #[test]
    fn html_part_is_escaped() {
        let email = compose(
            crate::i18n::Locale::En,
            "a@example.com",
            "Hi".into(),
            "<Acme & Co>",
            &["Hello <b>".into()],
            Some(("Open", "https://x.example/?a=1&b=2")),
            "Bye",
        );
        assert!(email.html.contains("&lt;Acme &amp; Co&gt;"));
        assert!(email.html.contains("Hello &lt;b&gt;"));
        assert!(email.html.contains("https://x.example/?a=1&amp;b=2"));
        assert!(email.text.contains("https://x.example/?a=1&b=2"));
        assert!(email.text.contains("<Acme & Co> on Tenantry"));
        let french = compose(
            crate::i18n::Locale::Fr,
            "a@example.com",
            "Salut".into(),
            "Acme",
            &[],
            Some(("Ouvrir", "https://x.example/")),
            "Au revoir",
        );
        assert!(french.text.contains("Acme sur Tenantry"), "{}", french.text);
    }
}
