//! A real SMTP server for tests: speaks enough ESMTP for lettre, records every message it
//! accepts, and can be told to reject recipients with a given reply.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body) after dot-unstuffing.
    pub data: String,
}

impl ReceivedMail {
    pub fn subject(&self) -> Option<&str> {
        self.data.lines().find_map(|l| l.strip_prefix("Subject: "))
    }
}

#[derive(Default)]
struct Shared {
    messages: Vec<ReceivedMail>,
    /// When set, the full reply line to every `RCPT TO`, e.g. `550 5.1.1 mailbox unavailable`.
    recipient_rejection: Option<String>,
}

pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
    accept_loop: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind SMTP sink");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let for_loop = shared.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, for_loop.clone()));
            }
        });
        Self { port, shared, accept_loop }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// From now on, answer every recipient with `reply` (a full SMTP reply line).
    pub fn reject_recipients(&self, reply: &str) {
        self.shared.lock().expect("sink lock").recipient_rejection = Some(reply.to_owned());
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.lock().expect("sink lock").messages.clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// A port on which nothing listens (bound, then released): an SMTP server that is down.
pub async fn unused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("addr").port()
}

async fn serve(stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut from = String::new();
    let mut to = Vec::new();
    if write.write_all(b"220 sink.test ESMTP ready\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            "250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".into()
        } else if upper.starts_with("HELO") {
            "250 sink.test\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&line[10..]);
            to.clear();
            "250 OK\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            let rejection = shared.lock().expect("sink lock").recipient_rejection.clone();
            match rejection {
                Some(reply) => format!("{reply}\r\n"),
                None => {
                    to.push(address(&line[8..]));
                    "250 OK\r\n".into()
                }
            }
        } else if upper == "DATA" {
            if write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.is_err() {
                return;
            }
            let mut data = String::new();
            while let Ok(Some(body_line)) = lines.next_line().await {
                if body_line == "." {
                    break;
                }
                let unstuffed =
                    body_line.strip_prefix('.').filter(|_| body_line.starts_with("..")).unwrap_or(&body_line);
                data.push_str(unstuffed);
                data.push('\n');
            }
            shared.lock().expect("sink lock").messages.push(ReceivedMail {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
            });
            "250 OK queued\r\n".into()
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else if upper == "RSET" || upper == "NOOP" {
            "250 OK\r\n".into()
        } else {
            "502 command not implemented\r\n".into()
        };
        if write.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn address(argument: &str) -> String {
    let trimmed = argument.trim();
    let inner = trimmed.trim_start_matches('<');
    inner.split('>').next().unwrap_or(inner).to_owned()
}
