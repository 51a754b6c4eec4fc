use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::users::PASSWORD;
use crate::helpers::{TestApp, problem};

#[actix_web::test]
async fn a_user_updates_their_own_profile() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_in(Role::Trainee).await;
    let body = json!({"full_name": "Мария Иванова", "preferred_language": "ru", "reminder_emails": false});
    let response = app.patch_json("/api/v1/me", &body, &token).await;
    assert_eq!(response.status(), 200);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["full_name"], "Мария Иванова");
    assert_eq!(me["preferred_language"], "ru");
    assert_eq!(me["reminder_emails"], false);

    let bad = json!({"full_name": "", "preferred_language": "english please"});
    let bad = problem(app.patch_json("/api/v1/me", &bad, &token).await, 422).await;
    assert_eq!(bad["errors"].as_array().unwrap().len(), 2);
    // Nothing of a refused update is written.
    let me: Value = app.get_as("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["full_name"], "Мария Иванова");

    // A field that does not exist (here: trying to become admin) is refused, not ignored.
    problem(app.patch_json("/api/v1/me", &json!({"role": "admin"}), &token).await, 422).await;
}

#[actix_web::test]
async fn changing_the_password_needs_the_current_one_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let (user, token) = app.signed_in(Role::Trainee).await;
    let missing = problem(
        app.patch_json("/api/v1/me", &json!({"password": "another passphrase 9"}), &token).await,
        422,
    )
    .await;
    assert_eq!(missing["errors"][0]["field"], "current_password");
    let wrong = json!({"password": "another passphrase 9", "current_password": "not my password"});
    problem(app.patch_json("/api/v1/me", &wrong, &token).await, 422).await;

    let right = json!({"password": "another passphrase 9", "current_password": PASSWORD});
    assert_eq!(app.patch_json("/api/v1/me", &right, &token).await.status(), 200);
    problem(app.get_as("/api/v1/me", &token).await, 401).await;
    app.login(&user.email, "another passphrase 9").await;
    let notices = app.emails_to(&user.email).await;
    assert_eq!(notices.len(), 1);
    assert!(notices[0].subject.contains("password was changed"));
}

#[actix_web::test]
async fn a_deactivated_users_unexpired_access_token_is_refused_at_once() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (trainee, trainee_token) = app.signed_in(Role::Trainee).await;
    assert_eq!(app.get_as("/api/v1/me", &trainee_token).await.status(), 200);

    let path = format!("/api/v1/users/{}", trainee.id);
    let response = app.patch_json(&path, &json!({"status": "deactivated"}), &admin).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "deactivated");

    problem(app.get_as("/api/v1/me", &trainee_token).await, 401).await;
    let login = app
        .post_json("/api/v1/auth/login", &json!({"email": trainee.email, "password": PASSWORD}), None)
        .await;
    problem(login, 401).await;

    // Reactivated, the person can log in again (old tokens stay dead).
    assert_eq!(app.patch_json(&path, &json!({"status": "active"}), &admin).await.status(), 200);
    problem(app.get_as("/api/v1/me", &trainee_token).await, 401).await;
    app.login(&trainee.email, PASSWORD).await;
}

#[actix_web::test]
async fn the_last_active_admin_can_be_neither_demoted_nor_deactivated() {
    let app = TestApp::spawn().await;
    let (admin, token) = app.signed_in(Role::Admin).await;
    let path = format!("/api/v1/users/{}", admin.id);
    problem(app.patch_json(&path, &json!({"role": "instructor"}), &token).await, 409).await;
    problem(app.patch_json(&path, &json!({"status": "deactivated"}), &token).await, 409).await;

    // With a second admin, the first may step down.
    let (second, second_token) = app.signed_in(Role::Admin).await;
    let response = app.patch_json(&path, &json!({"role": "instructor"}), &second_token).await;
    assert_eq!(response.status(), 200);
    let second_path = format!("/api/v1/users/{}", second.id);
    problem(app.patch_json(&second_path, &json!({"status": "deactivated"}), &second_token).await, 409).await;
}

#[actix_web::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = TestApp::spawn().await;
    let (a, a_token) = app.signed_in(Role::Admin).await;
    let (b, b_token) = app.signed_in(Role::Admin).await;
    let demote = json!({"role": "trainee"});
    let path_a = format!("/api/v1/users/{}", a.id);
    let path_b = format!("/api/v1/users/{}", b.id);
    let (first, second) = futures_util::join!(
        app.patch_json(&path_b, &demote, &a_token),
        app.patch_json(&path_a, &demote, &b_token)
    );
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    // The loser is either refused as the last admin (409) or no longer an admin at all (403).
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert!(statuses[1] == 409 || statuses[1] == 403, "{statuses:?}");
}

#[actix_web::test]
async fn admins_list_users_with_filters_and_pages() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    for n in 0..5 {
        app.create_user(Role::Trainee, &format!("trainee{n}@example.org")).await;
    }
    app.create_user(Role::Instructor, "teacher@example.org").await;

    let page: Value = app.get_as("/api/v1/users?role=trainee&limit=2", &admin).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let mut seen: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()).collect();
    let mut cursor = page["next_cursor"].as_str().map(str::to_owned);
    while let Some(next) = cursor {
        let page: Value = app
            .get_as(&format!("/api/v1/users?role=trainee&limit=2&cursor={next}"), &admin)
            .await
            .json()
            .await
            .unwrap();
        seen.extend(
            page["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()),
        );
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    seen.sort();
    assert_eq!(seen, (0..5).map(|n| format!("trainee{n}@example.org")).collect::<Vec<_>>());

    let found: Value = app.get_as("/api/v1/users?q=TEACH", &admin).await.json().await.unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["role"], "instructor");
    let none: Value = app.get_as("/api/v1/users?q=%25", &admin).await.json().await.unwrap();
    assert_eq!(none["items"].as_array().unwrap().len(), 0, "LIKE wildcards in q match literally");
}

#[actix_web::test]
async fn user_administration_is_for_admins_only() {
    let app = TestApp::spawn().await;
    let (trainee, trainee_token) = app.signed_in(Role::Trainee).await;
    let (_, instructor_token) = app.signed_in(Role::Instructor).await;
    problem(app.get_as("/api/v1/users", &trainee_token).await, 403).await;
    problem(app.get_as("/api/v1/users", &instructor_token).await, 403).await;
    let path = format!("/api/v1/users/{}", trainee.id);
    problem(app.patch_json(&path, &json!({"role": "admin"}), &trainee_token).await, 403).await;
    problem(app.get_as(&path, &instructor_token).await, 403).await;
    problem(app.client.get(app.url("/api/v1/users")).send().await.unwrap(), 401).await;
}

#[actix_web::test]
async fn an_unknown_user_is_404() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    problem(app.get_as(&format!("/api/v1/users/{}", uuid::Uuid::new_v4()), &admin).await, 404).await;
}
