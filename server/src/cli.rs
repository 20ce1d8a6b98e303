//! The `tenantry` command.

use crate::{
    config::{Config, LogFormat, Settings},
    database, router,
};
use app::services::{
    bootstrap, licence,
    mail::{self, Mail, MailTransport},
    passwords::Passwords,
    AppState,
};
use clap::{Parser, Subcommand};
use std::{process::ExitCode, sync::Arc};
use tracing_subscriber::EnvFilter;

/// Tenantry: the user and tenant administration console.
#[derive(Debug, Parser)]
#[command(name = "tenantry", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the console (the default). On the very first start it
    /// creates the operator's organisation and a super-admin, and prints their one-time password.
    Serve {
        /// Address (slug) of the operator's organisation created on first start.
        #[arg(long, env = "TENANTRY_ADMIN_ORG", default_value = "operator")]
        admin_org: String,
        /// Name of the operator's organisation created on first start.
        #[arg(long, env = "TENANTRY_ADMIN_ORG_NAME", default_value = "Operator")]
        admin_org_name: String,
        /// Email of the first super-admin.
        #[arg(
            long,
            env = "TENANTRY_ADMIN_EMAIL",
            default_value = "admin@example.com"
        )]
        admin_email: String,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Add a super-admin to the admin tenant (created if the instance has none) and print their
    /// one-time password.
    CreateSuperAdmin {
        /// Their email address.
        #[arg(long)]
        email: String,
        /// Address (slug) of the admin tenant.
        #[arg(long)]
        org: String,
        /// Name for the admin tenant if it has to be created.
        #[arg(long)]
        org_name: Option<String>,
    },
    /// The instance's licence.
    #[command(subcommand)]
    Licence(LicenceCommand),
}

/// What to do with the licence.
#[derive(Debug, Subcommand)]
pub enum LicenceCommand {
    /// Check a licence file and install it, replacing the current licence.
    Install {
        /// The licence file (JSON, as the vendor sent it).
        file: std::path::PathBuf,
    },
    /// Print the installed licence and the seats in use.
    Show,
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Runs the command line.
pub async fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if cli.command.is_none() {
        // No command means `serve`, with its options read from the environment as usual.
        let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        args.push("serve".into());
        cli = Cli::parse_from(args);
    }
    init_logging(cli.settings.log_format);
    let config = match cli.settings.check() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("tenantry: cannot start: {error}");
            return ExitCode::from(2);
        }
    };
    let Some(command) = cli.command else {
        eprintln!("tenantry: no command; see tenantry --help");
        return ExitCode::from(2);
    };
    match run(config, command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tenantry: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, command: Command) -> Result<(), String> {
    let db = database::connect(&config.database_url)
        .await
        .map_err(|e| format!("cannot open the database at TENANTRY_DATABASE_URL: {e}"))?;
    // Several processes starting at once on one database take turns to migrate and to create
    // the first super-admin.
    let startup = database::startup_lock(&db)
        .await
        .map_err(|e| format!("cannot lock the database for start-up: {e}"))?;
    database::migrate(&db)
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    let passwords = Passwords::new(hash_concurrency()).map_err(|e| e.to_string())?;
    match command {
        Command::Migrate => {
            println!("The database schema is up to date.");
            Ok(())
        }
        Command::CreateSuperAdmin {
            email,
            org,
            org_name,
        } => {
            let created =
                bootstrap::create_super_admin(&db, &passwords, &org, org_name.as_deref(), &email)
                    .await
                    .map_err(|e| app::model::AppError::from(e).to_string())?;
            print_one_time_password(&config, &created);
            Ok(())
        }
        Command::Licence(LicenceCommand::Install { file }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let installed = licence::install(
                &db,
                &text,
                config.licence_key.as_ref(),
                licence::Installer {
                    user_id: None,
                    organisation_id: None,
                    ip: None,
                },
            )
            .await
            .map_err(|e| app::model::AppError::from(e).to_string())?;
            println!(
                "Licence installed for {}: {} seats, features {}, valid through {}{}.",
                installed.licensee,
                installed.seats,
                feature_list(&installed.features),
                installed.expires_on,
                if installed.signed {
                    ", signature verified"
                } else {
                    " (signature not checked: no TENANTRY_LICENCE_PUBLIC_KEY)"
                }
            );
            Ok(())
        }
        Command::Licence(LicenceCommand::Show) => {
            let status = licence::status(&db, config.licence_key.as_ref())
                .await
                .map_err(|e| app::model::AppError::from(e).to_string())?;
            match status.licence {
                None => println!(
                    "No licence installed: every feature is available and seats are not limited ({} in use).",
                    status.seats_used
                ),
                Some(l) => println!(
                    "Licensed to {}: {} of {} seats in use, features {}, valid through {}{}.",
                    l.licensee,
                    status.seats_used,
                    l.seats,
                    feature_list(&l.features),
                    l.expires_on,
                    if l.expired() { " (EXPIRED)" } else { "" }
                ),
            }
            Ok(())
        }
        Command::Serve {
            admin_org,
            admin_org_name,
            admin_email,
        } => {
            if let Some(created) = bootstrap::ensure_admin_tenant(
                &db,
                &passwords,
                &admin_org_name,
                &admin_org,
                &admin_email,
            )
            .await
            .map_err(|e| format!("first start: {}", app::model::AppError::from(e)))?
            {
                print_one_time_password(&config, &created);
            }
            drop(startup);
            if config.mail == MailTransport::Log {
                tracing::warn!(
                    "mail is written to this log, working invitation and reset links included \
                     (TENANTRY_MAIL=log is for development: set TENANTRY_MAIL to an smtp:// URL \
                     or dir:PATH in production)"
                );
            }
            if config.licence_key.is_some() {
                let unsigned = licence::current(&db)
                    .await
                    .map_err(|e| app::model::AppError::from(e).to_string())?
                    .is_some_and(|l| !l.signed);
                if unsigned {
                    tracing::warn!(
                        "the installed licence was not signature-checked when it was installed; \
                         install a licence signed by the vendor (tenantry licence install FILE)"
                    );
                }
            }
            let auth = Arc::new(config.auth.clone());
            let mail = Arc::new(Mail::new(&config.base_url, &config.mail_from));
            mail::spawn_worker(db.clone(), mail.clone(), &config.mail, config.mail_policy)
                .map_err(|e| format!("TENANTRY_MAIL (--mail): {e}"))?;
            let licence_key = config.licence_key.clone();
            let sso = sso_context(config.secret_key.as_deref(), config.sso_allow_http, &db).await?;
            let state = AppState {
                sso,
                api_limits: std::sync::Arc::new(app::services::rates::ApiLimits::new(
                    auth.api_rate,
                )),
                db,
                auth,
                passwords,
                mail,
                licence_key,
            };
            app::services::jobs::spawn(state.clone());
            serve(config, state).await
        }
    }
}

/// Single sign-on's context: the secret key (base64), when configured. Once an organisation has
/// a connection, a missing key stops the start (nobody could sign in through it).
pub async fn sso_context(
    secret_key: Option<&str>,
    allow_http: bool,
    db: &sea_orm::DatabaseConnection,
) -> Result<Arc<app::services::oidc::SsoContext>, String> {
    use app::services::oidc::{secrets::SecretKey, SsoContext};
    let key = match secret_key {
        Some(text) => {
            Some(SecretKey::from_base64(text).map_err(|e| format!("TENANTRY_SECRET_KEY: {e}"))?)
        }
        None => None,
    };
    if key.is_none() {
        let connections = app::services::sso::count_connections(db)
            .await
            .map_err(|e| app::model::AppError::from(e).to_string())?;
        if connections > 0 {
            return Err(format!(
                "TENANTRY_SECRET_KEY: {connections} single sign-on connection(s) exist, and their \
                 client secrets need the key they were sealed with: set TENANTRY_SECRET_KEY"
            ));
        }
    }
    Ok(Arc::new(SsoContext::new(key, allow_http)?))
}

fn feature_list(features: &[app::model::Feature]) -> String {
    if features.is_empty() {
        return "none".into();
    }
    features
        .iter()
        .map(|f| f.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Concurrent password hashes: one per core, so hashing never starves request handling of
/// memory (19 MiB each) and sign-in throughput stays at the machine's hashing rate.
fn hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn print_one_time_password(config: &Config, created: &bootstrap::CreatedSuperAdmin) {
    println!();
    println!(
        "  Super-admin created in organisation \"{}\":",
        created.organisation_slug
    );
    println!("    email:              {}", created.email);
    println!("    one-time password:  {}", created.one_time_password);
    println!(
        "  Sign in at {}/o/{}/login and choose a new password.",
        config.base_url, created.organisation_slug
    );
    println!("  This password is not stored in readable form and will not be shown again.");
    println!();
}

async fn serve(config: Config, state: AppState) -> Result<(), String> {
    let app = router::build(state, config.trust_proxy);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {} (TENANTRY_LISTEN): {e}", config.listen))?;
    tracing::info!(listen = %config.listen, base_url = %config.base_url, mail = ?config.mail, "Tenantry is serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| format!("server stopped: {e}"))
}
