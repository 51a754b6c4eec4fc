//! Email: the transactional outbox (`outbox`), the transports that deliver it (`mailer`) and the
//! background worker that moves messages from one to the other (`worker`). Requests never send
//! mail themselves; they enqueue in their own transaction.

pub mod mailer;
pub mod messages;
pub mod outbox;
pub mod reminders;
pub mod routes;
pub mod worker;
