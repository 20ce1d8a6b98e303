//! A real OpenID provider for the single sign-on tests: `oidc-provider-mock` (installed in
//! `tools/oidc-venv` by `scripts/install-tools.sh --test`), one process per provider on its own
//! port, so two of them are two issuers. Its sign-in page takes any subject; the claims of a
//! subject are set beforehand.

use crate::support::{Answer, Client};
use std::process::{Child, Command, Stdio};

pub struct Provider {
    /// Its issuer: `http://127.0.0.1:PORT`.
    pub issuer: String,
    port: u16,
    child: Child,
    http: reqwest::Client,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts a provider and waits until it answers discovery.
    pub async fn start() -> Provider {
        for _attempt in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .unwrap()
                .port();
            if let Some(provider) = Self::start_on(port).await {
                return provider;
            }
        }
        panic!("the OpenID provider did not start");
    }

    /// Stops the provider and starts it again on the same port: same issuer, new signing key
    /// (it makes one at each start), as a provider rotating its keys.
    pub async fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for _ in 0..20 {
            if let Some(mut started) = Self::start_on(self.port).await {
                std::mem::swap(self, &mut started);
                return;
            }
        }
        panic!("the OpenID provider did not start again");
    }

    /// A provider on `port`, once it answers discovery; `None` when it could not start there.
    async fn start_on(port: u16) -> Option<Provider> {
        let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tools/oidc-venv/bin/oidc-provider-mock");
        assert!(
            bin.exists(),
            "{} is missing: run scripts/install-tools.sh --test",
            bin.display()
        );
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut child = Command::new(&bin)
            .args(["--port", &port.to_string()])
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let issuer = format!("http://127.0.0.1:{port}");
        let discovery = format!("{issuer}/.well-known/openid-configuration");
        for _ in 0..200 {
            if child.try_wait().ok().flatten().is_some() {
                return None; // the port was taken meanwhile
            }
            if http
                .get(&discovery)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Some(Provider {
                    issuer,
                    port,
                    child,
                    http,
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// Sets the claims the provider gives `subject` (all of them: it keeps no others).
    pub async fn set_claims(&self, subject: &str, claims: serde_json::Value) {
        let answer = self
            .http
            .put(format!("{}/users/{subject}", self.issuer))
            .json(&claims)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
    }

    /// Sets `subject`'s claims to the verified address `email`, nothing else.
    pub async fn vouch(&self, subject: &str, email: &str) {
        self.set_claims(
            subject,
            serde_json::json!({ "email": email, "email_verified": true }),
        )
        .await;
    }

    /// Signs in at the provider's page (at `authorize`, where Tenantry sent the browser) as
    /// `subject`; returns where the provider sends the browser back (Tenantry's callback).
    pub async fn sign_in_as(&self, authorize: &str, subject: &str) -> String {
        assert!(
            authorize.starts_with(&self.issuer),
            "sent to {authorize}, not to {}",
            self.issuer
        );
        let answer = self
            .http
            .post(authorize)
            .form(&[("sub", subject)])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 302, "{:?}", answer.text().await);
        location(&answer.headers().clone())
    }
}

/// The `Location` of a redirect.
pub fn location(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The whole round trip of a browser: `client` opens `start` (a "Sign in with …" button, or a
/// test's provider address when it starts with http), signs in at `provider` as `subject`, and
/// comes back to Tenantry's callback. Returns the callback's answer.
pub async fn round_trip(
    client: &Client,
    start: &str,
    provider: &Provider,
    subject: &str,
) -> Answer {
    let authorize = if start.starts_with("http") {
        start.to_string()
    } else {
        let opened = client.get(start).await;
        assert_eq!(opened.status, 303, "{start}: {}", opened.body);
        location(&opened.headers)
    };
    let back = provider.sign_in_as(&authorize, subject).await;
    let path = back
        .strip_prefix(&client.base)
        .unwrap_or_else(|| panic!("sent back to {back}, not to {}", client.base));
    client.get(path).await
}
