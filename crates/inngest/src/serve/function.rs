//! A function as served: its config, its body and its optional failure handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;
pub use support_http::MaybeSend;
use support_http::MaybeSendSync;

use super::config::FunctionConfig;
use super::error::FnError;
use super::step::{Event, Step};

/// A boxed future: `Send` natively, not on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future: `Send` natively, not on wasm32.
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// What a function returns.
pub type FnResult = Result<Value, FnError>;

/// What a function receives besides its [`Step`] handle.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The triggering event (the first of a batch). For a failure handler, the
    /// `inngest/function.failed` event: `data = {function_id, run_id, error, event}`.
    pub event: Event,
    /// All events of the run (a batch), the first being `event`.
    pub events: Vec<Event>,
    /// The run's id.
    pub run_id: String,
    /// Zero-based attempt of the current step (resets after each successful step).
    pub attempt: u32,
    /// The composite id this call was routed to (`fnId`).
    pub fn_id: String,
}

/// A function body: any `Fn(Input, Step) -> impl Future<Output = FnResult>`.
pub trait FunctionBody: MaybeSendSync {
    /// Start one execution.
    fn call(&self, input: Input, step: Step) -> BoxFuture<'static, FnResult>;
}

impl<F, Fut> FunctionBody for F
where
    F: Fn(Input, Step) -> Fut + MaybeSendSync,
    Fut: Future<Output = FnResult> + MaybeSend + 'static,
{
    fn call(&self, input: Input, step: Step) -> BoxFuture<'static, FnResult> {
        Box::pin(self(input, step))
    }
}

/// A function ready to be served: config + body (+ failure handler).
#[derive(Clone)]
pub struct ServeFunction {
    pub(crate) config: FunctionConfig,
    pub(crate) body: Arc<dyn FunctionBody>,
    pub(crate) on_failure: Option<Arc<dyn FunctionBody>>,
    pub(crate) checkpointing: Option<bool>,
    pub(crate) checkpoint_buffer: Option<usize>,
}

impl std::fmt::Debug for ServeFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeFunction")
            .field("config", &self.config)
            .field("on_failure", &self.on_failure.is_some())
            .finish_non_exhaustive()
    }
}

impl ServeFunction {
    /// A function with this config and body.
    pub fn new(config: FunctionConfig, body: impl FunctionBody + 'static) -> Self {
        Self {
            config,
            body: Arc::new(body),
            on_failure: None,
            checkpointing: None,
            checkpoint_buffer: None,
        }
    }

    /// Add a failure handler (`onFailure`): served as `<composite>-failure`, it runs
    /// once the function has failed for good, with the `inngest/function.failed` event.
    pub fn on_failure(mut self, body: impl FunctionBody + 'static) -> Self {
        self.on_failure = Some(Arc::new(body));
        self
    }

    /// Checkpoint this function's steps (`true`) or never (`false`); unset, it follows
    /// the app's [`ServeConfig::checkpointing`](super::ServeConfig::checkpointing).
    pub fn checkpointing(mut self, on: bool) -> Self {
        self.checkpointing = Some(on);
        self
    }

    /// Report this function's steps `n` at a time instead of the app's
    /// [`Checkpointing::buffered_steps`](super::Checkpointing::buffered_steps): fewer
    /// reports, but the steps since the last report run again if the isolate dies, so
    /// only for functions whose steps are safe to repeat.
    pub fn checkpoint_buffer(mut self, n: usize) -> Self {
        self.checkpoint_buffer = Some(n.max(1));
        self
    }

    /// The function's config.
    pub fn config(&self) -> &FunctionConfig {
        &self.config
    }

    /// Whether a failure handler is set.
    pub fn has_failure_handler(&self) -> bool {
        self.on_failure.is_some()
    }
}
