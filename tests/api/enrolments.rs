use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use poc_lms::db::schema::{domain_events, enrolments};
use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem};

async fn count_status(app: &TestApp, course_id: &str, status: &str) -> i64 {
    let mut conn = app.conn().await;
    enrolments::table
        .filter(enrolments::course_id.eq(course_id.parse::<uuid::Uuid>().unwrap()))
        .filter(enrolments::status.eq(status))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

#[actix_web::test]
async fn twenty_parallel_enrolments_into_a_cohort_of_five_give_five_enrolled_and_fifteen_waitlisted() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "capacity").await;
    let cohort = app.cohort(&course.course_id, &instructor, "Spring", Some(5)).await;
    let mut people = vec![];
    for n in 0..20 {
        people.push(app.create_user(Role::Trainee, &format!("p{n}@example.org")).await);
    }
    let path = format!("/api/v1/courses/{}/enrolments", course.course_id);
    let requests = people
        .iter()
        .map(|p| app.post_json(&path, &json!({"user_id": p.id, "cohort_id": cohort}), Some(&instructor)));
    let responses = futures_util::future::join_all(requests).await;
    let mut statuses = vec![];
    for response in responses {
        assert_eq!(response.status(), 201);
        statuses.push(response.json::<Value>().await.unwrap()["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses.iter().filter(|s| *s == "active").count(), 5);
    assert_eq!(statuses.iter().filter(|s| *s == "waitlisted").count(), 15);
    assert_eq!(count_status(&app, &course.course_id, "active").await, 5);
    assert_eq!(count_status(&app, &course.course_id, "waitlisted").await, 15);

    let mails = app.delivered_emails().await;
    assert_eq!(mails.iter().filter(|m| m.subject.starts_with("You are enrolled")).count(), 5);
    assert_eq!(mails.iter().filter(|m| m.subject.contains("waiting list")).count(), 15);
    let cohorts: Value = app
        .get_as(&format!("/api/v1/courses/{}/cohorts", course.course_id), &instructor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((cohorts[0]["enrolled"].as_i64(), cohorts[0]["waitlisted"].as_i64()), (Some(5), Some(15)));
}

#[actix_web::test]
async fn a_withdrawal_gives_the_seat_to_the_first_on_the_waitlist() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "waitlist").await;
    let cohort = app.cohort(&course.course_id, &instructor, "Small", Some(1)).await;
    let path = format!("/api/v1/courses/{}/enrolments", course.course_id);
    let mut ids = vec![];
    for n in 0..3 {
        let person = app.create_user(Role::Trainee, &format!("w{n}@example.org")).await;
        let enrolment =
            app.create(&path, json!({"user_id": person.id, "cohort_id": cohort}), &instructor).await;
        ids.push(enrolment["id"].as_str().unwrap().to_owned());
    }
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/enrolments/{}", ids[0])))
        .bearer_auth(&instructor)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "withdrawn");

    let list: Value =
        app.get_as(&format!("{path}?cohort_id={cohort}"), &instructor).await.json().await.unwrap();
    let status_of = |id: &str| {
        list["items"].as_array().unwrap().iter().find(|e| e["id"] == id).unwrap()["status"].clone()
    };
    assert_eq!(status_of(&ids[0]), "withdrawn", "kept in history");
    assert_eq!(status_of(&ids[1]), "active", "the first in line moved up");
    assert_eq!(status_of(&ids[2]), "waitlisted");
    let promoted = app.emails_to("w1@example.org").await;
    assert!(
        promoted.iter().any(|m| m.subject.starts_with("A place is yours")),
        "{:?}",
        promoted.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(app.emails_to("w0@example.org").await.iter().any(|m| m.subject.contains("has ended")));
}

#[actix_web::test]
async fn two_parallel_enrolments_of_one_person_give_one_201_and_one_409() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "twice").await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let path = format!("/api/v1/courses/{}/enrolments", course.course_id);
    let (a, b) = futures_util::join!(
        app.post_json(&path, &json!({}), Some(&trainee)),
        app.post_json(&path, &json!({}), Some(&trainee))
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    assert_eq!(count_status(&app, &course.course_id, "active").await, 1);
}

#[actix_web::test]
async fn a_locked_lesson_cannot_be_completed_or_read_until_the_previous_module_is_done() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "locking").await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let enrolment =
        app.create(&format!("/api/v1/courses/{}/enrolments", course.course_id), json!({}), &trainee).await;
    let enrolment_id = enrolment["id"].as_str().unwrap();
    let complete = async |lesson: &str| {
        app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&trainee)).await
    };

    problem(complete(&course.lesson_ids[2]).await, 409).await;
    problem(app.get_as(&format!("/api/v1/lessons/{}", course.lesson_ids[2]), &trainee).await, 409).await;
    let lesson: Value = app
        .get_as(&format!("/api/v1/lessons/{}", course.lesson_ids[0]), &trainee)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(lesson["body_html"], "<p>Read this.</p>\n");

    let outline: Value = complete(&course.lesson_ids[0]).await.json().await.unwrap();
    assert_eq!(outline["percent_complete"], 25);
    // Idempotent.
    let again: Value = complete(&course.lesson_ids[0]).await.json().await.unwrap();
    assert_eq!(again["percent_complete"], 25);
    let outline: Value = complete(&course.lesson_ids[1]).await.json().await.unwrap();
    assert_eq!(outline["modules"][0]["status"], "completed");
    assert_eq!(outline["modules"][1]["status"], "available");
    assert_eq!(outline["modules"][1]["lessons"][0]["status"], "available");

    let fetched: Value = app
        .get_as(&format!("/api/v1/enrolments/{enrolment_id}/outline"), &trainee)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, outline);
    assert_eq!(fetched["enrolment_id"], enrolment_id);
    assert_eq!(fetched["overdue"], false);
    assert_eq!(fetched["modules"][0]["lessons"][0]["title"], "Lesson 0.0");
}

#[actix_web::test]
async fn the_last_lesson_completes_the_enrolment_once_even_when_two_requests_race() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "finish").await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let enrolment =
        app.create(&format!("/api/v1/courses/{}/enrolments", course.course_id), json!({}), &trainee).await;
    for lesson in &course.lesson_ids[..3] {
        assert_eq!(
            app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&trainee))
                .await
                .status(),
            200
        );
    }
    let last = format!("/api/v1/lessons/{}/complete", course.lesson_ids[3]);
    let (a, b) = futures_util::join!(
        app.post_json(&last, &json!({}), Some(&trainee)),
        app.post_json(&last, &json!({}), Some(&trainee))
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let outline: Value = a.json().await.unwrap();
    assert_eq!(outline["status"], "completed");
    assert_eq!(outline["percent_complete"], 100);

    let mut conn = app.conn().await;
    let id: uuid::Uuid = enrolment["id"].as_str().unwrap().parse().unwrap();
    let events: i64 = domain_events::table
        .filter(domain_events::kind.eq("enrolment_completed"))
        .filter(domain_events::entity_id.eq(id))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(events, 1);
    let completed_at: Option<chrono::DateTime<chrono::Utc>> =
        enrolments::table.find(id).select(enrolments::completed_at).first(&mut conn).await.unwrap();
    assert!(completed_at.is_some());
    problem(
        app.post_json(
            &format!("/api/v1/courses/{}/enrolments", course.course_id),
            &json!({}),
            Some(&trainee),
        )
        .await,
        409,
    )
    .await;
}

#[actix_web::test]
async fn a_module_with_a_quiz_cannot_complete_on_lessons_alone() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.build_course(&instructor, "with-quiz").await;
    app.publish(&course.course_id, &instructor).await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    app.create(&format!("/api/v1/courses/{}/enrolments", course.course_id), json!({}), &trainee).await;
    let mut outline = Value::Null;
    for lesson in &course.lesson_ids {
        outline = app
            .post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&trainee))
            .await
            .json()
            .await
            .unwrap();
    }
    assert_eq!(outline["status"], "active");
    assert_eq!(outline["modules"][1]["status"], "available");
    assert_eq!(outline["modules"][1]["quizzes"][0]["status"], "available");
    assert_eq!(outline["percent_complete"], 80);
}

#[actix_web::test]
async fn withdrawing_keeps_the_history_and_a_new_enrolment_starts_fresh() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "again").await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let path = format!("/api/v1/courses/{}/enrolments", course.course_id);
    let first = app.create(&path, json!({}), &trainee).await;
    app.post_json(&format!("/api/v1/lessons/{}/complete", course.lesson_ids[0]), &json!({}), Some(&trainee))
        .await;
    let first_id = first["id"].as_str().unwrap();
    assert_eq!(
        app.client
            .delete(app.url(&format!("/api/v1/enrolments/{first_id}")))
            .bearer_auth(&trainee)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    problem(
        app.client
            .delete(app.url(&format!("/api/v1/enrolments/{first_id}")))
            .bearer_auth(&trainee)
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;

    let second = app.create(&path, json!({}), &trainee).await;
    assert_ne!(second["id"], first["id"]);
    let mine: Value = app.get_as("/api/v1/me/enrolments", &trainee).await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let old: Value =
        app.get_as(&format!("/api/v1/enrolments/{first_id}/outline"), &trainee).await.json().await.unwrap();
    assert_eq!(old["status"], "withdrawn");
    assert_eq!(old["percent_complete"], 25, "the old record is still readable");
}

#[actix_web::test]
async fn who_may_enrol_and_see_enrolments() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "rules").await;
    let path = format!("/api/v1/courses/{}/enrolments", course.course_id);

    // Unverified email: no self-enrolment.
    let body = json!({"email": "new@example.org", "password": "brand new passphrase", "full_name": "New"});
    app.post_json("/api/v1/auth/register", &body, None).await;
    let unverified = app.login("new@example.org", "brand new passphrase").await;
    problem(app.post_json(&path, &json!({}), unverified["access_token"].as_str()).await, 403).await;

    // A trainee cannot enrol someone else, nor list the course's enrolments.
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let other = app.create_user(Role::Trainee, "other@example.org").await;
    problem(app.post_json(&path, &json!({"user_id": other.id}), Some(&trainee)).await, 403).await;
    problem(app.get_as(&path, &trainee).await, 403).await;
    let theirs = app.create(&path, json!({"user_id": other.id}), &instructor).await;
    problem(
        app.get_as(&format!("/api/v1/enrolments/{}/outline", theirs["id"].as_str().unwrap()), &trainee).await,
        404,
    )
    .await;

    // Invitation-only courses refuse self-enrolment; drafts are invisible.
    let patch = app
        .patch_json(
            &format!("/api/v1/courses/{}", course.course_id),
            &json!({"self_enrolment": false}),
            &instructor,
        )
        .await;
    assert_eq!(patch.status(), 200);
    problem(app.post_json(&path, &json!({}), Some(&trainee)).await, 403).await;
    let draft = app
        .create("/api/v1/courses", json!({"slug": "draft-only", "title": "D", "language": "en"}), &instructor)
        .await;
    problem(
        app.post_json(
            &format!("/api/v1/courses/{}/enrolments", draft["id"].as_str().unwrap()),
            &json!({}),
            Some(&trainee),
        )
        .await,
        404,
    )
    .await;
}

#[actix_web::test]
async fn a_csv_gives_one_result_per_row_and_bad_rows_spoil_nothing() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "bulk").await;
    app.cohort(&course.course_id, &instructor, "Spring", Some(1)).await;
    app.create_user(Role::Trainee, "known@example.org").await;
    app.create_user(Role::Trainee, "second@example.org").await;
    let csv = "email,full_name,organisation,cohort\n\
               known@example.org,Known Person,Ministry,Spring\n\
               not-an-email,Broken Row,Ministry,Spring\n\
               KNOWN@example.org,Known Again,Ministry,Spring\n\
               anna@example.org,Анна Петрова,МИД,Spring\n\
               second@example.org,Second Person,,spring\n\
               ghost@example.org,Ghost,,Autumn\n";
    let response = app
        .client
        .post(app.url(&format!("/api/v1/courses/{}/enrolments/bulk", course.course_id)))
        .header("content-type", "text/csv")
        .bearer_auth(&instructor)
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let outcomes: Vec<(i64, &str)> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_i64().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [(2, "enrolled"), (3, "error"), (4, "error"), (5, "invited"), (6, "waitlisted"), (7, "error")]
    );
    assert!(report["rows"][2]["message"].as_str().unwrap().contains("duplicate of line 2"));
    assert!(report["rows"][5]["message"].as_str().unwrap().contains("Autumn"));
    assert_eq!(
        (report["enrolled"].as_i64(), report["invited"].as_i64(), report["errors"].as_i64()),
        (Some(1), Some(1), Some(3))
    );

    // The Cyrillic invitee accepts and lands in the course and cohort.
    let invitation = &app.emails_to("anna@example.org").await[0];
    assert!(invitation.text.contains("Анна Петрова"));
    let accept = json!({"token": invitation.token(), "password": "invited passphrase 42", "full_name": "Анна Петрова"});
    assert_eq!(app.post_json("/api/v1/invitations/accept", &accept, None).await.status(), 201);
    let anna = app.login("anna@example.org", "invited passphrase 42").await;
    let mine: Value = app
        .get_as("/api/v1/me/enrolments", anna["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["course_id"], course.course_id.as_str());
    assert_eq!(mine[0]["status"], "waitlisted", "the one seat was taken");
}

#[actix_web::test]
async fn a_csv_needs_its_header_and_content_type() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "bulk-bad").await;
    let path = app.url(&format!("/api/v1/courses/{}/enrolments/bulk", course.course_id));
    let response = app
        .client
        .post(&path)
        .header("content-type", "text/csv")
        .bearer_auth(&instructor)
        .body("name,mail\na,b\n")
        .send()
        .await
        .unwrap();
    problem(response, 422).await;
    let response = app
        .client
        .post(&path)
        .header("content-type", "application/json")
        .bearer_auth(&instructor)
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(response, 415).await;
}
