//! A running Tenantry on a fresh database, and helpers to fill it and talk to it.

use crate::smtp::SmtpServer;
use app::{
    api::auth::{ChangePassword, Login},
    api::codec::{Form, FormEncoding, JsonBody},
    entities::{organisation, role, user},
    model::{AppError, PlatformRole, RoleTemplate, UserStatus, UserType},
    services::{
        mail::{self, Mail, MailTransport, RetryPolicy},
        organisations,
        passwords::Passwords,
        people::NewUser,
        AppState, AuthConfig,
    },
};
use leptos::server_fn::{codec::PostUrl, Encodes, Http, ServerFn};
use sea_orm::{prelude::*, ConnectionTrait, Database};
use std::sync::Arc;
use std::time::Duration;

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Defines `sqlite::NAME` and `postgres::NAME` tests for each listed `async fn NAME(Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            )+
        }
    };
}

/// How many times a server thread (a tokio worker, not a test's own thread) has panicked in this
/// test run: a page cut short by a panic while rendering, a task that died.
pub fn server_panics() -> usize {
    SERVER_PANICS.load(std::sync::atomic::Ordering::SeqCst)
}

static SERVER_PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts panics on server threads, then reports them as before.
fn count_server_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current()
                .name()
                .is_some_and(|name| name.starts_with("tokio"))
            {
                SERVER_PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

/// A server on a random loopback port with its own empty database.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    /// Where the app's mail goes.
    pub smtp: SmtpServer,
    _scratch: Option<ScratchFile>,
}

/// A test's SQLite file, removed with its write-ahead log when the test ends (a server that
/// still has it open keeps reading it: the files go once the last handle closes).
struct ScratchFile(std::path::PathBuf);

impl Drop for ScratchFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

async fn fresh_database(backend: Backend) -> (DatabaseConnection, Option<ScratchFile>) {
    let (url, scratch) = match backend {
        Backend::Sqlite => {
            let name = format!("tenantry_test_{}", Uuid::new_v4().simple());
            let path = std::env::temp_dir().join(format!("{name}.db"));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            (url, Some(ScratchFile(path)))
        }
        Backend::Postgres => (fresh_postgres_url().await, None),
    };
    let db = server::database::connect(&url).await.expect("connect");
    server::database::migrate(&db).await.expect("migrate");
    (db, scratch)
}

/// The URL of a new, empty database on the tests' PostgreSQL server.
pub async fn fresh_postgres_url() -> String {
    let name = format!("tenantry_test_{}", Uuid::new_v4().simple());
    let admin = std::env::var("TENANTRY_TEST_POSTGRES_URL")
        .expect("TENANTRY_TEST_POSTGRES_URL must name a PostgreSQL server (make test starts one)");
    let db = Database::connect(&admin)
        .await
        .expect("connect to PostgreSQL");
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create scratch database");
    db.close().await.ok();
    let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
    format!("{base}/{name}")
}

/// The key the tests' servers seal single sign-on client secrets with.
pub const TEST_SECRET_KEY: &str = "dGVuYW50cnktdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=";

impl TestApp {
    /// Starts Tenantry with the default settings.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts Tenantry with settings adjusted by `adjust`.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut AuthConfig)) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_test_writer()
            .try_init();
        count_server_panics();
        let (db, scratch) = fresh_database(backend).await;
        let mut auth = AuthConfig::default();
        // Long enough that no test outruns a delay by accident.
        auth.account_throttle.delay_step_secs = 300;
        adjust(&mut auth);
        let (listener, base) = server::router::bind_loopback().await.expect("bind");
        let smtp = SmtpServer::start().await;
        let mail = Arc::new(Mail::new(&base, "no-reply@tenantry.test"));
        let state = AppState {
            api_limits: Arc::new(app::services::rates::ApiLimits::new(auth.api_rate)),
            db,
            auth: Arc::new(auth),
            passwords: Passwords::new(2).expect("hasher"),
            mail: mail.clone(),
            licence_key: Some(test_licence_key()),
            sso: Arc::new(
                app::services::oidc::SsoContext::new(
                    Some(
                        app::services::oidc::secrets::SecretKey::from_base64(TEST_SECRET_KEY)
                            .expect("key"),
                    ),
                    true,
                )
                .expect("sso"),
            ),
        };
        mail::spawn_worker(
            state.db.clone(),
            mail,
            &MailTransport::Smtp { url: smtp.url() },
            RetryPolicy {
                first_retry: Duration::from_millis(200),
                max_retry: Duration::from_secs(1),
                poll: Duration::from_millis(100),
                lease: Duration::from_secs(30),
            },
        )
        .expect("mail worker");
        server::router::serve_in_background(listener, state.clone());
        Self {
            base,
            state,
            smtp,
            _scratch: scratch,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent("tenantry-tests/1.0")
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// Creates an organisation (with its built-in roles).
    pub async fn organisation(&self, slug: &str) -> organisation::Model {
        organisations::create(self.db(), &format!("Org {slug}"), slug, false, false)
            .await
            .expect("organisation")
    }

    /// Creates an active user with `password`.
    pub async fn user(
        &self,
        org: &organisation::Model,
        email: &str,
        password: &str,
    ) -> user::Model {
        self.user_with(org, email, password, |_| {}).await
    }

    /// Creates a user with `password`, adjusted by `adjust` before it is stored.
    pub async fn user_with(
        &self,
        org: &organisation::Model,
        email: &str,
        password: &str,
        adjust: impl FnOnce(&mut user::ActiveModel),
    ) -> user::Model {
        let hash = self
            .state
            .passwords
            .hash(password.into())
            .await
            .expect("hash");
        let mut model = NewUser {
            organisation_id: org.id,
            email,
            first_name: "Ada",
            last_name: "Lovelace",
            user_type: UserType::TenantAdmin,
            status: UserStatus::Active,
            password_hash: Some(hash),
            must_change_password: false,
            platform_role: PlatformRole::None,
        }
        .into_active_model();
        adjust(&mut model);
        model.insert(self.db()).await.expect("user")
    }
}

impl TestApp {
    /// Narrows what `org` may use to `features` (its override, as the seed's JSON array).
    pub async fn restrict_features(&self, org: &organisation::Model, features: &[&str]) {
        use sea_orm::{ActiveValue::Set, IntoActiveModel};
        let mut model = organisation::Entity::find_by_id(org.id)
            .one(self.db())
            .await
            .expect("query")
            .expect("organisation")
            .into_active_model();
        model.features_enabled = Set(Some(serde_json::json!(features)));
        model.update(self.db()).await.expect("features");
    }

    /// The id of `org`'s built-in role made from `template`.
    pub async fn role(&self, org: &organisation::Model, template: RoleTemplate) -> Uuid {
        role::Entity::find()
            .filter(role::Column::OrganisationId.eq(org.id))
            .filter(role::Column::Template.eq(template.code()))
            .one(self.db())
            .await
            .expect("query")
            .expect("built-in role")
            .id
    }

    /// A super-admin of a new admin tenant `operator`, signed in there.
    pub async fn super_admin(&self) -> Client {
        let operator = organisations::create(self.db(), "Operator", "operator", true, false)
            .await
            .expect("admin tenant");
        self.user_with(
            &operator,
            "root@operator.example",
            "root's own long phrase",
            |u| {
                u.platform_role = sea_orm::ActiveValue::Set(PlatformRole::SuperAdmin);
            },
        )
        .await;
        let client = self.client();
        let signed = client
            .sign_in(
                "operator",
                "root@operator.example",
                "root's own long phrase",
            )
            .await;
        assert_eq!(signed.status, 200, "{}", signed.body);
        client
    }

    /// Inserts many users without passwords at once (hashing is slow), each adjusted by `adjust`
    /// with its index.
    pub async fn many_users(
        &self,
        org: &organisation::Model,
        count: usize,
        adjust: impl Fn(usize, &mut user::ActiveModel),
    ) {
        let rows: Vec<user::ActiveModel> = (0..count)
            .map(|i| {
                let email = format!("person{i:03}@{}.example", org.slug);
                let mut model = NewUser {
                    organisation_id: org.id,
                    email: &email,
                    first_name: "Person",
                    last_name: &format!("{i:03}"),
                    user_type: UserType::Agent,
                    status: UserStatus::Active,
                    password_hash: None,
                    must_change_password: false,
                    platform_role: PlatformRole::None,
                }
                .into_active_model();
                adjust(i, &mut model);
                model
            })
            .collect();
        // SQLite takes at most 32,766 values a statement: a few hundred rows at a time.
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            user::Entity::insert_many(rows.by_ref().take(500))
                .exec_without_returning(self.db())
                .await
                .expect("users");
        }
    }
}

/// An HTTP client with its own cookie jar, sending same-origin headers like a browser would.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

/// A server function's answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// The successful answer, decoded.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, 200, "{}", self.body);
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The error the server function refused with.
    pub fn error(&self) -> AppError {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not an AppError ({e}): {} {}", self.status, self.body))
    }

    /// Where the answer sends the browser.
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// How a server function's arguments travel, read from the protocol `#[server]` gave it.
pub trait Arguments {
    /// Whether they travel as a JSON body (else URL-encoded, as a form posts them).
    const JSON: bool;
}

impl<O> Arguments for Http<PostUrl, O> {
    const JSON: bool = false;
}

impl<O> Arguments for Http<Form, O> {
    const JSON: bool = false;
}

impl<O> Arguments for Http<JsonBody, O> {
    const JSON: bool = true;
}

impl Client {
    /// Calls server function `F` at its own path with `args`, encoded as its page sends them:
    /// a renamed endpoint, argument or argument type does not compile.
    pub async fn invoke<F>(&self, args: F) -> Answer
    where
        F: ServerFn + serde::Serialize,
        F::Protocol: Arguments,
    {
        let request = self
            .http
            .post(format!("{}{}", self.base, F::PATH))
            .header("origin", &self.base);
        let request = if <F::Protocol as Arguments>::JSON {
            request.json(&args)
        } else {
            let body = <FormEncoding as Encodes<F>>::encode(&args).expect("form");
            request
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body.to_vec())
        };
        Self::send(request).await
    }

    /// Sends a request and keeps what came back.
    pub async fn send(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request");
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.expect("body"),
        }
    }

    fn post(&self, endpoint: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("origin", &self.base)
    }

    /// Calls a server function at `/api/{endpoint}` the way the hydrated app does.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Answer {
        Self::send(self.post(endpoint).form(form)).await
    }

    /// Calls a server function that takes JSON.
    pub async fn call_json(&self, endpoint: &str, body: &serde_json::Value) -> Answer {
        Self::send(self.post(endpoint).json(body)).await
    }

    /// GETs `path` of the HTTP API as a product does, with `key` as its bearer token.
    pub async fn api_get(&self, path: &str, key: Option<&str>) -> Answer {
        let mut request = self.http.get(format!("{}/api/v1{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        Self::send(request).await
    }

    /// Sends `method` to `path` of directory sync (`/scim/v2`) as an identity provider does,
    /// with `key` as its bearer token, `body` as SCIM JSON and `if_match` as the version read.
    pub async fn scim(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<&serde_json::Value>,
        if_match: Option<&str>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}/scim/v2{path}", self.base))
            .bearer_auth(key);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/scim+json")
                .body(body.to_string());
        }
        if let Some(version) = if_match {
            request = request.header(reqwest::header::IF_MATCH, version);
        }
        Self::send(request).await
    }

    /// GETs a page.
    pub async fn get(&self, path: &str) -> Answer {
        Self::send(self.http.get(format!("{}{path}", self.base))).await
    }

    /// Replaces the password on the Password page of `slug`: `current`, then `new` twice.
    pub async fn change_password(&self, slug: &str, current: &str, new: &str) -> Answer {
        self.change_password_confirmed(slug, current, new, new)
            .await
    }

    /// Replaces the password, typing `confirmation` as the repeated new one.
    pub async fn change_password_confirmed(
        &self,
        slug: &str,
        current: &str,
        new: &str,
        confirmation: &str,
    ) -> Answer {
        self.invoke(ChangePassword {
            slug: slug.into(),
            current_password: current.into(),
            new_password: new.into(),
            confirmation: confirmation.into(),
        })
        .await
    }

    /// Signs in to `slug`.
    pub async fn sign_in(&self, slug: &str, email: &str, password: &str) -> Answer {
        self.invoke(Login {
            slug: slug.into(),
            email: email.into(),
            password: password.into(),
            next: None,
        })
        .await
    }
}

/// The private key of the test "vendor"; TestApp trusts its public key.
fn vendor_keys() -> ring::signature::Ed25519KeyPair {
    ring::signature::Ed25519KeyPair::from_seed_unchecked(&[42; 32]).expect("seed")
}

/// The test vendor's public key, as `TENANTRY_LICENCE_PUBLIC_KEY` takes it.
pub fn test_licence_public_key() -> String {
    use base64::Engine;
    use ring::signature::KeyPair;
    base64::engine::general_purpose::STANDARD.encode(vendor_keys().public_key().as_ref())
}

fn test_licence_key() -> app::services::licence::LicenceKey {
    app::services::licence::LicenceKey::from_base64(&test_licence_public_key()).expect("key")
}

/// A licence file signed by the test vendor.
pub fn licence_file(features: &[&str], seats: u64, expires: &str) -> String {
    use base64::Engine;
    let terms = app::model::licence::LicenceTerms {
        licensee: "Acme Hosting Ltd".into(),
        features: features.iter().map(|f| String::from(*f)).collect(),
        seats,
        expires: expires.into(),
    };
    let signature =
        vendor_keys().sign(&app::services::licence::signed_bytes(&terms).expect("bytes"));
    let mut file = serde_json::to_value(&terms).expect("json");
    file["signature"] = base64::engine::general_purpose::STANDARD
        .encode(signature.as_ref())
        .into();
    serde_json::to_string_pretty(&file).expect("text")
}
