//! Making users and signing them in.

use poc_lms::users::{NewUser, Role, User};
use serde_json::{Value, json};

use super::TestApp;

pub const PASSWORD: &str = "a sound passphrase 1540";

impl TestApp {
    /// Creates an active, verified user directly in the database.
    pub async fn create_user(&self, role: Role, email: &str) -> User {
        let hash = self.state.passwords.hash(PASSWORD).await.expect("hash");
        let mut conn = self.conn().await;
        poc_lms::users::store::insert(
            &mut conn,
            &NewUser {
                email,
                full_name: &format!("Test {}", role.as_str()),
                role: role.as_str(),
                organisation_id: None,
                preferred_language: "en",
                email_verified_at: Some(chrono::Utc::now()),
                password_hash: &hash,
            },
        )
        .await
        .expect("insert user")
    }

    /// Logs in and returns the token pair as JSON; panics unless the login succeeds.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let response =
            self.post_json("/api/v1/auth/login", &json!({"email": email, "password": password}), None).await;
        assert_eq!(response.status(), 200, "login of {email} failed");
        response.json().await.expect("token pair")
    }

    /// A user of `role` and an access token for them.
    pub async fn signed_in(&self, role: Role) -> (User, String) {
        let email = format!("{}-{}@example.org", role.as_str(), uuid::Uuid::new_v4().simple());
        let user = self.create_user(role, &email).await;
        let tokens = self.login(&email, PASSWORD).await;
        (user, tokens["access_token"].as_str().expect("access token").to_owned())
    }

    // The request is built (and the body serialised) before the future is returned, so the
    // future borrows nothing: tests can fire many at once with temporaries as bodies.
    pub fn post_json(
        &self,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> impl Future<Output = reqwest::Response> + use<> {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.expect("request sent") }
    }

    pub fn patch_json(
        &self,
        path: &str,
        body: &Value,
        token: &str,
    ) -> impl Future<Output = reqwest::Response> + use<> {
        let request = self.client.patch(self.url(path)).json(body).bearer_auth(token);
        async move { request.send().await.expect("request sent") }
    }

    pub fn get_as(&self, path: &str, token: &str) -> impl Future<Output = reqwest::Response> + use<> {
        let request = self.client.get(self.url(path)).bearer_auth(token);
        async move { request.send().await.expect("request sent") }
    }
}
