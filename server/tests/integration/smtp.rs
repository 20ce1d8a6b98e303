//! A small SMTP server the tests start on a loopback port: it holds a real SMTP conversation with
//! Tenantry's mail worker, keeps what it receives, and can be told to refuse the next messages
//! (an outage, or an address the server rejects for good) or to stall on them (keep the message
//! but never say it was accepted).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::Notify,
};

/// A message as it arrived, parsed.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

impl Received {
    /// The first link in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        let start = self
            .text
            .find(prefix)
            .unwrap_or_else(|| panic!("no link {prefix} in: {}", self.text));
        self.text[start..]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

#[derive(Default)]
struct Inbox {
    messages: Vec<Received>,
    refusals: VecDeque<&'static str>,
    stalls: usize,
    conversations: usize,
}

/// The running server.
#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    inbox: Arc<Mutex<Inbox>>,
    arrived: Arc<Notify>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("smtp bind");
        let port = listener.local_addr().expect("smtp addr").port();
        let server = Self {
            port,
            inbox: Arc::default(),
            arrived: Arc::default(),
        };
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let connection = accepting.clone();
                tokio::spawn(async move {
                    let _ = connection.converse(stream).await;
                });
            }
        });
        server
    }

    /// The setting that sends Tenantry's mail here.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Answers the next `count` messages with `reply` (e.g. "451 4.3.0 try later") instead of
    /// accepting them.
    pub fn refuse_next(&self, count: usize, reply: &'static str) {
        let mut inbox = self.inbox.lock().expect("inbox");
        inbox.refusals.extend(std::iter::repeat_n(reply, count));
    }

    /// Receives the next `count` messages whole, then never answers: the sender waits for the
    /// reply to its data until it gives up or dies. The message is kept, as a mail server that
    /// delivered it but whose reply was lost would have done.
    pub fn stall_next(&self, count: usize) {
        self.inbox.lock().expect("inbox").stalls += count;
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().expect("inbox").messages.clone()
    }

    /// How many messages were refused or accepted: each is one SMTP transaction.
    pub fn transactions(&self) -> usize {
        self.inbox.lock().expect("inbox").conversations
    }

    /// Waits (up to 20 s) for the `nth` (0-based) message addressed to `to`.
    pub async fn nth_to(&self, to: &str, nth: usize) -> Received {
        let wait = async {
            loop {
                let notified = self.arrived.notified();
                let found: Vec<Received> = self
                    .messages()
                    .into_iter()
                    .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
                    .collect();
                if let Some(message) = found.into_iter().nth(nth) {
                    return message;
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .unwrap_or_else(|_| panic!("no message {nth} to {to} arrived"))
    }

    /// Waits for the first message to `to`.
    pub async fn message_to(&self, to: &str) -> Received {
        self.nth_to(to, 0).await
    }

    async fn converse(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 tests.localhost ESMTP\r\n").await?;
        let mut to = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: String = if command.starts_with("EHLO") {
                "250-tests.localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".into()
            } else if command.starts_with("HELO") {
                "250 tests.localhost\r\n".into()
            } else if command.starts_with("MAIL FROM") {
                to.clear();
                let refusal = self.inbox.lock().expect("inbox").refusals.pop_front();
                match refusal {
                    Some(reply) => {
                        self.inbox.lock().expect("inbox").conversations += 1;
                        format!("{reply}\r\n")
                    }
                    None => "250 OK\r\n".into(),
                }
            } else if command.starts_with("RCPT TO") {
                let address = line
                    .trim_end()
                    .split_once(':')
                    .map(|(_, a)| a.trim().trim_start_matches('<').trim_end_matches('>'))
                    .unwrap_or_default()
                    .to_string();
                to.push(address);
                "250 OK\r\n".into()
            } else if command == "DATA" {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut raw = Vec::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    raw.extend_from_slice(unstuffed.as_bytes());
                }
                self.keep(std::mem::take(&mut to), &raw);
                if self.take_stall() {
                    // Silent until the sender closes the connection.
                    while lines.read_line(&mut line).await? != 0 {
                        line.clear();
                    }
                    return Ok(());
                }
                "250 OK queued\r\n".into()
            } else if command == "QUIT" {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else if command.starts_with("RSET") || command.starts_with("NOOP") {
                "250 OK\r\n".into()
            } else {
                "502 Command not implemented\r\n".into()
            };
            write.write_all(reply.as_bytes()).await?;
        }
    }

    fn take_stall(&self) -> bool {
        let mut inbox = self.inbox.lock().expect("inbox");
        let stall = inbox.stalls > 0;
        inbox.stalls = inbox.stalls.saturating_sub(1);
        stall
    }

    fn keep(&self, to: Vec<String>, raw: &[u8]) {
        let parsed = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a parsable message");
        let received = Received {
            to,
            subject: parsed.subject().unwrap_or_default().to_string(),
            text: parsed.body_text(0).unwrap_or_default().to_string(),
            html: parsed.body_html(0).unwrap_or_default().to_string(),
            message_id: parsed.message_id().unwrap_or_default().to_string(),
        };
        let mut inbox = self.inbox.lock().expect("inbox");
        inbox.conversations += 1;
        inbox.messages.push(received);
        drop(inbox);
        self.arrived.notify_waiters();
    }
}
