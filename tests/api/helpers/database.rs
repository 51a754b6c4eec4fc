//! One migrated template database per run (per migration set), and a fresh copy of it for each
//! test, dropped when the test ends. Tests therefore run in parallel without seeing each other.

use std::path::Path;

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use poc_lms::db::quote_identifier;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// The server the tests may create databases on (`DATABASE_URL`, any database name on it).
pub fn server_url() -> url::Url {
    let raw = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    url::Url::parse(&raw).expect("DATABASE_URL is a URL")
}

pub fn database_url(name: &str) -> String {
    let mut url = server_url();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

async fn admin_connection() -> AsyncPgConnection {
    AsyncPgConnection::establish(&database_url("postgres"))
        .await
        .expect("the test PostgreSQL server is reachable (see README: Running the tests)")
}

/// Name of the template, derived from the migrations so a changed schema gets a new template.
fn template_name() -> String {
    let mut hasher = Sha256::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file).expect("migration file is readable"));
    }
    format!("poc_lms_template_{}", &hex::encode(hasher.finalize())[..16])
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations/ exists").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(name)
        .get_result::<Exists>(conn)
        .await
        .expect("pg_database is readable")
        .exists
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Ensures the template exists. Several test processes (nextest) may race here: a PostgreSQL
/// advisory lock lets one build it while the others wait, and it is built under a temporary
/// name and renamed, so nobody ever copies a half-migrated template.
async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let mut conn = admin_connection().await;
            diesel::sql_query("SELECT pg_advisory_lock(1540)").execute(&mut conn).await.expect("lock");
            if !database_exists(&mut conn, &name).await {
                let building = format!("{name}_building");
                let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_identifier(&building));
                diesel::sql_query(drop).execute(&mut conn).await.expect("drop stale build");
                diesel::sql_query(format!("CREATE DATABASE {}", quote_identifier(&building)))
                    .execute(&mut conn)
                    .await
                    .expect("create template");
                poc_lms::db::migrate::run_pending(&database_url(&building)).await.expect("migrations apply");
                diesel::sql_query(format!(
                    "ALTER DATABASE {} RENAME TO {}",
                    quote_identifier(&building),
                    quote_identifier(&name)
                ))
                .execute(&mut conn)
                .await
                .expect("rename template");
            }
            diesel::sql_query("SELECT pg_advisory_unlock(1540)").execute(&mut conn).await.expect("unlock");
            name
        })
        .await
}

/// A database of this test's own, dropped (forcibly) when the value is dropped.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let template = template().await;
        let name = format!("poc_lms_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = admin_connection().await;
        diesel::sql_query(format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_identifier(&name),
            quote_identifier(template)
        ))
        .execute(&mut conn)
        .await
        .expect("create test database from template");
        Self { url: database_url(&name), name }
    }

    /// A database name on the test server that does not exist yet (the caller creates it), still
    /// dropped at the end.
    pub fn unborn() -> Self {
        let name = format!("poc_lms_test_{}", uuid::Uuid::new_v4().simple());
        Self { url: database_url(&name), name }
    }

    /// Refuses (or allows again) new connections and cuts the open ones: the database looks down.
    pub async fn set_reachable(&self, reachable: bool) {
        let mut conn = admin_connection().await;
        diesel::sql_query(format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS {}",
            quote_identifier(&self.name),
            reachable
        ))
        .execute(&mut conn)
        .await
        .expect("alter database");
        if !reachable {
            diesel::sql_query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
                .bind::<Text, _>(&self.name)
                .execute(&mut conn)
                .await
                .expect("terminate backends");
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a separate thread with its own runtime may block.
        let _ = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let mut conn = admin_connection().await;
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_identifier(&name));
                let _ = diesel::sql_query(sql).execute(&mut conn).await;
            });
        })
        .join();
    }
}
