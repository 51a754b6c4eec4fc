use std::process::Command;

use diesel_async::RunQueryDsl;
use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem};

fn audit_verify(database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_poc-lms"))
        .arg("audit-verify")
        .env("DATABASE_URL", database_url)
        .env("SMTP_URL", "smtp://127.0.0.1:2525")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[actix_web::test]
async fn changes_that_matter_are_in_the_trail_with_actor_entity_and_summary() {
    let app = TestApp::spawn().await;
    let (instructor_user, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "audited").await;
    let (trainee_user, trainee) = app.signed_in(Role::Trainee).await;
    let enrolment =
        app.create(&format!("/api/v1/courses/{}/enrolments", course.course_id), json!({}), &trainee).await;
    for lesson in &course.lesson_ids {
        app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&trainee)).await;
    }
    let (_, admin) = app.signed_in(Role::Admin).await;
    let patch = app
        .patch_json(&format!("/api/v1/users/{}", trainee_user.id), &json!({"role": "instructor"}), &admin)
        .await;
    assert_eq!(patch.status(), 200);

    let all: Value = app.get_as("/api/v1/audit?limit=500", &admin).await.json().await.unwrap();
    let actions: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in [
        "course.published",
        "enrolment.created",
        "enrolment.completed",
        "certificate.issued",
        "user.access_changed",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let published =
        all["items"].as_array().unwrap().iter().find(|e| e["action"] == "course.published").unwrap();
    assert_eq!(published["actor_id"], instructor_user.id.to_string());
    assert_eq!(published["summary"]["to"], "published");

    let for_enrolment: Value = app
        .get_as(
            &format!("/api/v1/audit?entity_type=enrolment&entity_id={}", enrolment["id"].as_str().unwrap()),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> =
        for_enrolment["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["enrolment.created", "enrolment.completed"]);
    // The role is read afresh on every request: the promoted trainee is now an instructor.
    problem(app.get_as("/api/v1/audit", &trainee).await, 403).await;
    problem(app.get_as("/api/v1/audit", &instructor).await, 403).await;

    let verified = audit_verify(&app.db.url);
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
    assert!(String::from_utf8_lossy(&verified.stdout).contains("intact"));
}

#[actix_web::test]
async fn the_trail_refuses_updates_and_a_change_behind_the_triggers_back_is_found() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    app.simple_course(&instructor, "tamper").await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let body = json!({});
    let _ = app.post_json("/api/v1/courses", &body, Some(&trainee)).await;
    let mut conn = app.conn().await;
    let refused =
        diesel::sql_query("UPDATE audit_log SET action = 'nothing.happened'").execute(&mut conn).await;
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    let refused = diesel::sql_query("DELETE FROM audit_log").execute(&mut conn).await;
    assert!(refused.is_err());

    diesel::sql_query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("UPDATE audit_log SET summary = '{\"to\": \"draft\"}' WHERE seq = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        .execute(&mut conn)
        .await
        .unwrap();
    let verified = audit_verify(&app.db.url);
    assert!(!verified.status.success());
    let stderr = String::from_utf8_lossy(&verified.stderr);
    assert!(stderr.contains("broken at entry 1"), "{stderr}");
}
