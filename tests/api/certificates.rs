use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use poc_lms::certificates::{credential, signing};
use poc_lms::db::schema::certificates;
use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::courses::BuiltCourse;
use crate::helpers::{TestApp, TestOptions, problem};

/// A trainee (named in Cyrillic) who completes a simple course and so holds a certificate.
struct Holder {
    token: String,
    email: String,
    course: BuiltCourse,
    instructor: String,
}

async fn complete_course(app: &TestApp, course_validity: Option<i32>) -> Holder {
    complete_course_as(app, course_validity, "Анна Петрова").await
}

async fn complete_course_as(app: &TestApp, course_validity: Option<i32>, full_name: &str) -> Holder {
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, &format!("cert-{}", uuid::Uuid::new_v4().simple())).await;
    if let Some(days) = course_validity {
        let patch = app
            .patch_json(
                &format!("/api/v1/courses/{}", course.course_id),
                &json!({"certificate_validity_days": days}),
                &instructor,
            )
            .await;
        assert_eq!(patch.status(), 200);
    }
    let email = format!("holder-{}@example.org", uuid::Uuid::new_v4().simple());
    app.create_user(Role::Trainee, &email).await;
    let token =
        app.login(&email, crate::helpers::users::PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    app.patch_json("/api/v1/me", &json!({"full_name": full_name}), &token).await;
    let holder = Holder { token, email, course, instructor };
    finish(app, &holder).await;
    holder
}

async fn finish(app: &TestApp, holder: &Holder) {
    app.create(&format!("/api/v1/courses/{}/enrolments", holder.course.course_id), json!({}), &holder.token)
        .await;
    for lesson in &holder.course.lesson_ids {
        let response = app
            .post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&holder.token))
            .await;
        assert_eq!(response.status(), 200);
    }
}

async fn my_certificates(app: &TestApp, token: &str) -> Vec<Value> {
    app.get_as("/api/v1/me/certificates", token)
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[actix_web::test]
async fn completing_issues_exactly_one_certificate_even_when_the_last_completions_race() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.simple_course(&instructor, "race-cert").await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    app.create(&format!("/api/v1/courses/{}/enrolments", course.course_id), json!({}), &trainee).await;
    for lesson in &course.lesson_ids[..3] {
        app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&trainee)).await;
    }
    let last = format!("/api/v1/lessons/{}/complete", course.lesson_ids[3]);
    let (a, b) = futures_util::join!(
        app.post_json(&last, &json!({}), Some(&trainee)),
        app.post_json(&last, &json!({}), Some(&trainee))
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let mut conn = app.conn().await;
    let count: i64 = certificates::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(count, 1);
    let mine = my_certificates(&app, &trainee).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["status"], "valid");
    assert!(mine[0]["code"].as_str().unwrap().starts_with("POC-"));
    assert!(mine[0]["expires_at"].is_null(), "no validity set: no expiry");
}

#[actix_web::test]
async fn the_credential_verifies_against_the_published_keys_and_not_once_tampered() {
    let app = TestApp::spawn().await;
    let holder = complete_course(&app, Some(730)).await;
    let certificate = &my_certificates(&app, &holder.token).await[0];
    let response: Value = app
        .get_as(
            &format!("/api/v1/certificates/{}/credential", certificate["id"].as_str().unwrap()),
            &holder.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let token = response["credential"].as_str().unwrap();

    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.unwrap();
    let keys: Vec<signing::PublicKey> =
        jwks["keys"].as_array().unwrap().iter().map(|k| signing::PublicKey::from_jwk(k).unwrap()).collect();
    let vc = credential::verify(token, &keys).expect("verifies");
    let vc = vc.get("vc").unwrap_or(&vc).clone();
    assert!(vc["@context"].is_array());
    let types = vc["type"].to_string();
    assert!(types.contains("VerifiableCredential") && types.contains("OpenBadgeCredential"), "{types}");
    assert!(vc["issuer"].is_object() || vc["issuer"].is_string());
    assert!(vc["validFrom"].is_string());
    assert!(vc["validUntil"].is_string(), "the course's certificates expire");
    assert!(vc["credentialSubject"]["achievement"]["name"].is_string());

    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut payload = engine.decode(parts[1]).unwrap();
    let at = payload.iter().position(|b| *b == b'P').unwrap();
    payload[at] = b'Q';
    let tampered = format!("{}.{}.{}", parts[0], engine.encode(&payload), parts[2]);
    assert!(credential::verify(&tampered, &keys).is_err());
}

#[actix_web::test]
async fn the_pdf_has_one_page_with_the_cyrillic_name_and_travels_with_the_issuance_email() {
    let app = TestApp::spawn().await;
    let holder = complete_course(&app, None).await;
    let certificate = &my_certificates(&app, &holder.token).await[0];
    let response = app
        .get_as(&format!("/api/v1/certificates/{}/pdf", certificate["id"].as_str().unwrap()), &holder.token)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    assert_eq!(document.get_pages().len(), 1);
    let text = document.extract_text(&[1]).unwrap();
    assert!(text.contains("Анна") && text.contains("Петрова"), "{text}");
    assert!(text.contains(certificate["code"].as_str().unwrap()));

    let mails = app.sink_messages_raw().await;
    let issued = mails.iter().find(|m| m.contains("Your certificate for")).expect("issuance email");
    let parsed = mailparse::parse_mail(issued.as_bytes()).unwrap();
    let mut parts = vec![&parsed];
    let mut attached = None;
    while let Some(part) = parts.pop() {
        if part.ctype.mimetype == "application/pdf" {
            attached = Some(part.get_body_raw().unwrap());
        }
        parts.extend(part.subparts.iter());
    }
    assert_eq!(attached.expect("a PDF attachment"), pdf.to_vec(), "the same document as online");
}

#[actix_web::test]
async fn a_name_the_font_cannot_draw_still_gets_its_issuance_email_without_the_pdf() {
    let app = TestApp::spawn().await;
    let holder = complete_course_as(&app, None, "王小明").await;
    let certificate = &my_certificates(&app, &holder.token).await[0];
    let pdf_path = format!("/api/v1/certificates/{}/pdf", certificate["id"].as_str().unwrap());
    problem(app.get_as(&pdf_path, &holder.token).await, 409).await;

    let mails = app.sink_messages_raw().await;
    let issued = mails.iter().find(|m| m.contains("Your certificate for")).expect("issuance email");
    assert!(!issued.contains("application/pdf"), "sent without the attachment");
    let mut conn = app.conn().await;
    let status: String = poc_lms::db::schema::email_outbox::table
        .filter(poc_lms::db::schema::email_outbox::recipient.eq(&holder.email))
        .filter(poc_lms::db::schema::email_outbox::attachment_certificate_id.is_not_null())
        .select(poc_lms::db::schema::email_outbox::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "sent", "settled, not left claimed");
}

async fn verify(app: &TestApp, code: &str) -> (u16, Value) {
    let response = app.get(&format!("/api/v1/verify/{code}")).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn verification_shows_valid_expired_revoked_and_superseded_and_nothing_for_a_guess() {
    let app = TestApp::spawn().await;
    let holder = complete_course(&app, Some(365)).await;
    let first = my_certificates(&app, &holder.token).await[0].clone();
    let code = first["code"].as_str().unwrap().to_owned();
    let (status, body) = verify(&app, &code).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("valid")));
    assert_eq!(body["holder_name"], "Анна Петрова");
    assert!(!body.to_string().contains(&holder.email), "no personal data beyond the name");
    // Typed sloppily, it still matches.
    assert_eq!(verify(&app, &code.to_lowercase().replace('-', " ")).await.0, 200);
    let page = app.get(&format!("/verify/{code}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Valid") && html.contains("Анна Петрова") && !html.contains(&holder.email));

    // The clock moves past the expiry.
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE certificates SET expires_at = now() - interval '1 day'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(verify(&app, &code).await.1["status"], "expired");

    // Expired: the holder may take the course again; the new certificate supersedes the old.
    finish(&app, &holder).await;
    assert_eq!(verify(&app, &code).await.1["status"], "superseded");
    let newest = my_certificates(&app, &holder.token).await[0].clone();
    assert_ne!(newest["code"], first["code"]);
    assert_eq!(newest["status"], "valid");

    // Revocation shows everywhere at once.
    let (_, admin) = app.signed_in(Role::Admin).await;
    let path = format!("/api/v1/certificates/{}/revoke", newest["id"].as_str().unwrap());
    problem(app.post_json(&path, &json!({"reason": "x"}), Some(&holder.token)).await, 403).await;
    let revoked = app.post_json(&path, &json!({"reason": "Issued in error"}), Some(&admin)).await;
    assert_eq!(revoked.status(), 200);
    let (_, body) = verify(&app, newest["code"].as_str().unwrap()).await;
    assert_eq!(
        (body["status"].as_str(), body["revocation_reason"].as_str()),
        (Some("revoked"), Some("Issued in error"))
    );
    assert!(app.emails_to(&holder.email).await.iter().any(|m| m.subject.contains("was revoked")));

    // A guessed code is 404 and says nothing.
    let (status, body) = verify(&app, "POC-0000-0000-0000").await;
    assert_eq!(status, 404);
    assert!(body.get("holder_name").is_none());
    assert_eq!(app.get("/verify/POC-0000-0000-0000").await.status(), 404);
    let _ = holder.instructor;
}

#[actix_web::test]
async fn a_completed_course_cannot_be_retaken_while_the_certificate_is_far_from_expiry() {
    let app = TestApp::spawn().await;
    let holder = complete_course(&app, Some(730)).await;
    let again = app
        .post_json(
            &format!("/api/v1/courses/{}/enrolments", holder.course.course_id),
            &json!({}),
            Some(&holder.token),
        )
        .await;
    problem(again, 409).await;
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE certificates SET expires_at = now() + interval '30 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    let again = app
        .post_json(
            &format!("/api/v1/courses/{}/enrolments", holder.course.course_id),
            &json!({}),
            Some(&holder.token),
        )
        .await;
    assert_eq!(again.status(), 201, "recertification opens 90 days before expiry");
}

#[actix_web::test]
async fn verification_is_rate_limited_per_address() {
    let app = TestApp::spawn_with(TestOptions {
        extra_env: vec![("VERIFY_RATE_LIMIT_PER_MINUTE", "3".into())],
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(verify(&app, "POC-0000-0000-0000").await.0, 404);
    }
    let response = app.get("/api/v1/verify/POC-0000-0000-0000").await;
    assert!(response.headers().contains_key("retry-after"));
    problem(response, 429).await;
}

#[actix_web::test]
async fn only_the_holder_and_admins_get_the_documents() {
    let app = TestApp::spawn().await;
    let holder = complete_course(&app, None).await;
    let id = my_certificates(&app, &holder.token).await[0]["id"].as_str().unwrap().to_owned();
    let (_, stranger) = app.signed_in(Role::Trainee).await;
    for path in [
        format!("/api/v1/certificates/{id}"),
        format!("/api/v1/certificates/{id}/pdf"),
        format!("/api/v1/certificates/{id}/credential"),
    ] {
        problem(app.get_as(&path, &stranger).await, 404).await;
    }
    // The course's instructor sees the certificate record, not the documents.
    assert_eq!(app.get_as(&format!("/api/v1/certificates/{id}"), &holder.instructor).await.status(), 200);
    problem(app.get_as(&format!("/api/v1/certificates/{id}/pdf"), &holder.instructor).await, 404).await;
}
