use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::users::PASSWORD;
use crate::helpers::{TestApp, problem};

#[actix_web::test]
async fn a_handover_enrols_the_successor_in_exactly_the_missing_courses_and_tells_three_parties() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn().await;
        poc_lms::directory::load_defaults(&mut conn).await.unwrap();
    }
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let basics = app.simple_course(&instructor, "seat-basics").await;
    let advanced = app.simple_course(&instructor, "seat-advanced").await;
    let orgs: Value = app.get_as("/api/v1/organisations?q=Kyrgyz", &admin).await.json().await.unwrap();
    let kyrgyzstan = orgs["items"][0]["id"].as_str().unwrap().to_owned();
    let seat = app
        .create(
            "/api/v1/seats",
            json!({"organisation_id": kyrgyzstan, "title": "National Point of Contact for UNSCR 1540", "required_course_ids": [basics.course_id, advanced.course_id], "days_to_certify": 60}),
            &admin,
        )
        .await;
    let seat_id = seat["id"].as_str().unwrap();

    let first = app.create_user(Role::Trainee, "first@example.org").await;
    let successor = app.create_user(Role::Trainee, "successor@example.org").await;
    // The successor already holds a valid certificate for the basics.
    let token =
        app.login("successor@example.org", PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    app.create(&format!("/api/v1/courses/{}/enrolments", basics.course_id), json!({}), &token).await;
    for lesson in &basics.lesson_ids {
        app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&token)).await;
    }
    app.delivered_emails().await;

    let holders = format!("/api/v1/seats/{seat_id}/holders");
    app.create(&holders, json!({"user_id": first.id, "starts_on": "2026-01-05"}), &admin).await;
    let before = app.delivered_emails().await.len();
    let holding = app.create(&holders, json!({"user_id": successor.id, "starts_on": "2026-11-30", "handover_note": "Files are in the registry."}), &admin).await;
    assert_eq!(holding["starts_on"], "2026-11-30");
    problem(
        app.post_json(&holders, &json!({"user_id": successor.id, "starts_on": "2026-12-01"}), Some(&admin))
            .await,
        409,
    )
    .await;

    let mine: Value = app.get_as("/api/v1/me/enrolments", &token).await.json().await.unwrap();
    let advanced_enrolment = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["course_id"] == advanced.course_id.as_str())
        .expect("enrolled in the missing course");
    assert_eq!(advanced_enrolment["due_on"], "2027-01-29", "60 days after the start");
    assert_eq!(
        mine.as_array().unwrap().iter().filter(|e| e["course_id"] == basics.course_id.as_str()).count(),
        1,
        "not enrolled again in the course already certified"
    );

    let history: Value =
        app.get_as(&format!("/api/v1/seats/{seat_id}/history"), &admin).await.json().await.unwrap();
    assert_eq!(history[0]["user_id"], first.id.to_string());
    assert_eq!(history[0]["ends_on"], "2026-11-30", "the previous holding ended that day");
    assert!(history[1]["ends_on"].is_null());
    let training: Vec<&str> =
        history[1]["training"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(training, ["valid", "none"]);

    let mails = app.delivered_emails().await;
    let handover: Vec<_> =
        mails[before..].iter().filter(|m| m.subject.contains("National Point of Contact")).collect();
    let mut recipients: Vec<String> = handover.iter().flat_map(|m| m.to.clone()).collect();
    recipients.sort();
    assert_eq!(handover.len(), 3, "{recipients:?}");
    assert!(
        recipients.contains(&"first@example.org".to_owned())
            && recipients.contains(&"successor@example.org".to_owned())
    );
    assert!(recipients.iter().any(|r| r.starts_with("admin-")), "the admins are told");
    let to_successor = handover.iter().find(|m| m.to.contains(&"successor@example.org".to_owned())).unwrap();
    assert!(to_successor.text.contains("Course seat-advanced"), "{}", to_successor.text);
    assert!(to_successor.text.contains("Files are in the registry."));

    let seats: Value = app
        .get_as(&format!("/api/v1/seats?organisation_id={kyrgyzstan}"), &instructor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seats["items"][0]["current_holder"]["user_id"], successor.id.to_string());
    problem(
        app.post_json(
            "/api/v1/seats",
            &json!({"organisation_id": kyrgyzstan, "title": "x"}),
            Some(&instructor),
        )
        .await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn a_newer_revoked_certificate_does_not_undo_an_older_valid_one_at_handover() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn().await;
        poc_lms::directory::load_defaults(&mut conn).await.unwrap();
    }
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let basics = app.simple_course(&instructor, "seat-revoked-basics").await;
    let orgs: Value = app.get_as("/api/v1/organisations?q=Kyrgyz", &admin).await.json().await.unwrap();
    let seat = app
        .create(
            "/api/v1/seats",
            json!({"organisation_id": orgs["items"][0]["id"], "title": "PoC", "required_course_ids": [basics.course_id]}),
            &admin,
        )
        .await;
    let successor = app.create_user(Role::Trainee, "keeps-valid@example.org").await;
    let token =
        app.login("keeps-valid@example.org", PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    app.create(&format!("/api/v1/courses/{}/enrolments", basics.course_id), json!({}), &token).await;
    for lesson in &basics.lesson_ids {
        app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&token)).await;
    }
    // A later certificate for the same course, revoked: the earlier one is still the valid one
    // (verification says so too, since only unrevoked certificates supersede).
    let mut conn = app.conn().await;
    diesel::sql_query(
        "WITH e AS (INSERT INTO enrolments (user_id, course_id, status, course_revision, completed_at) \
                    SELECT user_id, course_id, 'completed', course_revision, now() FROM enrolments \
                    WHERE user_id = $1 RETURNING id, user_id, course_id, course_revision) \
         INSERT INTO certificates (code, enrolment_id, user_id, course_id, course_revision, holder_name, \
                                   course_title, issued_at, revoked_at, revocation_reason) \
         SELECT 'POC-TEST-REVO-KED1', id, user_id, course_id, course_revision, 'X', 'Y', now() + interval '1 minute', \
                now() + interval '2 minutes', 'issued in error' FROM e",
    )
    .bind::<diesel::sql_types::Uuid, _>(successor.id)
    .execute(&mut conn)
    .await
    .unwrap();

    let holders = format!("/api/v1/seats/{}/holders", seat["id"].as_str().unwrap());
    app.create(&holders, json!({"user_id": successor.id, "starts_on": "2026-11-30"}), &admin).await;
    let mine: Value = app.get_as("/api/v1/me/enrolments", &token).await.json().await.unwrap();
    let active = mine.as_array().unwrap().iter().filter(|e| e["status"] == "active").count();
    assert_eq!(active, 0, "not enrolled again: the older certificate is valid: {mine}");
}
