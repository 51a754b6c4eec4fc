use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use poc_lms::db::schema::email_outbox;
use poc_lms::notifications::outbox::{self, NewEmail, OutboxEmail};
use poc_lms::notifications::worker;

use crate::helpers::smtp;
use crate::helpers::{SmtpChoice, SmtpSink, TestApp, TestOptions};

fn test_message(to: &str, dedup: Option<&str>) -> NewEmail {
    NewEmail {
        kind: "test".into(),
        recipient: to.into(),
        subject: "Outbox test".into(),
        body_text: "Hello from the outbox.".into(),
        body_html: Some("<p>Hello from the outbox.</p>".into()),
        dedup_key: dedup.map(str::to_owned),
    }
}

async fn row(app: &TestApp, id: uuid::Uuid) -> OutboxEmail {
    let mut conn = app.conn().await;
    email_outbox::table.find(id).select(OutboxEmail::as_select()).first(&mut conn).await.unwrap()
}

#[actix_web::test]
async fn a_queued_message_is_delivered_through_a_real_smtp_exchange() {
    let app = TestApp::spawn().await;
    let id = {
        let mut conn = app.conn().await;
        outbox::enqueue(&mut conn, &test_message("ana.petrova@example.org", None)).await.unwrap().unwrap()
    };

    let report = worker::deliver_due(&app.state, None).await.unwrap();
    assert_eq!(report.sent, 1);

    let received = app.sink().messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["ana.petrova@example.org"]);
    assert_eq!(received[0].from, "no-reply@lms.test");
    assert_eq!(received[0].subject(), Some("Outbox test"));
    assert!(received[0].data.contains("Hello from the outbox."));

    let stored = row(&app, id).await;
    assert_eq!(stored.status, "sent");
    assert!(stored.sent_at.is_some());
    assert_eq!(stored.attempts, 1);

    // Nothing is sent twice.
    let report = worker::deliver_due(&app.state, None).await.unwrap();
    assert_eq!(report.claimed(), 0);
    assert_eq!(app.sink().messages().len(), 1);
}

#[actix_web::test]
async fn while_the_smtp_server_is_down_the_message_stays_queued_with_its_error_then_arrives_once() {
    let port = smtp::unused_port().await;
    let app = TestApp::spawn_with(TestOptions { smtp: SmtpChoice::Down(port), ..Default::default() }).await;
    let id = {
        let mut conn = app.conn().await;
        outbox::enqueue(&mut conn, &test_message("b@example.org", None)).await.unwrap().unwrap()
    };

    let report = worker::deliver_due(&app.state, None).await.unwrap();
    assert_eq!(report.retried, 1);
    let stored = row(&app, id).await;
    assert_eq!(stored.status, "pending");
    assert_eq!(stored.attempts, 1);
    assert!(stored.last_error.as_deref().is_some_and(|e| !e.is_empty()), "{stored:?}");
    assert!(stored.next_attempt_at > chrono::Utc::now(), "the retry is scheduled later");

    // Not due yet: the worker leaves it alone.
    assert_eq!(worker::deliver_due(&app.state, None).await.unwrap().claimed(), 0);

    // The server comes back and the retry time arrives.
    let sink = SmtpSink::start_on(port).await;
    {
        let mut conn = app.conn().await;
        diesel::update(email_outbox::table.find(id))
            .set(email_outbox::next_attempt_at.eq(diesel::dsl::now))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let report = worker::deliver_due(&app.state, None).await.unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(sink.messages().len(), 1);
    let stored = row(&app, id).await;
    assert_eq!(stored.status, "sent");
    assert_eq!(stored.attempts, 2);
    assert_eq!(stored.last_error, None);
}

#[actix_web::test]
async fn a_permanent_rejection_marks_the_message_failed_with_the_servers_reply() {
    let app = TestApp::spawn().await;
    app.sink().reject_recipients("550 5.1.1 mailbox unavailable");
    let id = {
        let mut conn = app.conn().await;
        outbox::enqueue(&mut conn, &test_message("gone@example.org", None)).await.unwrap().unwrap()
    };
    let report = worker::deliver_due(&app.state, None).await.unwrap();
    assert_eq!(report.failed, 1);
    let stored = row(&app, id).await;
    assert_eq!(stored.status, "failed");
    assert!(stored.last_error.unwrap().contains("mailbox unavailable"));
    assert!(app.sink().messages().is_empty());
}

#[actix_web::test]
async fn a_message_with_a_dedup_key_is_queued_once() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let first = outbox::enqueue(&mut conn, &test_message("c@example.org", Some("reminder:1"))).await.unwrap();
    let second =
        outbox::enqueue(&mut conn, &test_message("c@example.org", Some("reminder:1"))).await.unwrap();
    assert!(first.is_some());
    assert!(second.is_none());
    let count: i64 = email_outbox::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(count, 1);
}

#[actix_web::test]
async fn a_rolled_back_transaction_queues_nothing() {
    use diesel_async::AsyncConnection;
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let result: Result<(), diesel::result::Error> = conn
        .transaction(async |tx| {
            outbox::enqueue(tx, &test_message("d@example.org", None)).await?;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(result.is_err());
    let count: i64 = email_outbox::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(count, 0);
}

#[actix_web::test]
async fn two_workers_deliver_every_message_exactly_once() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn().await;
        for n in 0..120 {
            outbox::enqueue(&mut conn, &test_message(&format!("user{n}@example.org"), None)).await.unwrap();
        }
    }
    // Two workers drain the queue concurrently, batch after batch.
    let drain = || async {
        let mut sent = 0;
        loop {
            let report = worker::deliver_due(&app.state, None).await.unwrap();
            if report.claimed() == 0 {
                return sent;
            }
            sent += report.sent;
        }
    };
    let (a, b) = futures_util::join!(drain(), drain());
    assert_eq!(a + b, 120);
    let mut recipients: Vec<String> = app.sink().messages().into_iter().flat_map(|m| m.to).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 120);
    assert_eq!(app.sink().messages().len(), 120);
}

#[actix_web::test]
async fn a_claim_whose_lease_expired_is_taken_over_by_another_worker() {
    let app = TestApp::spawn().await;
    let id = {
        let mut conn = app.conn().await;
        outbox::enqueue(&mut conn, &test_message("e@example.org", None)).await.unwrap().unwrap()
    };
    {
        // A worker claims the message and dies before sending it.
        let mut conn = app.conn().await;
        let claimed = outbox::claim_due(&mut conn, 10, std::time::Duration::from_secs(300)).await.unwrap();
        assert_eq!(claimed.len(), 1);
    }
    assert_eq!(
        worker::deliver_due(&app.state, None).await.unwrap().claimed(),
        0,
        "leased to the dead worker"
    );
    {
        let mut conn = app.conn().await;
        diesel::update(email_outbox::table.find(id))
            .set(email_outbox::locked_until.eq(diesel::dsl::now))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let report = worker::deliver_due(&app.state, None).await.unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(app.sink().messages().len(), 1);
}
