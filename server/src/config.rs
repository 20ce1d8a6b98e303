//! Configuration from flags and environment, checked before anything starts.

pub use app::services::mail::{MailTransport, RetryPolicy};
use app::services::{licence::LicenceKey, oidc::secrets::SecretKey, AuthConfig};
use clap::{Args, ValueEnum};
use std::net::SocketAddr;

/// Settings every command shares.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: sqlite://FILE?mode=rwc (embedded default) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        env = "TENANTRY_DATABASE_URL",
        default_value = "sqlite://tenantry.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Address and port to listen on.
    #[arg(
        long,
        env = "TENANTRY_LISTEN",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub listen: SocketAddr,

    /// Public base URL people reach Tenantry at; links in emails start with it. https makes
    /// cookies Secure.
    #[arg(
        long,
        env = "TENANTRY_BASE_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub base_url: String,

    /// How mail leaves: "log" (print it), "dir:PATH" (write .eml files) or
    /// "smtp://USER:PASSWORD@HOST:PORT" (STARTTLS required; smtps:// for TLS from the first byte;
    /// add ?tls=none only for a relay on the same machine).
    #[arg(long, env = "TENANTRY_MAIL", default_value = "log", global = true)]
    pub mail: String,

    /// The address mail is sent from; by default no-reply@ the host of the base URL.
    #[arg(long, env = "TENANTRY_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// Seconds a mail worker keeps a message it is sending to itself. A process that dies while
    /// sending leaves its message to the others (or to itself, restarted) after this long; the
    /// mail server must accept a message within half of it.
    #[arg(
        long,
        env = "TENANTRY_MAIL_LEASE_SECONDS",
        default_value_t = 120,
        global = true
    )]
    pub mail_lease_seconds: u32,

    /// Minutes without a request after which a session ends.
    #[arg(
        long,
        env = "TENANTRY_SESSION_IDLE_MINUTES",
        default_value_t = 480,
        global = true
    )]
    pub session_idle_minutes: u32,

    /// Hours after sign-in after which a session ends however busy it is.
    #[arg(
        long,
        env = "TENANTRY_SESSION_ABSOLUTE_HOURS",
        default_value_t = 168,
        global = true
    )]
    pub session_absolute_hours: u32,

    /// Take the client address from X-Forwarded-For (only behind a proxy you run).
    #[arg(long, env = "TENANTRY_TRUST_PROXY", global = true)]
    pub trust_proxy: bool,

    /// The licence vendor's Ed25519 public key (32 bytes, base64). When set, only licences
    /// signed with its private key can be installed.
    #[arg(long, env = "TENANTRY_LICENCE_PUBLIC_KEY", global = true)]
    pub licence_public_key: Option<String>,

    /// The key single sign-on client secrets are sealed with: 32 random bytes in base64
    /// (`openssl rand -base64 32`). Needed to set up single sign-on; once a connection exists
    /// the server does not start without it. Keep it as safe as the database's password.
    #[arg(
        long,
        env = "TENANTRY_SECRET_KEY",
        hide_env_values = true,
        global = true
    )]
    pub secret_key: Option<String>,

    /// Allow single sign-on issuers at plain http:// addresses (a provider on this machine, for
    /// trying things out; never in production).
    #[arg(long, env = "TENANTRY_SSO_ALLOW_HTTP", global = true)]
    pub sso_allow_http: bool,

    /// Log format.
    #[arg(long, env = "TENANTRY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// A setting that cannot be used, with the reason in a sentence.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

fn bad(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        reason: reason.into(),
    }
}

/// Settings after checking.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    pub base_url: String,
    pub mail: MailTransport,
    pub mail_from: String,
    /// How the mail worker retries and how long it keeps a message it is sending.
    pub mail_policy: RetryPolicy,
    pub trust_proxy: bool,
    pub auth: AuthConfig,
    pub licence_key: Option<LicenceKey>,
    /// The key single sign-on client secrets are sealed with, in base64 (checked).
    pub secret_key: Option<String>,
    pub sso_allow_http: bool,
}

impl Settings {
    /// Checks every setting; the error names the setting and says what is wrong.
    pub fn check(&self) -> Result<Config, ConfigError> {
        let database_url = self.database_url.trim().to_string();
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "TENANTRY_DATABASE_URL (--database-url)",
                format!("\"{database_url}\" is neither a sqlite: nor a postgres:// URL"),
            ));
        }
        let base_url = self.base_url.trim().trim_end_matches('/').to_string();
        let parsed = url::Url::parse(&base_url).map_err(|e| {
            bad(
                "TENANTRY_BASE_URL (--base-url)",
                format!("\"{base_url}\" is not a URL ({e})"),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(bad(
                "TENANTRY_BASE_URL (--base-url)",
                format!("\"{base_url}\" must be an http:// or https:// address with a host"),
            ));
        }
        let mail = parse_mail(&self.mail)?;
        let mail_from = match &self.mail_from {
            Some(from) => from.trim().to_string(),
            // A name like admin.example.com makes a sender address; an IP or "localhost" does not.
            None => match parsed.host() {
                Some(url::Host::Domain(domain)) if domain.contains('.') => {
                    format!("no-reply@{domain}")
                }
                _ => "no-reply@tenantry.localhost".to_string(),
            },
        };
        if from_address_problem(&mail_from) {
            return Err(bad(
                "TENANTRY_MAIL_FROM (--mail-from)",
                format!("\"{mail_from}\" is not an email address like no-reply@example.com"),
            ));
        }
        if self.mail_lease_seconds < 2 {
            return Err(bad(
                "TENANTRY_MAIL_LEASE_SECONDS (--mail-lease-seconds)",
                "must be at least 2 seconds (the mail server gets half of it to accept a message)",
            ));
        }
        let mail_policy = RetryPolicy {
            lease: std::time::Duration::from_secs(u64::from(self.mail_lease_seconds)),
            ..RetryPolicy::default()
        };
        if self.session_idle_minutes == 0 {
            return Err(bad(
                "TENANTRY_SESSION_IDLE_MINUTES",
                "must be at least 1 minute",
            ));
        }
        if self.session_absolute_hours == 0 {
            return Err(bad(
                "TENANTRY_SESSION_ABSOLUTE_HOURS",
                "must be at least 1 hour",
            ));
        }
        let auth = AuthConfig {
            session_idle: chrono::Duration::minutes(i64::from(self.session_idle_minutes)),
            session_absolute: chrono::Duration::hours(i64::from(self.session_absolute_hours)),
            secure_cookies: parsed.scheme() == "https",
            ..AuthConfig::default()
        };
        let licence_key = match self.licence_public_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(
                LicenceKey::from_base64(text)
                    .map_err(|e| bad("TENANTRY_LICENCE_PUBLIC_KEY (--licence-public-key)", e))?,
            ),
        };
        let secret_key = match self.secret_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                SecretKey::from_base64(text).map_err(|e| bad("TENANTRY_SECRET_KEY", e))?;
                Some(text.to_string())
            }
        };
        Ok(Config {
            database_url,
            listen: self.listen,
            base_url,
            mail,
            mail_from,
            mail_policy,
            trust_proxy: self.trust_proxy,
            auth,
            licence_key,
            secret_key,
            sso_allow_http: self.sso_allow_http,
        })
    }
}

fn parse_mail(value: &str) -> Result<MailTransport, ConfigError> {
    let value = value.trim();
    const SETTING: &str = "TENANTRY_MAIL (--mail)";
    if value == "log" {
        Ok(MailTransport::Log)
    } else if let Some(path) = value.strip_prefix("dir:") {
        if path.is_empty() {
            return Err(bad(SETTING, "dir: needs a folder, for example dir:./mail"));
        }
        Ok(MailTransport::Directory(path.into()))
    } else if value.starts_with("smtp://") || value.starts_with("smtps://") {
        let mut url = url::Url::parse(value)
            .ok()
            .filter(|u| u.host_str().is_some())
            .ok_or_else(|| {
                bad(
                    SETTING,
                    "the SMTP URL needs a host, for example smtp://user:pass@mail.example.com:587",
                )
            })?;
        // smtp:// means STARTTLS, required: credentials never cross the network in the clear.
        // ?tls=none opts out, for a relay on the same machine (and the tests' SMTP server).
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_string());
        match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => {
                url.query_pairs_mut().append_pair("tls", "required");
            }
            ("smtp", Some("none")) => url.set_query(None),
            ("smtp", Some("required" | "opportunistic")) | ("smtps", None) => {}
            (_, Some(other)) => {
                return Err(bad(
                    SETTING,
                    format!("tls={other} is not one of required, opportunistic or none"),
                ))
            }
            _ => {}
        }
        Ok(MailTransport::Smtp {
            url: url.to_string(),
        })
    } else {
        Err(bad(
            SETTING,
            format!("\"{value}\" is not one of log, dir:PATH, smtp://… or smtps://…"),
        ))
    }
}

/// Whether `address` cannot be a sender address.
fn from_address_problem(address: &str) -> bool {
    app::services::text::check_email("mail_from", address).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: Settings,
    }

    fn check(args: &[&str]) -> Result<Config, ConfigError> {
        let mut all = vec!["tenantry"];
        all.extend_from_slice(args);
        Cli::parse_from(all).settings.check()
    }

    #[test]
    fn defaults_are_usable() {
        let config = check(&[]).expect("defaults");
        assert_eq!(config.mail, MailTransport::Log);
        assert!(!config.auth.secure_cookies);
    }

    #[test]
    fn bad_values_name_the_setting() {
        let error = check(&["--base-url", "ftp://x"]).unwrap_err();
        assert!(
            error.to_string().starts_with("TENANTRY_BASE_URL"),
            "{error}"
        );
        let error = check(&["--database-url", "mysql://x"]).unwrap_err();
        assert!(
            error.to_string().contains("TENANTRY_DATABASE_URL"),
            "{error}"
        );
        let error = check(&["--mail", "pigeon"]).unwrap_err();
        assert!(error.to_string().contains("TENANTRY_MAIL"), "{error}");
        let error = check(&["--mail-lease-seconds", "1"]).unwrap_err();
        assert!(
            error.to_string().starts_with("TENANTRY_MAIL_LEASE_SECONDS"),
            "{error}"
        );
        let lease = check(&["--mail-lease-seconds", "30"])
            .unwrap()
            .mail_policy
            .lease;
        assert_eq!(lease, std::time::Duration::from_secs(30));
        assert_eq!(check(&[]).unwrap().mail_policy.lease.as_secs(), 120);
    }

    #[test]
    fn smtp_requires_starttls_unless_told_otherwise() {
        let url = |mail: &str| match check(&["--mail", mail]).expect("valid").mail {
            MailTransport::Smtp { url } => url,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            url("smtp://u:p@mail.example.com:587"),
            "smtp://u:p@mail.example.com:587?tls=required"
        );
        assert_eq!(
            url("smtp://127.0.0.1:2525?tls=none"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(url("smtps://mail.example.com"), "smtps://mail.example.com");
        assert!(check(&["--mail", "smtp://x.example?tls=maybe"]).is_err());
        let from = check(&["--base-url", "https://admin.example.com"]).unwrap();
        assert_eq!(from.mail_from, "no-reply@admin.example.com");
        assert!(check(&["--mail-from", "nobody"]).is_err());
        assert_eq!(check(&[]).unwrap().mail_from, "no-reply@tenantry.localhost");
    }

    #[test]
    fn https_makes_cookies_secure() {
        assert!(
            check(&["--base-url", "https://admin.example.com/"])
                .unwrap()
                .auth
                .secure_cookies
        );
    }

    #[test]
    fn a_secret_key_must_be_32_bytes_of_base64() {
        let error = check(&["--secret-key", "not a key"]).unwrap_err();
        assert!(
            error.to_string().starts_with("TENANTRY_SECRET_KEY"),
            "{error}"
        );
        let short = check(&["--secret-key", "c2hvcnQ="]).unwrap_err();
        assert!(short.to_string().contains("32 bytes"), "{short}");
        let config = check(&[
            "--secret-key",
            "dGVuYW50cnktdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=",
        ])
        .expect("a good key");
        assert!(config.secret_key.is_some());
    }
}
