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
