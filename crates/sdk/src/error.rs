use crate::action::Action;

/// The one error type of the SDK, on both sides of the wire.
///
/// An app's [`SupportIntegration`](crate::SupportIntegration) returns it from its
/// methods, and the [`SupportHandler`](crate::SupportHandler) turns it into the status
/// code the contract defines. The [`IntegrationClient`](crate::IntegrationClient)
/// returns it for every way a call can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrationError {
    /// The app does not implement this optional method (HTTP 501).
    #[error("Method not implemented: {0}")]
    NotImplemented(Action),
    /// The request was not acceptable (HTTP 400), e.g. a parameter the app rejects.
    #[error("{0}")]
    BadRequest(String),
    /// The app rejected the signature (HTTP 401).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The app tried and failed (HTTP 500). The message is the app's own and is shown
    /// to platform operators, never to customers.
    #[error("{0}")]
    Failed(String),
    /// Any other non-success status.
    #[error("integration request failed: {status} {message}")]
    Http {
        /// HTTP status.
        status: u16,
        /// The `error` field of the body, or the status text.
        message: String,
    },
    /// No answer within the client's timeout.
    #[error("integration request timed out after {0} ms")]
    Timeout(u64),
    /// The request could not be sent (DNS, connection, TLS...).
    #[error("integration request could not be sent: {0}")]
    Transport(String),
    /// The app answered 2xx with a body that does not match the contract.
    #[error("app returned an invalid {action} response: {detail}")]
    InvalidResponse {
        /// The action called.
        action: Action,
        /// What did not parse.
        detail: String,
    },
}

impl IntegrationError {
    /// A failure with a message, for app code (`Err(IntegrationError::failed("db down"))`).
    pub fn failed(message: impl Into<String>) -> Self {
        IntegrationError::Failed(message.into())
    }

    /// A rejected parameter, for app code.
    pub fn bad_request(message: impl Into<String>) -> Self {
        IntegrationError::BadRequest(message.into())
    }

    /// The HTTP status the handler answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            IntegrationError::NotImplemented(_) => 501,
            IntegrationError::BadRequest(_) => 400,
            IntegrationError::Unauthorized(_) => 401,
            IntegrationError::Http { status, .. } => *status,
            IntegrationError::Failed(_)
            | IntegrationError::Timeout(_)
            | IntegrationError::Transport(_)
            | IntegrationError::InvalidResponse { .. } => 500,
        }
    }
}

/// Result alias used throughout the SDK.
pub type Result<T, E = IntegrationError> = std::result::Result<T, E>;
