//! The `poc-lms` binary itself, run as a person would run it.

use std::process::Command;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use poc_lms::db::schema::users;

use crate::helpers::TestApp;

fn create_admin(database_url: &str, password: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_poc-lms"))
        .args(["create-admin", "--email", "Chief@Example.org", "--full-name", "Chief Administrator"])
        .env("DATABASE_URL", database_url)
        .env("SMTP_URL", "smtp://127.0.0.1:2525")
        .env("POC_LMS_ADMIN_PASSWORD", password)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

#[actix_web::test]
async fn create_admin_refuses_a_weak_password_and_creates_a_working_admin_with_a_strong_one() {
    let app = TestApp::spawn().await;
    let weak = create_admin(&app.db.url, "password1234");
    assert!(!weak.status.success());
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(stderr.contains("password"), "{stderr}");

    let strong = create_admin(&app.db.url, "a strong admin passphrase");
    assert!(strong.status.success(), "{}", String::from_utf8_lossy(&strong.stderr));
    let mut conn = app.conn().await;
    let (role, verified): (String, Option<chrono::DateTime<chrono::Utc>>) = users::table
        .filter(users::email_key.eq("chief@example.org"))
        .select((users::role, users::email_verified_at))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(role, "admin");
    assert!(verified.is_some());
    // The creation is in the audit trail, with no actor (the command line did it).
    let (action, actor): (String, Option<uuid::Uuid>) = poc_lms::db::schema::audit_log::table
        .order(poc_lms::db::schema::audit_log::seq.desc())
        .select((poc_lms::db::schema::audit_log::action, poc_lms::db::schema::audit_log::actor_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!((action.as_str(), actor), ("user.created", None));
    app.login("chief@example.org", "a strong admin passphrase").await;

    // A second admin with the same address is refused.
    let again = create_admin(&app.db.url, "a strong admin passphrase");
    assert!(!again.status.success());
}

#[actix_web::test]
async fn import_content_names_the_broken_file_and_line_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let dir = std::env::temp_dir().join(format!("poc-lms-broken-{}", uuid::Uuid::new_v4()));
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("course-content/unscr-1540-for-pocs");
    copy_dir(&source, &dir.join("unscr-1540-for-pocs"));
    let quiz = dir.join("unscr-1540-for-pocs/02-core-obligations/quiz.toml");
    let text = std::fs::read_to_string(&quiz).unwrap().replacen(
        "pass_mark_percent = 70",
        "pass_mark_percent = \"seventy\"",
        1,
    );
    std::fs::write(&quiz, text).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_poc-lms"))
        .args(["import-content", dir.to_str().unwrap()])
        .env("DATABASE_URL", &app.db.url)
        .env("SMTP_URL", "smtp://127.0.0.1:2525")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("02-core-obligations/quiz.toml:3:"), "{stderr}");

    let mut conn = app.conn().await;
    let courses: i64 = poc_lms::db::schema::courses::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(courses, 0, "nothing was imported");
}

#[actix_web::test]
async fn import_content_imports_the_default_course_then_reports_it_unchanged() {
    let app = TestApp::spawn().await;
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_poc-lms"))
            .args(["import-content", concat!(env!("CARGO_MANIFEST_DIR"), "/course-content")])
            .env("DATABASE_URL", &app.db.url)
            .env("SMTP_URL", "smtp://127.0.0.1:2525")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(String::from_utf8_lossy(&first.stdout).trim(), "unscr-1540-for-pocs: created");
    let second = run();
    assert_eq!(String::from_utf8_lossy(&second.stdout).trim(), "unscr-1540-for-pocs: unchanged");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[actix_web::test]
async fn rotating_the_signing_key_keeps_old_credentials_verifiable() {
    use poc_lms::certificates::{credential, signing};
    let app = TestApp::spawn().await;
    let old_key = {
        let mut conn = app.conn().await;
        poc_lms::certificates::keys::active_key(&mut conn, app.state.file_signing_key.as_deref())
            .await
            .unwrap()
    };
    let now = chrono::Utc::now();
    let data = credential::CredentialSubjectData {
        certificate_id: uuid::Uuid::new_v4(),
        code: "POC-0000-0000-0000",
        holder_id: uuid::Uuid::new_v4(),
        holder_name: "Anna",
        course_id: uuid::Uuid::new_v4(),
        course_title: "Course",
        course_summary: "Summary",
        course_revision: 1,
        issued_at: now,
        expires_at: None,
        issuer_name: "poc-lms",
        public_url: "http://lms.test",
    };
    let old_token = credential::sign(&old_key, &data).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_poc-lms"))
        .arg("rotate-signing-key")
        .env("DATABASE_URL", &app.db.url)
        .env("SMTP_URL", "smtp://127.0.0.1:2525")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let jwks: serde_json::Value = app.get("/.well-known/jwks.json").await.json().await.unwrap();
    let keys: Vec<signing::PublicKey> =
        jwks["keys"].as_array().unwrap().iter().map(|k| signing::PublicKey::from_jwk(k).unwrap()).collect();
    assert_eq!(keys.len(), 2);
    assert!(credential::verify(&old_token, &keys).is_ok(), "the old credential still verifies");
    let new_key = {
        let mut conn = app.conn().await;
        poc_lms::certificates::keys::active_key(&mut conn, app.state.file_signing_key.as_deref())
            .await
            .unwrap()
    };
    assert_ne!(new_key.kid, old_key.kid);
    assert!(credential::verify(&credential::sign(&new_key, &data).unwrap(), &keys).is_ok());
}

#[actix_web::test]
async fn a_signing_key_file_is_read_once_at_start_up_and_its_public_half_published() {
    use poc_lms::certificates::signing::SigningKey;
    let key = SigningKey::generate();
    let path = std::env::temp_dir().join(format!("poc-lms-key-{}.pem", uuid::Uuid::new_v4()));
    std::fs::write(&path, key.to_pem()).unwrap();
    let options = crate::helpers::TestOptions {
        extra_env: vec![("SIGNING_KEY_PATH", path.display().to_string())],
        ..Default::default()
    };
    let app = TestApp::spawn_with(options).await;
    // A file replaced while the service runs changes nothing until a restart, so nothing is
    // ever signed with a key whose public half was not published.
    std::fs::write(&path, SigningKey::generate().to_pem()).unwrap();
    let mut conn = app.conn().await;
    let signer = poc_lms::certificates::keys::active_key(&mut conn, app.state.file_signing_key.as_deref())
        .await
        .unwrap();
    assert_eq!(signer.kid, key.kid);
    let jwks: serde_json::Value = app.get("/.well-known/jwks.json").await.json().await.unwrap();
    assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == key.kid.as_str()), "{jwks}");
    let _ = std::fs::remove_file(&path);
}
