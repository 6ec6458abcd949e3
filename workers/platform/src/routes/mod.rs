//! One file per surface: each handler parses the request, calls the domain, answers.

pub mod admin;
pub mod api;
pub mod auth;
pub mod doctor;
pub mod front;
pub mod health;
pub mod inngest;
pub mod pages;
pub mod slack;

use std::rc::Rc;

use support_core::settings::Settings;
use worker::{Context, Env};

use crate::http::ApiError;

/// What every handler gets besides the request.
pub struct Ctx {
    /// Bindings.
    pub env: Env,
    /// The request's context (`wait_until`).
    pub ctx: Rc<Context>,
    /// The `{name}` segments of the matched route, in order.
    pub params: Vec<String>,
    /// This request's telemetry, when Axiom or Langfuse is configured.
    pub telemetry: Option<std::sync::Arc<support_workflows::telemetry::Recorder>>,
}

impl Ctx {
    /// The store over D1 (app secrets sealed with `APP_SECRETS_KEYS`); a 503 when it
    /// cannot be opened.
    pub fn store(&self) -> Result<std::sync::Arc<support_store::SqlStore>, ApiError> {
        let settings = self.settings()?;
        crate::ports::store::open(
            &self.env,
            settings
                .services
                .app_secrets_keys
                .as_ref()
                .map(support_http::Secret::expose),
        )
        .map_err(|e| ApiError::new(503, "the store is not configured; see the logs").with_cause(e))
    }

    /// The pipeline's store and services (what deciding an approval needs); a 503 when
    /// the store cannot be opened.
    pub fn pipeline(&self) -> Result<support_workflows::PipelinePorts, ApiError> {
        let settings = self.settings()?;
        crate::ports::pipeline::ports(&self.env, &settings, self.telemetry.clone())
            .ok_or_else(|| ApiError::new(503, "the approval store is not available; see the logs"))
    }

    /// Configuration, read once per isolate; a bad value is a logged 500.
    pub fn settings(&self) -> Result<Rc<Settings>, ApiError> {
        crate::env::settings_or_500(&self.env)
    }

    /// The `i`-th `{name}` segment of the route.
    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).map(String::as_str).unwrap_or_default()
    }
}

/// Record a decision and answer as soon as it and its audit row are stored: waking the
/// approval's wait, the draft's outcome and the correction run after the answer
/// (`wait_until`), off the decider's critical path.
pub async fn record_decision(
    ctx: &Ctx,
    ports: &support_workflows::PipelinePorts,
    decider: support_workflows::approvals::decide::Decider<'_>,
    action: Option<support_store::ActionRecord>,
) -> Result<support_workflows::approvals::decide::Recorded, ApiError> {
    let settings = ctx.settings()?;
    let mut after = None;
    let recorded = support_workflows::approvals::decide::record_then(
        ports.store.as_ref(),
        &ports.services,
        decider,
        action,
        &mut |next| after = Some(next),
    )
    .await;
    // Even when the audit write failed, the decision is stored: wake its wait.
    if let Some(after) = after {
        let ports = ports.clone();
        let events = crate::ports::pipeline::events(&settings);
        ctx.ctx.wait_until(async move {
            after
                .run(ports.store.as_ref(), &ports.services, &events)
                .await;
        });
    }
    recorded.map_err(ApiError::unavailable)
}

/// Redraw a decided approval's Slack card to say who decided (however the decision was
/// made: Slack, the dashboard, the API). A failure is logged: the decision stands.
pub async fn redraw_decided(
    ports: &support_workflows::PipelinePorts,
    action_id: &str,
    status: support_store::ActionStatus,
) {
    let line = match status {
        support_store::ActionStatus::Approved => "Approved",
        _ => "Rejected",
    };
    if let Err(e) =
        support_workflows::approvals::redraw(ports.store.as_ref(), &ports.services, action_id, line)
            .await
    {
        worker::console_warn!("could not update the approval message: {e}");
    }
}
