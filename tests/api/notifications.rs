use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use poc_lms::db::schema::email_outbox;
use poc_lms::notifications::outbox::{self, NewEmail};
use poc_lms::notifications::{reminders, worker};
use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem};

async fn queued_kinds(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    let mut conn = app.conn().await;
    email_outbox::table
        .order(email_outbox::created_at)
        .select((email_outbox::kind, email_outbox::recipient, email_outbox::dedup_key))
        .load(&mut conn)
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_reminder_scan_queues_each_reminder_once_and_respects_the_preference() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "deadlines").await;
    let path = format!("/api/v1/courses/{}/enrolments", course.course_id);
    let today = chrono::Utc::now().date_naive();
    let soon = app.create_user(Role::Trainee, "soon@example.org").await;
    let tomorrow = app.create_user(Role::Trainee, "tomorrow@example.org").await;
    let late = app.create_user(Role::Trainee, "late@example.org").await;
    let quiet = app.create_user(Role::Trainee, "quiet@example.org").await;
    for (user, due) in [
        (&soon, today + chrono::Duration::days(5)),
        (&tomorrow, today + chrono::Duration::days(1)),
        (&late, today - chrono::Duration::days(1)),
        (&quiet, today + chrono::Duration::days(3)),
    ] {
        app.create(&path, json!({"user_id": user.id, "due_on": due}), &instructor).await;
    }
    {
        let mut conn = app.conn().await;
        diesel::sql_query("UPDATE users SET reminder_emails = false WHERE email = 'quiet@example.org'")
            .execute(&mut conn)
            .await
            .unwrap();
        diesel::delete(email_outbox::table).execute(&mut conn).await.unwrap();
    }

    assert_eq!(reminders::scan(&app.state).await.unwrap(), 3);
    assert_eq!(reminders::scan(&app.state).await.unwrap(), 0, "a second scan queues nothing");
    let keys: Vec<String> = queued_kinds(&app).await.into_iter().filter_map(|(_, _, key)| key).collect();
    assert!(keys.iter().any(|k| k.starts_with("deadline-7d:")));
    assert!(keys.iter().any(|k| k.starts_with("deadline-1d:")));
    assert!(keys.iter().any(|k| k.starts_with("deadline-overdue:")));

    let soon_mail = &app.emails_to("soon@example.org").await[0];
    assert!(soon_mail.subject.contains("due"), "{}", soon_mail.subject);
    assert!(soon_mail.text.contains("5 day(s)"), "{}", soon_mail.text);
    assert!(app.emails_to("late@example.org").await[0].subject.contains("overdue"));
    assert!(app.emails_to("quiet@example.org").await.is_empty(), "reminders turned off");
}

#[actix_web::test]
async fn certificate_expiry_notices_go_out_once_per_step() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "expiring").await;
    let (trainee, token) = app.signed_in(Role::Trainee).await;
    app.create(&format!("/api/v1/courses/{}/enrolments", course.course_id), json!({}), &token).await;
    for lesson in &course.lesson_ids {
        app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&token)).await;
    }
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE certificates SET expires_at = now() + interval '20 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(reminders::scan(&app.state).await.unwrap(), 1);
    assert_eq!(reminders::scan(&app.state).await.unwrap(), 0);
    diesel::sql_query("UPDATE certificates SET expires_at = now() + interval '5 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(reminders::scan(&app.state).await.unwrap(), 1, "the 7-day step is its own notice");
    let notices: Vec<_> =
        app.emails_to(&trainee.email).await.into_iter().filter(|m| m.subject.contains("expires")).collect();
    assert_eq!(notices.len(), 2);
    assert!(notices.iter().any(|m| m.subject.contains("within 30 days")));
    assert!(notices.iter().any(|m| m.subject.contains("within 7 days")));
}

#[actix_web::test]
async fn a_550_marks_the_message_failed_and_an_admin_retry_requeues_it() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    {
        let mut conn = app.conn().await;
        outbox::enqueue(
            &mut conn,
            &NewEmail {
                kind: "test".into(),
                recipient: "bounce@example.org".into(),
                subject: "Hello".into(),
                body_text: "Hello".into(),
                body_html: None,
                dedup_key: None,
            },
        )
        .await
        .unwrap();
    }
    app.sink().reject_recipients("550 5.1.1 no such user here");
    worker::deliver_due(&app.state, None).await.unwrap();
    let failed: Value =
        app.get_as("/api/v1/admin/emails?status=failed&recipient=BOUNCE", &admin).await.json().await.unwrap();
    let item = &failed["items"][0];
    assert_eq!(item["status"], "failed");
    assert!(item["last_error"].as_str().unwrap().contains("no such user here"));

    let (_, trainee) = app.signed_in(Role::Trainee).await;
    problem(app.get_as("/api/v1/admin/emails", &trainee).await, 403).await;
    let id = item["id"].as_str().unwrap();
    let retry = app.post_json(&format!("/api/v1/admin/emails/{id}/retry"), &json!({}), Some(&admin)).await;
    assert_eq!(retry.status(), 200);
    assert_eq!(retry.json::<Value>().await.unwrap()["status"], "pending");
    problem(app.post_json(&format!("/api/v1/admin/emails/{id}/retry"), &json!({}), Some(&admin)).await, 409)
        .await;
    problem(app.get_as("/api/v1/admin/emails?status=lost", &admin).await, 400).await;
}

#[actix_web::test]
async fn two_worker_instances_deliver_five_hundred_messages_without_loss_or_duplicates() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn().await;
        for n in 0..500 {
            let email = NewEmail {
                kind: "test".into(),
                recipient: format!("m{n}@example.org"),
                subject: format!("Message {n}"),
                body_text: "x".into(),
                body_html: None,
                dedup_key: None,
            };
            outbox::enqueue(&mut conn, &email).await.unwrap();
        }
    }
    // A second instance: its own pool and SMTP connections, the same database.
    let second = poc_lms::AppState::connect(app.state.config.as_ref().clone()).await.unwrap();
    let drain = async |state: &poc_lms::AppState| {
        let mut sent = 0;
        while let Ok(report) = worker::deliver_due(state, None).await {
            if report.claimed() == 0 {
                break;
            }
            sent += report.sent;
        }
        sent
    };
    let (a, b) = futures_util::join!(drain(&app.state), drain(&second));
    assert_eq!(a + b, 500);
    assert!(a > 0 && b > 0, "both instances worked ({a} and {b})");
    let mut subjects: Vec<String> =
        app.sink().messages().iter().filter_map(|m| m.subject().map(str::to_owned)).collect();
    assert_eq!(subjects.len(), 500);
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 500, "no duplicates");
}
