use diesel_async::RunQueryDsl;
use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::users::PASSWORD;
use crate::helpers::{TestApp, problem};

#[actix_web::test]
async fn coverage_goes_from_uncovered_to_covered_and_to_expiring() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "coverage").await;
    let org = app
        .create(
            "/api/v1/organisations",
            json!({"name": "Ministry of Foreign Affairs", "kind": "other"}),
            &admin,
        )
        .await;
    let seat = app
        .create("/api/v1/seats", json!({"organisation_id": org["id"], "title": "National PoC", "required_course_ids": [course.course_id]}), &admin)
        .await;
    let report =
        async || -> Value { app.get_as("/api/v1/reports/seats", &admin).await.json().await.unwrap() };

    let uncovered = report().await;
    assert_eq!(uncovered[0]["covered"], false);
    assert!(uncovered[0]["holder_id"].is_null());
    assert_eq!(uncovered[0]["uncovered_days"], 0);

    let holder = app.create_user(Role::Trainee, "holder@example.org").await;
    app.create(
        &format!("/api/v1/seats/{}/holders", seat["id"].as_str().unwrap()),
        json!({"user_id": holder.id, "starts_on": "2026-11-01"}),
        &admin,
    )
    .await;
    let assigned = report().await;
    assert_eq!(assigned[0]["holder_id"], holder.id.to_string());
    assert_eq!(assigned[0]["courses"][0]["status"], "in_progress", "the handover enrolled them");
    assert_eq!(assigned[0]["covered"], false);

    let token = app.login("holder@example.org", PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    for lesson in &course.lesson_ids {
        app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&token)).await;
    }
    let covered = report().await;
    assert_eq!(
        (covered[0]["covered"].as_bool(), covered[0]["courses"][0]["status"].as_str()),
        (Some(true), Some("valid"))
    );

    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE certificates SET expires_at = now() + interval '30 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    let expiring = report().await;
    assert_eq!(
        (expiring[0]["covered"].as_bool(), expiring[0]["courses"][0]["status"].as_str()),
        (Some(true), Some("expiring"))
    );
    problem(app.get_as("/api/v1/reports/seats", &instructor).await, 403).await;
}

#[actix_web::test]
async fn the_completion_csv_is_spreadsheet_safe_and_keeps_commas_and_cyrillic() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "csv-report").await;
    app.cohort(&course.course_id, &instructor, "=HYPERLINK(\"http://evil\")", None).await;
    let cohorts: Value = app
        .get_as(&format!("/api/v1/courses/{}/cohorts", course.course_id), &instructor)
        .await
        .json()
        .await
        .unwrap();
    let org = app
        .create("/api/v1/organisations", json!({"name": "Министерство, отдел 1540", "kind": "other"}), &admin)
        .await;
    let trainee = app.create_user(Role::Trainee, "csv@example.org").await;
    app.patch_json(&format!("/api/v1/users/{}", trainee.id), &json!({"organisation_id": org["id"]}), &admin)
        .await;
    app.create(
        &format!("/api/v1/courses/{}/enrolments", course.course_id),
        json!({"user_id": trainee.id, "cohort_id": cohorts[0]["id"]}),
        &instructor,
    )
    .await;

    let json_report: Value = app.get_as("/api/v1/reports/completion", &admin).await.json().await.unwrap();
    assert_eq!(json_report[0]["enrolled"], 1);
    assert_eq!(json_report[0]["in_progress"], 1);

    let csv = app
        .client
        .get(app.url("/api/v1/reports/completion"))
        .header("accept", "text/csv")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("course_id,course_title,"));
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "{text}");
    assert!(text.contains("\"Министерство, отдел 1540\""), "{text}");

    // An instructor sees only their own courses.
    let (_, other) = app.signed_in(Role::Instructor).await;
    let theirs: Value = app.get_as("/api/v1/reports/completion", &other).await.json().await.unwrap();
    assert!(theirs.as_array().unwrap().is_empty());
    let mine: Value = app.get_as("/api/v1/reports/completion", &instructor).await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_persons_record_holds_enrolments_attempts_certificates_and_seats() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "record").await;
    let org = app
        .create("/api/v1/organisations", json!({"name": "Ministry of Defence", "kind": "other"}), &admin)
        .await;
    let seat = app.create("/api/v1/seats", json!({"organisation_id": org["id"], "title": "Deputy PoC", "required_course_ids": [course.course_id]}), &admin).await;
    let person = app.create_user(Role::Trainee, "record@example.org").await;
    app.create(
        &format!("/api/v1/seats/{}/holders", seat["id"].as_str().unwrap()),
        json!({"user_id": person.id, "starts_on": "2026-10-01"}),
        &admin,
    )
    .await;
    let token = app.login("record@example.org", PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    for lesson in &course.lesson_ids {
        app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&token)).await;
    }
    let path = format!("/api/v1/users/{}/record", person.id);
    let record: Value = app.get_as(&path, &token).await.json().await.unwrap();
    assert_eq!(record["person"]["email"], "record@example.org");
    assert_eq!(record["enrolments"][0]["status"], "completed");
    assert_eq!(record["enrolments"][0]["course_title"], "Course record");
    assert_eq!(record["certificates"][0]["status"], "valid");
    assert_eq!(record["seat_holdings"][0]["seat_title"], "Deputy PoC");
    assert_eq!(record["seat_holdings"][0]["organisation_name"], "Ministry of Defence");
    assert!(record["attempts"].as_array().unwrap().is_empty());
    assert_eq!(app.get_as(&path, &admin).await.status(), 200);
    problem(app.get_as(&path, &instructor).await, 404).await;
}
