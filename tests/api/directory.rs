use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem};

#[actix_web::test]
async fn the_57_participating_states_load_once_and_admins_add_organisations() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn().await;
        assert_eq!(poc_lms::directory::load_defaults(&mut conn).await.unwrap(), 57);
        assert_eq!(poc_lms::directory::load_defaults(&mut conn).await.unwrap(), 0, "idempotent");
    }
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let states: Value =
        app.get_as("/api/v1/organisations?kind=state&limit=500", &trainee).await.json().await.unwrap();
    assert_eq!(states["items"].as_array().unwrap().len(), 57);
    let austria: Value = app.get_as("/api/v1/organisations?q=aust", &trainee).await.json().await.unwrap();
    assert_eq!(austria["items"][0]["country_code"], "AT");

    let body = json!({"name": "United Nations Office for Disarmament Affairs", "kind": "international_organisation"});
    problem(app.post_json("/api/v1/organisations", &body, Some(&trainee)).await, 403).await;
    let created = app.create("/api/v1/organisations", body.clone(), &admin).await;
    assert_eq!(created["kind"], "international_organisation");
    problem(app.post_json("/api/v1/organisations", &body, Some(&admin)).await, 409).await;
    let bad = app
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Atlantis", "kind": "state", "country_code": "ATL"}),
            Some(&admin),
        )
        .await;
    assert_eq!(problem(bad, 422).await["errors"][0]["field"], "country_code");
}

#[actix_web::test]
async fn users_belong_to_known_organisations_only() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn().await;
        poc_lms::directory::load_defaults(&mut conn).await.unwrap();
    }
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (trainee, _) = app.signed_in(Role::Trainee).await;
    let unknown = uuid::Uuid::new_v4();
    let register = json!({"email": "x@example.org", "password": "brand new passphrase", "full_name": "X", "organisation_id": unknown});
    assert_eq!(
        problem(app.post_json("/api/v1/auth/register", &register, None).await, 422).await["errors"][0]["field"],
        "organisation_id"
    );

    let page: Value = app.get_as("/api/v1/organisations?q=Kyrgyz", &admin).await.json().await.unwrap();
    let kyrgyzstan = page["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/users/{}", trainee.id);
    problem(app.patch_json(&path, &json!({"organisation_id": unknown}), &admin).await, 422).await;
    let moved = app.patch_json(&path, &json!({"organisation_id": kyrgyzstan}), &admin).await;
    assert_eq!(moved.json::<Value>().await.unwrap()["organisation_id"], kyrgyzstan.as_str());
    let members: Value = app
        .get_as(&format!("/api/v1/users?organisation_id={kyrgyzstan}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
}
