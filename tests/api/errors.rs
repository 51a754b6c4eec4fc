use crate::helpers::{TestApp, problem};

#[actix_web::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let body = problem(app.get("/api/v1/nothing-here").await, 404).await;
    assert!(body["detail"].as_str().unwrap().contains("/api/v1/nothing-here"));
}

#[actix_web::test]
async fn a_known_route_with_the_wrong_method_is_a_405_problem_with_allow() {
    let app = TestApp::spawn().await;
    let response = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET");
    problem(response, 405).await;

    let response = app.client.post(app.url("/api/v1/openapi.json")).send().await.unwrap();
    problem(response, 405).await;
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert!(body["detail"].as_str().unwrap().contains("malformed JSON"));
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .unwrap();
    problem(response, 415).await;
    let response = app.client.post(app.url("/api/v1/auth/login")).body("{}").send().await.unwrap();
    problem(response, 415).await;
}

#[actix_web::test]
async fn a_missing_or_mistyped_field_is_a_422_naming_it() {
    let app = TestApp::spawn().await;
    let body = problem(
        app.post_json("/api/v1/auth/login", &serde_json::json!({"email": "a@b.org"}), None).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "password");
    let body = problem(
        app.post_json("/api/v1/auth/login", &serde_json::json!({"email": 5, "password": "x"}), None).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "email");
}

#[actix_web::test]
async fn an_oversized_body_is_a_413_problem() {
    let app = TestApp::spawn().await;
    let huge = format!("{{\"email\": \"{}\", \"password\": \"x\"}}", "a".repeat(2 * 1024 * 1024));
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    problem(response, 413).await;
}

#[actix_web::test]
async fn bad_path_and_query_parameters_are_400_problems_naming_them() {
    use poc_lms::users::Role;
    let app = TestApp::spawn().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let body = problem(app.get_as("/api/v1/users/not-a-uuid", &admin).await, 400).await;
    assert!(body["detail"].as_str().unwrap().contains("path"));
    let body = problem(app.get_as("/api/v1/users?limit=many", &admin).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "limit");
    let body = problem(app.get_as("/api/v1/users?limit=100000", &admin).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "limit");
    let body = problem(app.get_as("/api/v1/users?role=emperor", &admin).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "role");
    let body = problem(app.get_as("/api/v1/users?cursor=garbage", &admin).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "cursor");
}
