use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use poc_lms::db::schema::{refresh_tokens, users};
use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::users::PASSWORD;
use crate::helpers::{TEST_JWT_SECRET, TestApp, TestOptions, problem};

async fn stored_hash(app: &TestApp, email: &str) -> String {
    let mut conn = app.conn().await;
    users::table
        .filter(users::email_key.eq(email.to_lowercase()))
        .select(users::password_hash)
        .first(&mut conn)
        .await
        .unwrap()
}

#[actix_web::test]
async fn login_returns_a_token_pair_and_passwords_are_stored_as_argon2id_with_owasp_parameters() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "ana@example.org").await;
    // The email is compared without regard to case or surrounding spaces.
    let tokens = app.login("  ANA@example.org ", PASSWORD).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(tokens["refresh_token"].as_str().unwrap().len() >= 43);
    let hash = stored_hash(&app, "ana@example.org").await;
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");

    let me = app.get_as("/api/v1/me", tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], "ana@example.org");
    assert_eq!(me["role"], "trainee");
    assert!(me.get("password_hash").is_none());
}

#[actix_web::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "known@example.org").await;
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "known@example.org", "password": "not the password!"}),
            None,
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "nobody@example.org", "password": "not the password!"}),
            None,
        )
        .await;
    let wrong = problem(wrong, 401).await;
    let unknown = problem(unknown, 401).await;
    assert_eq!(wrong, unknown);
}

#[actix_web::test]
async fn tampered_expired_and_wrongly_signed_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (user, token) = app.signed_in(Role::Trainee).await;
    assert_eq!(app.get_as("/api/v1/me", &token).await.status(), 200);

    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1].insert(0, 'A');
    problem(app.get_as("/api/v1/me", &parts.join(".")).await, 401).await;

    let claims = |exp: i64, ver: i32| json!({"sub": user.id, "role": "admin", "exp": exp, "iat": Utc::now().timestamp() - 1000, "jti": uuid::Uuid::new_v4(), "ver": ver});
    let sign = |secret: &[u8], claims: &Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap()
    };
    let expired = sign(TEST_JWT_SECRET.as_bytes(), &claims(Utc::now().timestamp() - 60, 0));
    problem(app.get_as("/api/v1/me", &expired).await, 401).await;
    let foreign = sign(b"some-other-secret-of-enough-length!!", &claims(Utc::now().timestamp() + 600, 0));
    problem(app.get_as("/api/v1/me", &foreign).await, 401).await;
    let response = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    problem(response, 401).await;
}

#[actix_web::test]
async fn a_refresh_token_rotates_and_a_reused_one_kills_its_whole_family() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "rot@example.org").await;
    let first = app.login("rot@example.org", PASSWORD).await;
    let refresh = async |token: Value| {
        app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": token}), None).await
    };
    let second = refresh(first["refresh_token"].clone()).await;
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(app.get_as("/api/v1/me", second["access_token"].as_str().unwrap()).await.status(), 200);

    // The first token is presented again: someone has a copy. Both it and its successor die.
    problem(refresh(first["refresh_token"].clone()).await, 401).await;
    problem(refresh(second["refresh_token"].clone()).await, 401).await;
    let mut conn = app.conn().await;
    let live: i64 = refresh_tokens::table
        .filter(refresh_tokens::revoked_at.is_null())
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(live, 0);
    // Another login (another family) is unaffected by that.
    app.login("rot@example.org", PASSWORD).await;
}

#[actix_web::test]
async fn two_concurrent_refreshes_with_one_token_give_one_new_pair() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "race@example.org").await;
    let tokens = app.login("race@example.org", PASSWORD).await;
    let body = json!({"refresh_token": tokens["refresh_token"]});
    let (a, b) = futures_util::join!(
        app.post_json("/api/v1/auth/refresh", &body, None),
        app.post_json("/api/v1/auth/refresh", &body, None)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 401]);
}

#[actix_web::test]
async fn logout_revokes_the_refresh_token_family() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "out@example.org").await;
    let tokens = app.login("out@example.org", PASSWORD).await;
    let body = json!({"refresh_token": tokens["refresh_token"]});
    let response = app.post_json("/api/v1/auth/logout", &body, None).await;
    assert_eq!(response.status(), 204);
    problem(app.post_json("/api/v1/auth/refresh", &body, None).await, 401).await;
    // Logging out again (or with an unknown token) answers the same.
    assert_eq!(app.post_json("/api/v1/auth/logout", &body, None).await.status(), 204);
}

#[actix_web::test]
async fn a_sixth_wrong_password_is_429_and_the_right_password_is_refused_during_the_lockout() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "victim@example.org").await;
    let attempt = async |password: &str| {
        app.post_json(
            "/api/v1/auth/login",
            &json!({"email": "victim@example.org", "password": password}),
            None,
        )
        .await
    };
    for _ in 0..5 {
        problem(attempt("wrong password here").await, 401).await;
    }
    let sixth = attempt("wrong password here").await;
    let retry_after: u64 = sixth.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    problem(sixth, 429).await;
    problem(attempt(PASSWORD).await, 429).await;

    // Once the window has passed, the right password works again.
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE login_failures SET created_at = created_at - interval '16 minutes'")
        .execute(&mut conn)
        .await
        .unwrap();
    app.login("victim@example.org", PASSWORD).await;
}

#[actix_web::test]
async fn one_address_is_limited_to_thirty_failures_across_emails() {
    let app = TestApp::spawn().await;
    for n in 0..30 {
        let body = json!({"email": format!("guess{n}@example.org"), "password": "wrong password here"});
        problem(app.post_json("/api/v1/auth/login", &body, None).await, 401).await;
    }
    let body = json!({"email": "guess-next@example.org", "password": "wrong password here"});
    problem(app.post_json("/api/v1/auth/login", &body, None).await, 429).await;
}

#[actix_web::test]
async fn a_hash_with_older_parameters_is_replaced_at_the_next_login() {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "old@example.org").await;
    let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(4096, 1, 1, None).unwrap())
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
    {
        let mut conn = app.conn().await;
        diesel::update(users::table.filter(users::email_key.eq("old@example.org")))
            .set(users::password_hash.eq(&weak))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    app.login("old@example.org", PASSWORD).await;
    assert!(stored_hash(&app, "old@example.org").await.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

#[actix_web::test]
async fn registration_answers_the_same_whether_or_not_the_address_is_taken() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "taken@example.org").await;
    let register = async |email: &str| {
        let body = json!({"email": email, "password": "brand new passphrase", "full_name": "Иван Иванов"});
        app.post_json("/api/v1/auth/register", &body, None).await
    };
    let fresh = register("fresh@example.org").await;
    let taken = register("Taken@Example.org").await;
    assert_eq!(fresh.status(), 202);
    assert_eq!(taken.status(), 202);
    let fresh: Value = fresh.json().await.unwrap();
    let taken: Value = taken.json().await.unwrap();
    assert_eq!(fresh, taken);

    let notice = app.emails_to("taken@example.org").await;
    assert_eq!(notice.len(), 1);
    assert!(notice[0].subject.contains("register"), "{}", notice[0].subject);
    let verification = app.emails_to("fresh@example.org").await;
    assert_eq!(verification.len(), 1);
    assert!(verification[0].text.contains("Иван Иванов"));
    assert!(verification[0].text.contains("http://lms.test/verify-email?token="));
    assert!(
        verification[0].html.contains("href=\"http://lms.test/verify-email?token="),
        "{}",
        verification[0].html
    );

    let mut conn = app.conn().await;
    let count: i64 = users::table
        .filter(users::email_key.eq("taken@example.org"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(count, 1, "no second account for a taken address");
    let (role, verified): (String, Option<chrono::DateTime<Utc>>) = users::table
        .filter(users::email_key.eq("fresh@example.org"))
        .select((users::role, users::email_verified_at))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(role, "trainee");
    assert!(verified.is_none());
}

#[actix_web::test]
async fn registration_reports_every_invalid_field() {
    let app = TestApp::spawn().await;
    let body = json!({"email": "not-an-email", "password": "short", "full_name": "  "});
    let problem = problem(app.post_json("/api/v1/auth/register", &body, None).await, 422).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "full_name", "password"]);
    let common = json!({"email": "x@example.org", "password": "Password1234", "full_name": "X"});
    let problem2 =
        crate::helpers::problem(app.post_json("/api/v1/auth/register", &common, None).await, 422).await;
    assert!(problem2["errors"][0]["message"].as_str().unwrap().contains("common"));
}

#[actix_web::test]
async fn registration_can_be_switched_off() {
    let app = TestApp::spawn_with(TestOptions {
        extra_env: vec![("ALLOW_SELF_REGISTRATION", "off".into())],
        ..Default::default()
    })
    .await;
    let body = json!({"email": "a@example.org", "password": "brand new passphrase", "full_name": "A"});
    problem(app.post_json("/api/v1/auth/register", &body, None).await, 403).await;
}

#[actix_web::test]
async fn the_emailed_token_verifies_the_address_once() {
    let app = TestApp::spawn().await;
    let body = json!({"email": "verify@example.org", "password": "brand new passphrase", "full_name": "V"});
    assert_eq!(app.post_json("/api/v1/auth/register", &body, None).await.status(), 202);
    let token = app.emails_to("verify@example.org").await[0].token();

    let response = app.post_json("/api/v1/auth/verify-email", &json!({"token": token}), None).await;
    assert_eq!(response.status(), 204);
    let tokens = app.login("verify@example.org", "brand new passphrase").await;
    let me: Value =
        app.get_as("/api/v1/me", tokens["access_token"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(me["email_verified"], true);

    problem(app.post_json("/api/v1/auth/verify-email", &json!({"token": token}), None).await, 422).await;
    problem(app.post_json("/api/v1/auth/verify-email", &json!({"token": "made-up"}), None).await, 422).await;
}

#[actix_web::test]
async fn password_reset_does_not_reveal_accounts_and_a_reset_ends_every_session() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Trainee, "reset@example.org").await;
    let session = app.login("reset@example.org", PASSWORD).await;

    let unknown =
        app.post_json("/api/v1/auth/password-reset", &json!({"email": "ghost@example.org"}), None).await;
    let known =
        app.post_json("/api/v1/auth/password-reset", &json!({"email": "reset@example.org"}), None).await;
    assert_eq!(unknown.status(), 202);
    assert_eq!(known.status(), 202);
    assert_eq!(unknown.json::<Value>().await.unwrap(), known.json::<Value>().await.unwrap());
    assert!(app.emails_to("ghost@example.org").await.is_empty());
    let token = app.emails_to("reset@example.org").await[0].token();

    // The new password must meet the policy.
    let weak = json!({"token": token, "new_password": "short"});
    let weak = problem(app.post_json("/api/v1/auth/password-reset/confirm", &weak, None).await, 422).await;
    assert_eq!(weak["errors"][0]["field"], "new_password");

    let confirm = json!({"token": token, "new_password": "a completely new passphrase"});
    assert_eq!(app.post_json("/api/v1/auth/password-reset/confirm", &confirm, None).await.status(), 204);
    problem(app.post_json("/api/v1/auth/password-reset/confirm", &confirm, None).await, 422).await;

    problem(app.get_as("/api/v1/me", session["access_token"].as_str().unwrap()).await, 401).await;
    let refresh = json!({"refresh_token": session["refresh_token"]});
    problem(app.post_json("/api/v1/auth/refresh", &refresh, None).await, 401).await;
    let old = app
        .post_json("/api/v1/auth/login", &json!({"email": "reset@example.org", "password": PASSWORD}), None)
        .await;
    problem(old, 401).await;
    app.login("reset@example.org", "a completely new passphrase").await;
    let changed = app.emails_to("reset@example.org").await;
    assert!(changed.iter().any(|m| m.subject.contains("password was changed")));
}

#[actix_web::test]
async fn an_invitation_creates_the_account_once() {
    let app = TestApp::spawn().await;
    let (_, admin_token) = app.signed_in(Role::Admin).await;
    let course_id = uuid::Uuid::new_v4();
    let body = json!({"email": "invitee@example.org", "full_name": "Olena Kovalenko", "role": "instructor", "course_ids": [course_id]});
    let response = app.post_json("/api/v1/invitations", &body, Some(&admin_token)).await;
    assert_eq!(response.status(), 201);
    let invitation: Value = response.json().await.unwrap();
    assert_eq!(invitation["role"], "instructor");
    assert_eq!(invitation["course_ids"][0], course_id.to_string());
    assert!(invitation.get("token").is_none(), "the token travels only by email");

    let email = &app.emails_to("invitee@example.org").await[0];
    assert!(email.text.contains("accept-invitation?token="));
    let accept =
        json!({"token": email.token(), "password": "invited passphrase 42", "full_name": "Olena Kovalenko"});
    let response = app.post_json("/api/v1/invitations/accept", &accept, None).await;
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["role"], "instructor");
    assert_eq!(user["email_verified"], true);
    app.login("invitee@example.org", "invited passphrase 42").await;

    problem(app.post_json("/api/v1/invitations/accept", &accept, None).await, 409).await;
    // Inviting an address that now has an account is a conflict.
    problem(app.post_json("/api/v1/invitations", &body, Some(&admin_token)).await, 409).await;
}

#[actix_web::test]
async fn only_admins_invite() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let body = json!({"email": "x@example.org", "role": "trainee"});
    problem(app.post_json("/api/v1/invitations", &body, Some(&instructor)).await, 403).await;
    problem(app.post_json("/api/v1/invitations", &body, None).await, 401).await;
}

#[actix_web::test]
async fn an_expired_invitation_is_refused() {
    let app = TestApp::spawn().await;
    let (_, admin_token) = app.signed_in(Role::Admin).await;
    let body = json!({"email": "late@example.org", "role": "trainee"});
    assert_eq!(app.post_json("/api/v1/invitations", &body, Some(&admin_token)).await.status(), 201);
    let token = app.emails_to("late@example.org").await[0].token();
    {
        let mut conn = app.conn().await;
        diesel::sql_query("UPDATE invitations SET expires_at = now() - interval '1 second'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let accept = json!({"token": token, "password": "invited passphrase 42", "full_name": "Late"});
    problem(app.post_json("/api/v1/invitations/accept", &accept, None).await, 422).await;
}
