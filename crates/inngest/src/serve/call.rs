//! A call request (`POST ?fnId=...&stepId=...`): routing to the function, the call
//! body (memoized steps, stack, attempt), `use_api` state fetched from the API, one
//! execution and its answer (`200`, `206` with an opcode, or an error).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::checkpoint::{Checkpointer, ReportFailure, RUN_COMPLETE_ID};
use super::config::FAILURE_SUFFIX;
use super::error::ErrorBody;
use super::function::{FunctionBody, Input, ServeFunction};
use super::handler::ServeHandler;
use super::reply::Reply;
use super::request::{query_get, RequestHeaders};
use super::step::{EngineState, Event, Mode, Report, Step};

/// The parsed call request body.
#[derive(Debug, Default, Deserialize)]
struct CallBody {
    #[serde(default)]
    event: Option<Value>,
    #[serde(default)]
    events: Option<Vec<Value>>,
    #[serde(default)]
    steps: Option<Map<String, Value>>,
    #[serde(default)]
    ctx: CallCtx,
    #[serde(default)]
    use_api: bool,
}

#[derive(Debug, Default, Deserialize)]
struct CallCtx {
    #[serde(default)]
    run_id: String,
    /// Inngest's id of the function (a UUID): required to checkpoint.
    #[serde(default)]
    fn_id: Option<String>,
    /// The queue item this call runs for: required to checkpoint.
    #[serde(default)]
    qi_id: Option<String>,
    #[serde(default)]
    attempt: u32,
    #[serde(default)]
    max_attempts: Option<u32>,
    #[serde(default)]
    stack: Option<CallStack>,
    #[serde(default)]
    disable_immediate_execution: bool,
    #[serde(default)]
    use_api: bool,
}

#[derive(Debug, Default, Deserialize)]
struct CallStack {
    #[serde(default)]
    stack: Option<Vec<String>>,
}

enum Route<'a> {
    Main(&'a ServeFunction),
    Failure(&'a ServeFunction),
}

impl ServeHandler {
    /// The function (or failure handler) served as `fn_id`.
    fn route(&self, fn_id: &str) -> Option<Route<'_>> {
        let app = &self.config.app_id;
        for function in &self.functions {
            let composite = function.config.composite_id(app);
            if composite == fn_id {
                return Some(Route::Main(function));
            }
            if function.on_failure.is_some()
                && fn_id.strip_suffix(FAILURE_SUFFIX) == Some(composite.as_str())
            {
                return Some(Route::Failure(function));
            }
        }
        None
    }

    /// Runs one call request (already verified) and answers it.
    pub(super) async fn call(
        &self,
        query: &[(String, String)],
        headers: &RequestHeaders,
        body: &[u8],
    ) -> Reply {
        let started_ms = self.clock.now_unix_millis();
        let fn_id = query_get(query, "fnId").unwrap_or_default();
        let Some(route) = self.route(fn_id) else {
            return Reply::error(
                500,
                &ErrorBody::new(
                    "FunctionNotFound",
                    format!(
                        "Function \"{fn_id}\" was not found in app \"{}\"",
                        self.config.app_id
                    ),
                ),
            );
        };
        let (fn_body, max_attempts, function): (&Arc<dyn FunctionBody>, u32, &ServeFunction) =
            match route {
                Route::Main(f) => (&f.body, f.config.max_attempts(), f),
                Route::Failure(f) => match &f.on_failure {
                    Some(on_failure) => (on_failure, 2, f),
                    None => return Reply::message(500, "no failure handler"),
                },
            };
        let call: CallBody = match serde_json::from_slice(body) {
            Ok(call) => call,
            Err(e) => {
                return Reply::error(
                    400,
                    &ErrorBody::new("Error", format!("Invalid call request body: {e}")),
                )
                .no_retry(true)
            }
        };
        let CallBody {
            event,
            events,
            steps,
            ctx,
            use_api,
        } = call;
        let (events, steps) = if ctx.use_api || use_api {
            match self.fetch_run_state(&ctx.run_id).await {
                Ok(state) => state,
                Err(message) => {
                    return Reply::error(500, &ErrorBody::new("Error", message));
                }
            }
        } else {
            (events.unwrap_or_default(), steps.unwrap_or_default())
        };
        let events: Vec<Event> = events.into_iter().map(Event::from_value).collect();
        let event = match event {
            Some(Value::Null) | None => events.first().cloned().unwrap_or_default(),
            Some(value) => Event::from_value(value),
        };
        let events = if events.is_empty() {
            vec![event.clone()]
        } else {
            events
        };
        let step_id = query_get(query, "stepId").unwrap_or("step");
        let mode = if step_id == "step" || step_id.is_empty() {
            Mode::Discover {
                immediate: !ctx.disable_immediate_execution,
            }
        } else {
            Mode::Target(step_id.to_owned())
        };
        let checkpointer = self.checkpointer(function, &mode, &ctx, headers, started_ms);
        let checkpointing = checkpointer.clone();
        let state = EngineState::new(
            steps,
            ctx.stack.and_then(|s| s.stack),
            mode,
            ctx.attempt,
            ctx.max_attempts.unwrap_or(max_attempts),
        );
        let step = Step::new(state, self.sender.clone(), checkpointer);
        let input = Input {
            event,
            events,
            run_id: ctx.run_id,
            attempt: ctx.attempt,
            fn_id: fn_id.to_owned(),
        };
        let result = fn_body.call(input, step.clone()).await;
        let report = step.take_report();
        let buffered = step.take_buffer();
        // Steps still buffered are reported before any answer but the run's end (where
        // they ride in the answer); if Inngest keeps refusing, the answer carries them
        // instead of what came after, which the next call finds again.
        let ends = report.is_none() && result.is_ok();
        if let (Some(checkpointer), false, false) = (&checkpointing, buffered.is_empty(), ends) {
            match checkpointer.report(&buffered).await {
                Ok(()) => {}
                Err(ReportFailure::Stale(message)) => {
                    return Reply::error(400, &ErrorBody::new("StaleDispatchError", message))
                        .no_retry(true);
                }
                Err(ReportFailure::Failed(_)) => {
                    return Reply::json(206, &Value::Array(buffered));
                }
            }
        }
        let mut reply = match report {
            Some(Report::Ops {
                ops,
                no_retry,
                retry_after,
            }) => Reply {
                retry_after,
                ..Reply::json(206, &Value::Array(ops)).no_retry(no_retry)
            },
            Some(Report::Stale(message)) => {
                Reply::error(400, &ErrorBody::new("StaleDispatchError", message)).no_retry(true)
            }
            Some(Report::StepNotFound { requested, found }) => Reply::json(
                500,
                &json!({
                    "name": "StepNotFound",
                    "message": format!("Step {requested} was requested but step {found} was found first"),
                    "requestedStep": requested,
                    "foundSteps": [found],
                }),
            ),
            None => match result {
                // Checkpointed calls end the run with an op, as inngest-js does, after
                // the steps not reported yet.
                Ok(value) if checkpointing.is_some() => {
                    let mut ops = buffered;
                    ops.push(json!({"op": "RunComplete", "id": RUN_COMPLETE_ID, "data": value}));
                    Reply::json(206, &Value::Array(ops))
                }
                Ok(value) => Reply::json(200, &value),
                Err(error) => Reply::from_fn_error(&error),
            },
        };
        if step.out_of_order() {
            reply.extra.push((
                "x-inngest-warning".to_owned(),
                "memoized steps were consumed out of stack order".to_owned(),
            ));
        }
        reply
    }

    /// A checkpointer for this call, when checkpointing applies: on for the app and not
    /// refused by the function, a discovery call that may run steps at once, a first
    /// attempt, with Inngest's ids for the function and queue item, and a transport.
    // Send natively; on wasm32 nothing is, and one `Arc` type serves both.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    fn checkpointer(
        &self,
        function: &ServeFunction,
        mode: &Mode,
        ctx: &CallCtx,
        headers: &RequestHeaders,
        started_ms: i64,
    ) -> Option<Arc<Checkpointer>> {
        let options = self.config.checkpointing?;
        let wanted = function.checkpointing.unwrap_or(true);
        let discovering = *mode == Mode::Discover { immediate: true };
        if !wanted || !discovering || ctx.attempt > 0 {
            return None;
        }
        let fn_id = ctx.fn_id.clone().filter(|id| !id.is_empty())?;
        let qi_id = ctx.qi_id.clone().filter(|id| !id.is_empty())?;
        let segment = support_http::encode_path_segment(&ctx.run_id)?;
        let transport = self.transport.clone()?;
        let keys = self.bearer_keys().ok()?;
        Some(Arc::new(Checkpointer {
            transport,
            pause: self.pause.clone(),
            clock: Arc::clone(&self.clock),
            keys,
            url: format!("{}/v1/checkpoint/{segment}/async", self.config.api_origin),
            run_id: ctx.run_id.clone(),
            fn_id,
            qi_id,
            request_id: headers.request_id.clone(),
            generation_id: headers.generation_id,
            started_ms,
            max_runtime: options.max_runtime,
            buffered_steps: function
                .checkpoint_buffer
                .unwrap_or(options.buffered_steps)
                .max(1),
            timeout: self.config.api_timeout,
        }))
    }

    /// `use_api`: the events and steps come from the API, not the request. The run id
    /// is one percent-encoded path segment: whatever it holds cannot change the path.
    async fn fetch_run_state(
        &self,
        run_id: &str,
    ) -> Result<(Vec<Value>, Map<String, Value>), String> {
        let Some(segment) = support_http::encode_path_segment(run_id) else {
            return Err(format!("invalid run id {run_id:?}"));
        };
        let base = format!("{}/v0/runs/{segment}", self.config.api_origin);
        let batch = self.api_get_json(&format!("{base}/batch")).await?;
        let actions = self.api_get_json(&format!("{base}/actions")).await?;
        let Value::Array(events) = batch else {
            return Err("the run's events are not an array".to_owned());
        };
        let steps = match actions {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err("the run's steps are not an object".to_owned()),
        };
        Ok((events, steps))
    }
}
