//! The Inngest serve protocol, SDK side: declare durable functions in Rust and answer
//! Inngest's call requests. Framework-neutral and wasm32-ready (no tokio, no `worker`).
//!
//! # The model
//!
//! Inngest calls one HTTP endpoint ([`ServeHandler::handle`]):
//!
//! * `GET` — introspection (`schema_version` `2024-05-24`; more detail when signed).
//! * `PUT` — sync: the handler POSTs the app's function configs to
//!   `{api_origin}/fn/register` (out-of-band sync) and answers
//!   `200 {"message":"Successfully registered","modified":...}`.
//! * `POST ?fnId=<app>-<fn>&stepId=step|<hash>` — a call request, signed with
//!   `X-Inngest-Signature` (verified against the primary then the fallback key; the
//!   response is signed with whichever matched). Only [`ServeConfig::dev`] skips this.
//!
//! The SDK is stateless. Each call re-runs the function from the top with a [`Step`]
//! handle. Every step has an id; its hash (SHA-1 of the id, `id:N` for the N-th
//! repeat) is looked up in the `steps` state Inngest sent, and a stored result is
//! returned without doing the work again. The first step that has no result stops the
//! execution: the step method returns [`StepError::Interrupted`], your function
//! propagates it with `?`, and the handler answers `206` with one opcode:
//!
//! | step | when new, the call answers |
//! |---|---|
//! | [`Step::run`], [`Step::send_event`] | `StepRun` with the value (run immediately), `StepError`/`StepFailed` if it failed, or `StepPlanned` when immediate execution is off |
//! | [`Step::sleep`], [`Step::sleep_until`] | `Sleep` (`opts.duration`) |
//! | [`Step::wait_for_event`] | `WaitForEvent` (`opts.event/timeout/if`) |
//! | [`Step::invoke`] | `InvokeFunction` (`opts.function_id/payload/timeout`) |
//!
//! When the function returns, the call answers `200` with the value. Errors:
//! [`FnError::Retriable`] → `500` (Inngest retries), [`FnError::RetryAfter`] → `500` +
//! `Retry-After`, [`FnError::NonRetriable`] → `400` + `X-Inngest-No-Retry: true`. A step
//! that failed for good returns [`StepError::Failed`]; handle it, or let `?` turn it
//! into a non-retriable failure of the run.
//!
//! Steps run one at a time (no parallel steps). Control flow never panics.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use serde_json::{json, Value};
//! use support_inngest::serve::{
//!     Cancel, FnError, FunctionConfig, Input, ServeConfig, ServeFunction, ServeHandler,
//!     Step, StepError, Trigger, WaitOpts,
//! };
//!
//! async fn follow_up(input: Input, step: Step) -> Result<Value, FnError> {
//!     let ticket = input.event.data["ticket_id"].as_str().unwrap_or_default().to_owned();
//!
//!     // Runs once; later calls get the stored draft back.
//!     let draft: String = step
//!         .run("draft reply", || async { Ok(format!("Hello about {ticket}")) })
//!         .await?;
//!
//!     // Give the customer a day.
//!     step.sleep("wait a day", Duration::from_secs(24 * 3600)).await?;
//!
//!     // Wait up to a week for a human to approve the draft.
//!     let approval = step
//!         .wait_for_event(
//!             "approval",
//!             WaitOpts {
//!                 event: "support/draft.approved".into(),
//!                 timeout: Duration::from_secs(7 * 24 * 3600),
//!                 if_expr: Some("event.data.ticket_id == async.data.ticket_id".into()),
//!             },
//!         )
//!         .await?;
//!
//!     match approval {
//!         Some(event) => {
//!             let sent = step
//!                 .run("send reply", || async { Ok(json!({ "sent": draft, "by": event.data["user"] })) })
//!                 .await;
//!             match sent {
//!                 Ok(value) => Ok(value),
//!                 // The step failed for good: record it instead of failing the run.
//!                 Err(StepError::Failed(error)) => Ok(json!({ "gave_up": error.message })),
//!                 Err(other) => Err(other.into()),
//!             }
//!         }
//!         None => Ok(json!({ "expired": true })),
//!     }
//! }
//!
//! let handler = ServeHandler::new(
//!     ServeConfig::cloud("support", "signkey-prod-12345678").with_serve_url("https://support.example/api/inngest"),
//! )
//! .function(
//!     ServeFunction::new(
//!         FunctionConfig::new("follow-up")
//!             .trigger(Trigger::event("support/ticket.opened"))
//!             .retries(3)
//!             .cancel_on(Cancel::on("support/ticket.closed").matching("data.ticket_id")),
//!         follow_up,
//!     )
//!     .on_failure(|input: Input, _step: Step| async move {
//!         Ok(json!({ "failed_run": input.event.data["run_id"] }))
//!     }),
//! );
//! // The platform worker adapts requests: `handler.handle(method, url, headers, body).await`.
//! assert_eq!(handler.function_configs("https://support.example/api/inngest").len(), 2);
//! ```

mod api;
mod call;
mod checkpoint;
mod config;
mod error;
mod function;
mod handler;
mod introspect;
mod reply;
mod request;
mod sender;
mod serve_config;
mod step;
mod sync;

pub use checkpoint::{Checkpointing, Pause, RUN_COMPLETE_ID};
pub use config::{
    Cancel, Concurrency, ConcurrencyScope, FunctionConfig, Throttle, Trigger, DEFAULT_RETRIES,
    FAILURE_SUFFIX, FUNCTION_FAILED_EVENT, MAX_RETRIES,
};
pub use error::{ErrorBody, FnError, RetryAfter, StepError};
pub use function::{BoxFuture, FnResult, FunctionBody, Input, MaybeSend, ServeFunction};
pub use handler::{ServeHandler, ServeResponse, SharedClock};
pub use sender::EventSender;
pub use serve_config::{
    ServeConfig, DEFAULT_API_ORIGIN, DEFAULT_EVENT_API_ORIGIN, DEV_SERVER_ORIGIN, REQ_VERSION,
    SCHEMA_VERSION, SDK_NAME, SDK_VERSION,
};
pub use step::{occurrence_id, step_hash, time_string, Event, Step, WaitOpts};
