//! Errors a function (or a step body) returns, and errors a step hands back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The wire shape of an error: `{name, message, stack?, data?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Error class, e.g. `"Error"`, `"NonRetriableError"`, `"InngestInvokeTimeoutError"`.
    #[serde(default = "default_name")]
    pub name: String,
    /// Human message.
    #[serde(default)]
    pub message: String,
    /// Optional stack or detail text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// Optional structured data (boxed to keep errors small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Box<Value>>,
}

fn default_name() -> String {
    "Error".to_owned()
}

impl ErrorBody {
    /// An error with this name and message.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            message: message.into(),
            stack: None,
            data: None,
        }
    }

    /// Attach a stack/detail text.
    pub fn with_stack(mut self, stack: impl Into<String>) -> Self {
        self.stack = Some(stack.into());
        self
    }

    /// Attach structured data.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(Box::new(data));
        self
    }

    /// Reads an error memo (`steps[hash].error`) leniently: a string becomes the message.
    pub(crate) fn from_memo(value: &Value) -> Self {
        match value {
            Value::String(message) => ErrorBody::new("Error", message.clone()),
            other => serde_json::from_value(other.clone())
                .unwrap_or_else(|_| ErrorBody::new("Error", other.to_string())),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

/// When Inngest should try again, sent as `Retry-After` (clamped by Inngest to 1 s..24 h).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAfter {
    /// After this many seconds.
    Seconds(u64),
    /// At this RFC 3339 instant, e.g. `"2026-01-01T00:00:00Z"`.
    At(String),
}

impl RetryAfter {
    /// The `Retry-After` header value.
    pub fn header_value(&self) -> String {
        match self {
            RetryAfter::Seconds(secs) => secs.to_string(),
            RetryAfter::At(at) => at.clone(),
        }
    }
}

/// Why a function (or a `step.run` body) did not return a value.
///
/// * [`FnError::Retriable`]: Inngest retries (function level: `500`; in a step: `StepError`).
/// * [`FnError::NonRetriable`]: no retries (function level: `400` + `X-Inngest-No-Retry: true`;
///   in a step: `StepFailed`, which the function sees as [`StepError::Failed`]).
/// * [`FnError::RetryAfter`]: retriable, with a `Retry-After` header.
/// * [`FnError::StepFailed`]: a step's memoized error that the function did not handle; the
///   run fails without retries (`400`).
/// * [`FnError::Interrupted`]: not an error. A step needs the executor; it travels up
///   through `?` and the engine answers with the step's opcode. Never build it yourself.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FnError {
    /// A retriable error.
    #[error("{0}")]
    Retriable(ErrorBody),
    /// An error that must not be retried.
    #[error("{0} (not retriable)")]
    NonRetriable(ErrorBody),
    /// A retriable error with a `Retry-After`.
    #[error("{error} (retry after {})", .after.header_value())]
    RetryAfter {
        /// The error.
        error: ErrorBody,
        /// When to retry.
        after: RetryAfter,
    },
    /// A failed step that the function did not handle.
    #[error("step failed: {0}")]
    StepFailed(ErrorBody),
    /// Control flow: a step was reported to Inngest. Propagate it with `?`.
    #[error("interrupted: a step was handed to Inngest")]
    Interrupted,
}

impl FnError {
    /// A retriable `Error` with this message.
    pub fn new(message: impl Into<String>) -> Self {
        FnError::Retriable(ErrorBody::new("Error", message))
    }

    /// A retriable error made from anything printable (`.map_err(FnError::from_display)`).
    pub fn from_display(error: impl std::fmt::Display) -> Self {
        FnError::new(error.to_string())
    }

    /// A `NonRetriableError` with this message.
    pub fn non_retriable(message: impl Into<String>) -> Self {
        FnError::NonRetriable(ErrorBody::new("NonRetriableError", message))
    }

    /// A `RetryAfterError` with this message.
    pub fn retry_after(message: impl Into<String>, after: RetryAfter) -> Self {
        FnError::RetryAfter {
            error: ErrorBody::new("RetryAfterError", message),
            after,
        }
    }

    /// The error body as it goes on the wire (`Interrupted` has a placeholder).
    pub fn body(&self) -> ErrorBody {
        match self {
            FnError::Retriable(e) | FnError::NonRetriable(e) | FnError::StepFailed(e) => e.clone(),
            FnError::RetryAfter { error, .. } => error.clone(),
            FnError::Interrupted => ErrorBody::new(
                "Error",
                "a step was interrupted without being reported (nested steps are not supported)",
            ),
        }
    }

    /// Whether Inngest may retry.
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            FnError::Retriable(_) | FnError::RetryAfter { .. } | FnError::Interrupted
        )
    }

    /// The requested `Retry-After`, if any.
    pub fn retry_after_value(&self) -> Option<&RetryAfter> {
        match self {
            FnError::RetryAfter { after, .. } => Some(after),
            _ => None,
        }
    }
}

impl From<StepError> for FnError {
    fn from(error: StepError) -> Self {
        match error {
            StepError::Interrupted => FnError::Interrupted,
            StepError::Failed(body) => FnError::StepFailed(body),
            StepError::Invalid(message) => FnError::Retriable(ErrorBody::new("Error", message)),
        }
    }
}

impl From<serde_json::Error> for FnError {
    fn from(error: serde_json::Error) -> Self {
        FnError::new(error.to_string())
    }
}

impl From<String> for FnError {
    fn from(message: String) -> Self {
        FnError::new(message)
    }
}

impl From<&str> for FnError {
    fn from(message: &str) -> Self {
        FnError::new(message)
    }
}

/// What a step method returns instead of its value.
///
/// Propagate it with `?` (into [`FnError`]). Match [`StepError::Failed`] to handle a step
/// that failed for good; never swallow [`StepError::Interrupted`] (if you do, the engine
/// still reports the step and ignores what the function returns).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    /// Control flow: this step must be scheduled or has just run. Propagate with `?`.
    #[error("interrupted: the step was handed to Inngest")]
    Interrupted,
    /// The step failed permanently (a memoized `{"error": ...}`: retries exhausted,
    /// a non-retriable error, or an invoked function that failed or timed out).
    #[error("step failed: {0}")]
    Failed(ErrorBody),
    /// The step's stored result could not be used (wrong type, bad argument).
    #[error("invalid step: {0}")]
    Invalid(String),
}

impl StepError {
    /// Whether this is the control-flow interrupt.
    pub fn is_interrupt(&self) -> bool {
        matches!(self, StepError::Interrupted)
    }
}
