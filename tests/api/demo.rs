//! `poc-lms seed-demo`: the demonstration data set the load benchmark starts from.

use std::process::Command;

use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::helpers::{TEST_JWT_SECRET, TestApp};

const PASSWORD: &str = "demo passphrase 1540";

fn poc_lms(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_poc-lms"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("JWT_SECRET", TEST_JWT_SECRET)
        .env("SMTP_URL", "smtp://127.0.0.1:2525")
        .env("COURSE_CONTENT_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/course-content"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.conn().await;
    diesel::sql_query(sql).get_result::<Count>(&mut conn).await.unwrap().count
}

#[derive(diesel::QueryableByName)]
struct Code {
    #[diesel(sql_type = Text)]
    code: String,
}

const SMALL: [&str; 9] =
    ["seed-demo", "--organisations", "3", "--users", "30", "--enrolments", "75", "--courses", "3"];

#[actix_web::test]
async fn seed_demo_builds_a_consistent_data_set_that_the_api_serves() {
    let app = TestApp::spawn().await;
    let seeded = poc_lms(&app.db.url, &SMALL);
    let stderr = String::from_utf8_lossy(&seeded.stderr);
    assert!(seeded.status.success(), "{stderr}");
    assert!(stderr.contains("done: 3 organisations, 30 trainees, 3 courses, 75 enrolments"), "{stderr}");

    // The outcome of enrolment e follows the documented rule; count what it should give.
    let (mut completed, mut active, mut withdrawn) = (0, 0, 0);
    for e in 0..75 {
        match (e % 30 + 1 + e / 30) % 10 {
            0..=3 => completed += 1,
            4..=8 => active += 1,
            _ => withdrawn += 1,
        }
    }
    let trainees =
        "SELECT count(*) AS count FROM users WHERE role = 'trainee' AND email_key LIKE '%@demo.example.org'";
    assert_eq!(count(&app, trainees).await, 30);
    assert_eq!(count(&app, "SELECT count(*) AS count FROM courses WHERE status = 'published'").await, 3);
    assert_eq!(count(&app, "SELECT count(*) AS count FROM organisations WHERE kind = 'other'").await, 3);
    for (status, expected) in [("completed", completed), ("active", active), ("withdrawn", withdrawn)] {
        let sql = format!("SELECT count(*) AS count FROM enrolments WHERE status = '{status}'");
        assert_eq!(count(&app, &sql).await, expected, "{status}");
    }
    // Every completed enrolment has every lesson done, every quiz passed and one certificate.
    let incomplete = "SELECT count(*) AS count FROM enrolments e JOIN modules m ON m.course_id = e.course_id \
         JOIN lessons l ON l.module_id = m.id WHERE e.status = 'completed' AND NOT EXISTS \
         (SELECT 1 FROM lesson_completions c WHERE c.enrolment_id = e.id AND c.lesson_id = l.id)";
    assert_eq!(count(&app, incomplete).await, 0);
    let unpassed = "SELECT count(*) AS count FROM enrolments e JOIN modules m ON m.course_id = e.course_id \
         JOIN quizzes q ON q.module_id = m.id WHERE e.status = 'completed' AND NOT EXISTS \
         (SELECT 1 FROM quiz_attempts a WHERE a.enrolment_id = e.id AND a.quiz_id = q.id AND a.passed)";
    assert_eq!(count(&app, unpassed).await, 0);
    assert_eq!(count(&app, "SELECT count(*) AS count FROM certificates").await, completed);
    let held = "SELECT count(*) AS count FROM seat_holdings WHERE ends_on IS NULL";
    assert_eq!(count(&app, held).await, 3);

    // A demo trainee signs in with the demo password and sees real progress.
    let token =
        app.login("trainee1@demo.example.org", PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let enrolments: Value = app.get_as("/api/v1/me/enrolments", &token).await.json().await.unwrap();
    let enrolments = enrolments.as_array().unwrap();
    assert_eq!(enrolments.len(), 3, "trainee 1 holds enrolments 0, 30 and 60");
    for enrolment in enrolments {
        let path = format!("/api/v1/enrolments/{}/outline", enrolment["id"].as_str().unwrap());
        let response = app.get_as(&path, &token).await;
        assert_eq!(response.status(), 200);
        let outline: Value = response.json().await.unwrap();
        let expected_percent = if outline["status"] == "completed" { 100 } else { 0 };
        if outline["status"] != "active" {
            assert_eq!(outline["percent_complete"], expected_percent, "{outline}");
        }
    }

    // The certificates carry well-formed codes that public verification accepts.
    let mut conn = app.conn().await;
    let codes: Vec<Code> =
        diesel::sql_query("SELECT code FROM certificates LIMIT 3").load(&mut conn).await.unwrap();
    for Code { code } in codes {
        assert_eq!(poc_lms::certificates::code::normalise(&code).as_deref(), Some(code.as_str()));
        let verified: Value = app.get(&format!("/api/v1/verify/{code}")).await.json().await.unwrap();
        assert_eq!(verified["status"], "valid", "{verified}");
    }

    // The seed is in the audit trail, whose chain still holds.
    let audited = "SELECT count(*) AS count FROM audit_log WHERE action = 'demo.seeded'";
    assert_eq!(count(&app, audited).await, 1);
    assert!(poc_lms(&app.db.url, &["audit-verify"]).status.success());

    // A second seed into the same database is refused and changes nothing.
    let again = poc_lms(&app.db.url, &SMALL);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds 32 demo accounts"));
    assert_eq!(count(&app, "SELECT count(*) AS count FROM enrolments").await, 75);
}

#[actix_web::test]
async fn seed_demo_refuses_more_enrolments_than_people_times_courses() {
    let app = TestApp::spawn().await;
    let refused =
        poc_lms(&app.db.url, &["seed-demo", "--users", "10", "--enrolments", "60", "--courses", "5"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--enrolments 60 is more than --users × --courses"), "{stderr}");
    assert_eq!(count(&app, "SELECT count(*) AS count FROM enrolments").await, 0);
}
