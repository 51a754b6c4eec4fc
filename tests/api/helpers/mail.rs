//! Reading what the worker delivered to the SMTP sink.

use poc_lms::notifications::worker;

use super::TestApp;
use super::smtp::ReceivedMail;

/// A delivered email, decoded.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Email {
    /// The `token` query parameter of the first link in the message.
    pub fn token(&self) -> String {
        let start = self.text.find("token=").expect("the email carries a token link") + "token=".len();
        self.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

fn decode(mail: &ReceivedMail) -> Email {
    let parsed = mailparse::parse_mail(mail.data.as_bytes()).expect("a MIME message");
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key_ref().eq_ignore_ascii_case("subject"))
        .map(|h| h.get_value())
        .unwrap_or_default();
    let mut text = String::new();
    let mut html = String::new();
    let mut parts = vec![&parsed];
    while let Some(part) = parts.pop() {
        if part.subparts.is_empty() {
            let body = part.get_body().unwrap_or_default();
            if part.ctype.mimetype == "text/html" {
                html = body;
            } else {
                text = body;
            }
        } else {
            parts.extend(part.subparts.iter());
        }
    }
    Email { to: mail.to.clone(), subject, text, html }
}

impl TestApp {
    /// Runs the worker until the outbox is empty and returns everything the sink has received.
    pub async fn delivered_emails(&self) -> Vec<Email> {
        while worker::deliver_due(&self.state, None).await.expect("worker pass").claimed() > 0 {}
        self.sink().messages().iter().map(decode).collect()
    }

    /// Emails delivered to `address`.
    pub async fn emails_to(&self, address: &str) -> Vec<Email> {
        self.delivered_emails()
            .await
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }
}

impl TestApp {
    /// Runs the worker until the outbox is empty and returns the raw messages received.
    pub async fn sink_messages_raw(&self) -> Vec<String> {
        while worker::deliver_due(&self.state, None).await.expect("worker pass").claimed() > 0 {}
        self.sink().messages().into_iter().map(|m| m.data).collect()
    }
}
