//! Outgoing mail behind the [`Mailer`] trait. The built-in [`LogMailer`] writes each message to
//! the log (development and tests); a deployment plugs in an SMTP or API implementation.

use std::sync::Mutex;

use crate::store::BoxFuture;

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// The single-use token the message carries, when it carries one (verification, reset).
    pub token: Option<String>,
}

/// Sends mail. Failures are logged by the caller and never reveal to a client whether an
/// address exists.
pub trait Mailer: Send + Sync + 'static {
    /// Sends one message.
    fn send(&self, mail: Mail) -> BoxFuture<'_, Result<(), String>>;
}

/// Writes messages to the log at INFO (the token included: for development only).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogMailer;

impl Mailer for LogMailer {
    fn send(&self, mail: Mail) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.body, "mail");
            Ok(())
        })
    }
}

/// Keeps messages in memory (tests read them back).
#[derive(Debug, Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<Mail>>,
}

impl MemoryMailer {
    /// Every message sent so far.
    pub fn sent(&self) -> Vec<Mail> {
        self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
    /// The token of the last message to `to` whose subject contains `subject`.
    pub fn last_token(&self, to: &str, subject: &str) -> Option<String> {
        self.sent()
            .into_iter()
            .rev()
            .find(|m| m.to == to && m.subject.contains(subject))
            .and_then(|m| m.token)
    }
}

impl Mailer for MemoryMailer {
    fn send(&self, mail: Mail) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(mail);
            Ok(())
        })
    }
}
