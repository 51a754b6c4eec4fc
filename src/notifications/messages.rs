//! Every email the system sends, in one list. Each message is a template folder under
//! `src/notifications/templates/<name>/` (`subject.txt`, `body.txt`, `body.html`), rendered
//! with minijinja in strict mode: a placeholder without a value is an error, never a blank.

use std::sync::OnceLock;

use diesel_async::AsyncPgConnection;
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Value, json};
use uuid::Uuid;

use super::outbox::{self, NewEmail};
use crate::http::ApiError;

macro_rules! messages {
    ($($variant:ident => $name:literal),+ $(,)?) => {
        /// The kinds of email poc-lms sends.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum MessageKind { $($variant),+ }

        impl MessageKind {
            pub const ALL: &'static [MessageKind] = &[$(MessageKind::$variant),+];

            /// The template folder's name, also stored as the outbox row's `kind`.
            pub fn name(self) -> &'static str {
                match self { $(MessageKind::$variant => $name),+ }
            }
        }

        fn load_templates(env: &mut Environment<'static>) -> Result<(), minijinja::Error> {
            env.add_template("layout.html", include_str!("templates/layout.html"))?;
            $(
                env.add_template(concat!($name, "/subject.txt"), include_str!(concat!("templates/", $name, "/subject.txt")))?;
                env.add_template(concat!($name, "/body.txt"), include_str!(concat!("templates/", $name, "/body.txt")))?;
                env.add_template(concat!($name, "/body.html"), include_str!(concat!("templates/", $name, "/body.html")))?;
            )+
            Ok(())
        }
    };
}

messages! {
    VerifyEmail => "verify_email",
    PasswordReset => "password_reset",
    Invitation => "invitation",
    AddressTaken => "address_taken",
    PasswordChanged => "password_changed",
    EnrolmentConfirmed => "enrolment_confirmed",
    EnrolmentWaitlisted => "enrolment_waitlisted",
    EnrolmentPromoted => "enrolment_promoted",
    EnrolmentWithdrawn => "enrolment_withdrawn",
    QuizFailedFinal => "quiz_failed_final",
    CertificateIssued => "certificate_issued",
    CertificateRevoked => "certificate_revoked",
    DeadlineReminder => "deadline_reminder",
    DeadlineOverdue => "deadline_overdue",
    CertificateExpiring => "certificate_expiring",
    SeatHandover => "seat_handover",
}

impl MessageKind {
    /// Example values for every placeholder the template uses; the render test relies on them.
    pub fn sample_context(self) -> Value {
        let base = json!({"recipient_name": "Анна Петрова", "public_url": "https://lms.example.org"});
        let extra = match self {
            MessageKind::VerifyEmail => json!({"link": "https://lms.example.org/verify-email?token=abc"}),
            MessageKind::PasswordReset => json!({"link": "https://lms.example.org/reset-password?token=abc"}),
            MessageKind::Invitation => json!({
                "link": "https://lms.example.org/accept-invitation?token=abc",
                "inviter_name": "Jean Dupont", "role": "trainee", "expires_on": "12 December 2026",
            }),
            MessageKind::AddressTaken => json!({
                "login_link": "https://lms.example.org/login",
                "reset_link": "https://lms.example.org/reset-password",
            }),
            MessageKind::PasswordChanged => json!({
                "changed_at": "28 November 2026, 09:15 UTC",
                "reset_link": "https://lms.example.org/reset-password",
            }),
            MessageKind::EnrolmentConfirmed | MessageKind::EnrolmentPromoted => json!({
                "course_title": "UNSCR 1540 for national Points of Contact", "cohort_name": "Spring 2027",
                "cohort_dates": "1 March 2027 to 30 April 2027", "due_on": "30 April 2027",
                "link": "https://lms.example.org/enrolments/abc",
            }),
            MessageKind::EnrolmentWaitlisted => json!({
                "course_title": "UNSCR 1540 for national Points of Contact", "cohort_name": "Spring 2027",
                "cohort_dates": "1 March 2027 to 30 April 2027",
            }),
            MessageKind::EnrolmentWithdrawn => json!({
                "course_title": "UNSCR 1540 for national Points of Contact", "withdrawn_on": "28 November 2026",
            }),
            MessageKind::QuizFailedFinal => json!({
                "trainee_name": "Jean Dupont", "quiz_title": "Module 2 quiz", "pass_mark": 70, "best_score": 55.5,
                "course_title": "UNSCR 1540 for national Points of Contact",
            }),
            MessageKind::CertificateIssued => json!({
                "course_title": "UNSCR 1540 for national Points of Contact", "code": "POC-7K3M-Q9XD-2HTR",
                "verify_url": "https://lms.example.org/verify/POC-7K3M-Q9XD-2HTR", "expires_on": "28 November 2028",
            }),
            MessageKind::CertificateRevoked => json!({
                "course_title": "UNSCR 1540 for national Points of Contact", "code": "POC-7K3M-Q9XD-2HTR",
                "revoked_on": "28 November 2026", "reason": "issued in error",
            }),
            MessageKind::DeadlineReminder | MessageKind::DeadlineOverdue => json!({
                "course_title": "UNSCR 1540 for national Points of Contact", "due_on": "5 December 2026", "days_left": 7,
                "percent_complete": 40, "link": "https://lms.example.org/enrolments/abc",
            }),
            MessageKind::CertificateExpiring => json!({
                "course_title": "UNSCR 1540 for national Points of Contact", "code": "POC-7K3M-Q9XD-2HTR",
                "when": "expires in 30 days", "expires_on": "28 December 2026",
            }),
            MessageKind::SeatHandover => json!({
                "recipient_role": "new", "seat_title": "National Point of Contact for UNSCR 1540",
                "organisation_name": "Kyrgyzstan", "new_holder_name": "Айгуль Садыкова", "previous_holder_name": "Jean Dupont",
                "starts_on": "1 December 2026", "due_on": "1 March 2027",
                "enrolled_courses": "UNSCR 1540 for national Points of Contact", "handover_note": "Files are in the shared drive.",
            }),
        };
        merge(base, extra)
    }
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(target), Value::Object(source)) = (base.as_object_mut(), extra) {
        target.extend(source);
    }
    base
}

fn environment() -> Result<&'static Environment<'static>, ApiError> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(html_formatter);
        load_templates(&mut env).map(|()| env).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| ApiError::internal(anyhow::anyhow!("email templates do not load: {e}")))
}

/// minijinja's HTML escaping also encodes `/`, which turns every link into `http:&#x2f;&#x2f;…`;
/// valid, but some mail clients show it raw. Escaping the five characters that matter in text
/// and quoted attributes is enough.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if !matches!(state.auto_escape(), minijinja::AutoEscape::Html) || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.to_string();
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    out.write_str(&escaped)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}

#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn render(kind: MessageKind, context: &Value) -> Result<Rendered, ApiError> {
    let env = environment()?;
    let part = |file: &str| {
        env.get_template(&format!("{}/{file}", kind.name()))
            .and_then(|t| t.render(context))
            .map_err(|e| ApiError::internal(anyhow::anyhow!("rendering {}/{file}: {e:#}", kind.name())))
    };
    Ok(Rendered {
        subject: part("subject.txt")?.trim().to_owned(),
        text: part("body.txt")?,
        html: part("body.html")?,
    })
}

/// Renders `kind` for `recipient` and queues it on `conn`, the transaction of the change that
/// causes it. `public_url` is added to the context. Returns `None` when `dedup_key` was queued
/// before.
pub async fn queue(
    conn: &mut AsyncPgConnection,
    public_url: &url::Url,
    kind: MessageKind,
    recipient: &str,
    context: Value,
    dedup_key: Option<String>,
) -> Result<Option<Uuid>, ApiError> {
    let context = merge(json!({"public_url": public_url.as_str().trim_end_matches('/')}), context);
    let rendered = render(kind, &context)?;
    let email = NewEmail {
        kind: kind.name().to_owned(),
        recipient: recipient.to_owned(),
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: Some(rendered.html),
        dedup_key,
    };
    Ok(outbox::enqueue(conn, &email).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_renders_with_its_sample_data_and_leaves_no_placeholder() {
        for kind in MessageKind::ALL {
            let rendered =
                render(*kind, &kind.sample_context()).unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
            for text in [&rendered.subject, &rendered.text, &rendered.html] {
                assert!(!text.contains("{{") && !text.contains("{%"), "{kind:?}: {text}");
            }
            assert!(!rendered.subject.is_empty());
            assert!(rendered.text.contains("Анна Петрова"), "{kind:?}");
            assert!(rendered.html.contains("<html"), "{kind:?}");
        }
    }

    #[test]
    fn a_missing_value_is_an_error_not_a_blank() {
        let context = json!({"recipient_name": "A"});
        assert!(render(MessageKind::VerifyEmail, &context).is_err());
    }

    #[test]
    fn html_bodies_escape_what_people_typed() {
        let mut context = MessageKind::VerifyEmail.sample_context();
        context["recipient_name"] = json!("<script>alert(1)</script>");
        let rendered = render(MessageKind::VerifyEmail, &context).unwrap();
        assert!(!rendered.html.contains("<script>"));
        assert!(rendered.html.contains("&lt;script&gt;"));
        assert!(
            rendered.html.contains("href=\"https://lms.example.org/verify-email?token=abc\""),
            "{}",
            rendered.html
        );
        assert!(rendered.text.contains("<script>"), "plain text is not HTML-escaped");
    }
}
