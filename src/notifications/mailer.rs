//! Mail transports: pooled async SMTP when `SMTP_URL` is set, `.eml` files under `MAIL_DIR`
//! otherwise (so a newcomer can read every message without a mail server).

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// An SMTP conversation that hangs longer than this counts as a transient failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub enum Mailer {
    Smtp(Arc<RuntimeBound<AsyncSmtpTransport<Tokio1Executor>>>),
    Files(Arc<AsyncFileTransport<Tokio1Executor>>),
}

/// Why a delivery failed, and whether trying again could help.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    pub permanent: bool,
    pub message: String,
}

impl DeliveryError {
    fn permanent(message: impl Into<String>) -> Self {
        Self { permanent: true, message: message.into() }
    }
}

/// What to send; built from an outbox row.
pub struct Email<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: Option<&'a str>,
    /// `(file name, bytes)` of a PDF to attach.
    pub pdf_attachment: Option<(String, Vec<u8>)>,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("invalid SMTP_URL: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Mailer::Smtp(Arc::new(RuntimeBound(Some(transport)))))
            }
            None => {
                std::fs::create_dir_all(&config.mail_dir).map_err(|e| {
                    anyhow::anyhow!("invalid MAIL_DIR: cannot create {}: {e}", config.mail_dir.display())
                })?;
                tracing::info!(dir = %config.mail_dir.display(), "SMTP_URL is unset: emails are written as .eml files");
                Ok(Mailer::Files(Arc::new(AsyncFileTransport::new(&config.mail_dir))))
            }
        }
    }

    pub async fn send(&self, from: &Mailbox, email: Email<'_>) -> Result<(), DeliveryError> {
        let message = build_message(from, &email)?;
        match self {
            Mailer::Smtp(transport) => {
                transport.get().send(message).await.map(|_| ()).map_err(|e| DeliveryError {
                    // Connection failures and timeouts are neither; they deserve a retry.
                    permanent: e.is_permanent(),
                    message: e.to_string(),
                })
            }
            Mailer::Files(transport) => transport.send(message).await.map(|_| ()).map_err(|e| {
                DeliveryError { permanent: false, message: format!("could not write the message file: {e}") }
            }),
        }
    }
}

/// Holds lettre's SMTP pool, whose `Drop` spawns a Tokio task to close its connections and
/// panics when no runtime is left (an actix worker thread dropping its app after its runtime
/// stopped). Without a runtime the connections die with the process anyway, so the pool is
/// leaked instead of dropped there.
pub struct RuntimeBound<T>(Option<T>);

impl<T> RuntimeBound<T> {
    fn get(&self) -> &T {
        self.0.as_ref().expect("present until dropped")
    }
}

impl<T> Drop for RuntimeBound<T> {
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            std::mem::forget(self.0.take());
        }
    }
}

fn build_message(from: &Mailbox, email: &Email<'_>) -> Result<Message, DeliveryError> {
    let to: Mailbox =
        email.to.parse().map_err(|e| DeliveryError::permanent(format!("invalid recipient address: {e}")))?;
    let builder = Message::builder().from(from.clone()).to(to).subject(email.subject);
    let text = || SinglePart::plain(email.body_text.to_owned());
    let body = match email.body_html {
        Some(html) => MultiPart::alternative_plain_html(email.body_text.to_owned(), html.to_owned()),
        None => MultiPart::alternative().singlepart(text()),
    };
    let built = match &email.pdf_attachment {
        Some((name, bytes)) => {
            let pdf =
                ContentType::parse("application/pdf").map_err(|e| DeliveryError::permanent(e.to_string()))?;
            let attachment = Attachment::new(name.clone()).body(bytes.clone(), pdf);
            builder.multipart(MultiPart::mixed().multipart(body).singlepart(attachment))
        }
        None if email.body_html.is_some() => builder.multipart(body),
        None => builder.singlepart(text()),
    };
    built.map_err(|e| DeliveryError::permanent(format!("cannot build the message: {e}")))
}
