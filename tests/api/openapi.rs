use crate::helpers::TestApp;

/// Every route the service answers; a new route must be added here and to the document.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/docs"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/verify-email"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    ("post", "/api/v1/invitations"),
    ("post", "/api/v1/invitations/accept"),
    ("get", "/api/v1/me"),
    ("patch", "/api/v1/me"),
    ("get", "/api/v1/users"),
    ("get", "/api/v1/users/{id}"),
    ("patch", "/api/v1/users/{id}"),
    ("get", "/api/v1/courses"),
    ("post", "/api/v1/courses"),
    ("get", "/api/v1/courses/{id}"),
    ("patch", "/api/v1/courses/{id}"),
    ("delete", "/api/v1/courses/{id}"),
    ("post", "/api/v1/courses/{id}/publish"),
    ("post", "/api/v1/courses/{id}/archive"),
    ("get", "/api/v1/courses/{id}/export"),
    ("get", "/api/v1/courses/{id}/instructors"),
    ("post", "/api/v1/courses/{id}/instructors"),
    ("delete", "/api/v1/courses/{id}/instructors/{user_id}"),
    ("post", "/api/v1/courses/{id}/modules"),
    ("put", "/api/v1/courses/{id}/modules/order"),
    ("get", "/api/v1/modules/{id}"),
    ("patch", "/api/v1/modules/{id}"),
    ("delete", "/api/v1/modules/{id}"),
    ("post", "/api/v1/modules/{id}/lessons"),
    ("get", "/api/v1/lessons/{id}"),
    ("patch", "/api/v1/lessons/{id}"),
    ("delete", "/api/v1/lessons/{id}"),
    ("post", "/api/v1/modules/{id}/quizzes"),
    ("get", "/api/v1/quizzes/{id}"),
    ("patch", "/api/v1/quizzes/{id}"),
    ("delete", "/api/v1/quizzes/{id}"),
    ("post", "/api/v1/quizzes/{id}/questions"),
    ("get", "/api/v1/questions/{id}"),
    ("patch", "/api/v1/questions/{id}"),
    ("delete", "/api/v1/questions/{id}"),
    ("get", "/api/v1/courses/{id}/cohorts"),
    ("post", "/api/v1/courses/{id}/cohorts"),
    ("post", "/api/v1/courses/{id}/enrolments"),
    ("post", "/api/v1/courses/{id}/enrolments/bulk"),
    ("get", "/api/v1/courses/{id}/enrolments"),
    ("get", "/api/v1/me/enrolments"),
    ("delete", "/api/v1/enrolments/{id}"),
    ("get", "/api/v1/enrolments/{id}/outline"),
    ("post", "/api/v1/lessons/{id}/complete"),
    ("post", "/api/v1/quizzes/{id}/attempts"),
    ("get", "/api/v1/quizzes/{id}/attempts"),
    ("get", "/api/v1/quizzes/{id}/statistics"),
    ("put", "/api/v1/attempts/{id}/answers"),
    ("post", "/api/v1/attempts/{id}/submit"),
    ("get", "/api/v1/attempts/{id}"),
    ("post", "/api/v1/enrolments/{id}/quizzes/{quiz_id}/extra-attempts"),
    ("get", "/api/v1/me/certificates"),
    ("get", "/api/v1/certificates/{id}"),
    ("get", "/api/v1/certificates/{id}/pdf"),
    ("get", "/api/v1/certificates/{id}/credential"),
    ("post", "/api/v1/certificates/{id}/revoke"),
    ("get", "/api/v1/verify/{code}"),
    ("get", "/verify/{code}"),
    ("get", "/.well-known/jwks.json"),
    ("get", "/api/v1/admin/emails"),
    ("post", "/api/v1/admin/emails/{id}/retry"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/organisations"),
    ("post", "/api/v1/organisations"),
    ("get", "/api/v1/seats"),
    ("post", "/api/v1/seats"),
    ("post", "/api/v1/seats/{id}/holders"),
    ("get", "/api/v1/seats/{id}/history"),
    ("get", "/api/v1/reports/completion"),
    ("get", "/api/v1/reports/seats"),
    ("get", "/api/v1/users/{id}/record"),
];

#[actix_web::test]
async fn the_openapi_document_is_openapi_3_and_lists_every_route() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string());
    let paths = doc["paths"].as_object().expect("paths object");
    for (method, path) in ROUTES {
        let operation = &paths.get(*path).unwrap_or_else(|| panic!("{path} missing"))[*method];
        assert!(operation.is_object(), "{method} {path} missing");
        let description = operation["description"].as_str().unwrap_or_default();
        assert!(description.contains("Who:"), "{method} {path} does not say who may call it");
        assert!(operation["responses"].is_object());
    }
    let methods = ["get", "put", "post", "delete", "patch"];
    let documented: usize = paths
        .values()
        .map(|item| item.as_object().unwrap().keys().filter(|k| methods.contains(&k.as_str())).count())
        .sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "the document lists routes the test does not know: {:?}",
        paths.keys()
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}
