//! The `poc-lms` command: `serve` (default), `migrate` and `worker`.

use actix_web::HttpServer;
use anyhow::Context;
use clap::{Parser, Subcommand};
use poc_lms::notifications::worker;
use poc_lms::{AppState, Config, build_app, telemetry};
use tokio::sync::watch;

#[derive(Parser)]
#[command(name = "poc-lms", version, about = "Training and certification for UNSCR 1540 Points of Contact")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (and, unless WORKER=off, the background worker). The default.
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Run only the background worker (email delivery).
    Worker,
    /// Validate and import every course folder in DIR (default: COURSE_CONTENT_DIR). Idempotent:
    /// unchanged courses stay as they are; edited ones are updated in place.
    ImportContent { dir: Option<std::path::PathBuf> },
    /// Make a new credential-signing key the active one; old public keys stay in the JWKS so
    /// credentials they signed keep verifying.
    RotateSigningKey,
    /// Check the whole audit trail's hash chain; names the first broken entry.
    AuditVerify,
    /// Fill a fresh database with a realistic demonstration data set (for demos and the load
    /// benchmark in bench/): organisations, trainees trainee{n}@demo.example.org sharing one
    /// password, the default course and copies of it, enrolments with progress, certificates
    /// and seats. Refuses a database that already holds demo accounts.
    SeedDemo {
        #[arg(long, default_value_t = 100)]
        organisations: u32,
        #[arg(long, default_value_t = 20_000)]
        users: u32,
        #[arg(long, default_value_t = 100_000)]
        enrolments: u32,
        /// The default course plus this many minus one copies of it.
        #[arg(long, default_value_t = 5)]
        courses: u32,
        /// The password every demo account signs in with.
        #[arg(long, default_value = "demo passphrase 1540")]
        password: String,
    },
    /// Create an administrator. The password comes from POC_LMS_ADMIN_PASSWORD, or is asked for
    /// (without echo) when that is unset.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        full_name: String,
    },
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // A missing .env is normal; a malformed one is worth stopping for.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        return Err(error).context("cannot read .env");
    }
    let cli = Cli::parse();
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::Worker => run_worker(config).await,
        Command::ImportContent { dir } => import_content(config, dir).await,
        Command::SeedDemo { organisations, users, enrolments, courses, password } => {
            let size = poc_lms::demo::DemoSize { organisations, users, enrolments, courses };
            size.check()?;
            let state = AppState::init(config).await?;
            poc_lms::demo::seed(&state, size, &password).await
        }
        Command::AuditVerify => {
            let state = AppState::init(config).await?;
            let mut conn = state.pool.get().await?;
            match poc_lms::audit::chain::verify(&mut conn).await? {
                Ok(checked) => {
                    println!("audit trail intact: {checked} entries checked");
                    Ok(())
                }
                Err(broken) => anyhow::bail!(
                    "audit trail broken at entry {} (id {}): {}",
                    broken.seq,
                    broken.id,
                    broken.reason
                ),
            }
        }
        Command::RotateSigningKey => {
            let state = AppState::init(config).await?;
            let mut conn = state.pool.get().await?;
            let kid = poc_lms::certificates::keys::rotate(&mut conn, &state.config).await?;
            println!("new signing key {kid} is active; earlier public keys stay published");
            Ok(())
        }
        Command::CreateAdmin { email, full_name } => create_admin(config, &email, &full_name).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let state = AppState::init(config).await?;
    {
        let mut conn = state.pool.get().await?;
        poc_lms::courses::import::import_default_content(&mut conn, &state.config.course_content_dir)
            .await
            .context("importing the default course content")?;
    }
    let (stop_worker, stop_signal) = watch::channel(false);
    let worker =
        state.config.worker_enabled.then(|| actix_web::rt::spawn(worker::run(state.clone(), stop_signal)));
    let bind = state.config.bind_addr;
    let app_state = state.clone();
    // actix stops gracefully on SIGINT/SIGTERM: it stops accepting and lets in-flight requests
    // finish (up to the shutdown timeout) before `run()` returns.
    let server = HttpServer::new(move || build_app(app_state.clone()))
        .bind(bind)
        .with_context(|| format!("cannot listen on BIND_ADDR={bind}"))?
        .shutdown_timeout(30)
        .run();
    tracing::info!(%bind, public_url = %state.config.public_url, "poc-lms listening");
    server.await?;
    let _ = stop_worker.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    tracing::info!("poc-lms stopped");
    Ok(())
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    poc_lms::db::ensure_database_exists(&config.database_url).await?;
    let applied = poc_lms::db::migrate::run_pending(&config.database_url).await?;
    println!("{applied} migration(s) applied; the schema is current");
    Ok(())
}

async fn run_worker(config: Config) -> anyhow::Result<()> {
    let state = AppState::init(config).await?;
    let (stop, stop_signal) = watch::channel(false);
    let handle = actix_web::rt::spawn(worker::run(state, stop_signal));
    shutdown_signal().await;
    tracing::info!("stopping the worker after its current message");
    let _ = stop.send(true);
    let _ = handle.await;
    Ok(())
}

async fn import_content(config: Config, dir: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let dir = dir.unwrap_or_else(|| config.course_content_dir.clone());
    let state = AppState::init(config).await?;
    let mut conn = state.pool.get().await?;
    match poc_lms::courses::import::import_dir(&mut conn, &dir).await {
        Ok(outcomes) => {
            for (slug, outcome) in outcomes {
                println!("{slug}: {}", format!("{outcome:?}").to_lowercase());
            }
            Ok(())
        }
        Err(error) => {
            eprintln!("{error}");
            anyhow::bail!("nothing was imported from {}", dir.display())
        }
    }
}

async fn create_admin(config: Config, email: &str, full_name: &str) -> anyhow::Result<()> {
    let password = match std::env::var("POC_LMS_ADMIN_PASSWORD") {
        Ok(password) if !password.is_empty() => password,
        _ => {
            let first = rpassword::prompt_password("Password for the new administrator: ")?;
            let second = rpassword::prompt_password("The same password again: ")?;
            anyhow::ensure!(first == second, "the two passwords differ; nothing was created");
            first
        }
    };
    let state = AppState::init(config).await?;
    match poc_lms::users::admin::create_admin(&state, email, full_name, &password).await {
        Ok(user) => {
            println!("administrator {} created (id {})", user.email, user.id);
            Ok(())
        }
        Err(poc_lms::http::ApiError::Validation(errors)) => {
            let reasons: Vec<String> = errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect();
            anyhow::bail!("not created: {}", reasons.join("; "))
        }
        Err(error) => anyhow::bail!("not created: {error}"),
    }
}

/// Resolves on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
