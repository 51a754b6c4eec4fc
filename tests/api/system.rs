use poc_lms::AppState;
use poc_lms::db::migrate;

use crate::helpers::{TestApp, TestDatabase, TestOptions, test_config};

#[actix_web::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[actix_web::test]
async fn startup_on_an_empty_server_creates_and_migrates_the_database_and_a_second_run_is_harmless() {
    let db = TestDatabase::unborn();
    let config = test_config(&db.url, "smtp://127.0.0.1:2525", &[]);

    // Two instances starting at once: both succeed, the schema is applied once.
    let (first, second) = futures_util::join!(AppState::init(config.clone()), AppState::init(config.clone()));
    let state = first.expect("first instance starts");
    second.expect("second instance starts");

    let again = migrate::run_pending(&db.url).await.expect("migrating again works");
    assert_eq!(again, 0, "nothing left to apply");

    let app = TestApp::serve(db, state, None);
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["migrations_current"], true);
}

#[actix_web::test]
async fn readiness_goes_to_503_while_the_database_is_unreachable_and_back_to_200() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    app.db.set_reachable(false).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["database"], false);
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), 200);

    app.db.set_reachable(true).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
}

#[actix_web::test]
async fn readiness_is_503_when_a_migration_is_missing() {
    let app = TestApp::spawn().await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.conn().await;
        diesel::sql_query("DELETE FROM __diesel_schema_migrations").execute(&mut conn).await.unwrap();
    }
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], true);
    assert_eq!(body["migrations_current"], false);
}

#[actix_web::test]
async fn responses_carry_the_callers_request_id_or_a_generated_one() {
    let app = TestApp::spawn().await;
    let response =
        app.client.get(app.url("/healthz")).header("x-request-id", "trace-abc-123").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-abc-123");

    let response = app.get("/healthz").await;
    let generated = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");

    // An unusable id (too long) is replaced, not echoed.
    let long = "x".repeat(500);
    let response = app.client.get(app.url("/healthz")).header("x-request-id", &long).send().await.unwrap();
    assert_ne!(response.headers()["x-request-id"], long.as_str());
}

#[actix_web::test]
async fn metrics_expose_requests_by_route_template_pool_and_outbox_depth() {
    let app = TestApp::spawn_with(TestOptions::default()).await;
    app.get("/healthz").await;
    app.get("/no/such/thing").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#), "{text}");
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains(r#"db_pool_connections{state="in_use"}"#));
    assert!(text.contains(r#"email_outbox_messages{status="pending"} 0"#), "{text}");
}

#[actix_web::test]
async fn the_docs_page_is_served_offline() {
    let app = TestApp::spawn().await;
    let response = app.get("/docs/").await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("swagger-ui"));
    // The bare path redirects to the page.
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = no_redirects.get(app.url("/docs")).send().await.unwrap();
    assert!(response.status().is_redirection());
    let asset = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(asset.status(), 200);
}
