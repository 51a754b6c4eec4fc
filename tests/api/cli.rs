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
    app.login("chief@example.org", "a strong admin passphrase").await;

    // A second admin with the same address is refused.
    let again = create_admin(&app.db.url, "a strong admin passphrase");
    assert!(!again.status.success());
}
