//! The ingestion envelope and the bodies we send, as Langfuse's API definition has
//! them (`langfuse/langfuse` fern definition, `reference/external-apis.md` 6b).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::iso_millis;

/// One ingestion event: `{id, timestamp, type, body, metadata?}`. The envelope `id` is
/// Langfuse's dedupe key, unique per event (a retried send reuses it; an update of
/// the same trace or observation gets a new one); `body.id` is the entity's id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestionEvent {
    /// Unique per event (Langfuse recommends a UUID v4).
    pub id: String,
    /// When the event happened: ISO-8601 with milliseconds, UTC.
    pub timestamp: String,
    /// `type` and `body`.
    #[serde(flatten)]
    pub body: EventBody,
    /// The envelope's own metadata (rarely needed; the body has one too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl IngestionEvent {
    /// An event with the caller's envelope id, at `timestamp_ms` (milliseconds since
    /// the Unix epoch).
    pub fn new(id: impl Into<String>, timestamp_ms: i64, body: EventBody) -> Self {
        Self {
            id: id.into(),
            timestamp: iso_millis(timestamp_ms),
            body,
            metadata: None,
        }
    }

    /// An event whose envelope id comes from `ids` (a UUID v4 source on the platform,
    /// a counter in tests).
    pub fn with_id_source(ids: fn() -> String, timestamp_ms: i64, body: EventBody) -> Self {
        Self::new(ids(), timestamp_ms, body)
    }

    /// Set the envelope's metadata.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// The wire `type`, e.g. `generation-create`.
    pub fn kind(&self) -> &'static str {
        self.body.kind()
    }
}

/// An event's `type` and `body`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "body")]
pub enum EventBody {
    /// `trace-create`: creates the trace, or updates it when its id exists.
    #[serde(rename = "trace-create")]
    TraceCreate(TraceBody),
    /// `span-create`.
    #[serde(rename = "span-create")]
    SpanCreate(SpanBody),
    /// `span-update`: the fields given replace the span's.
    #[serde(rename = "span-update")]
    SpanUpdate(SpanBody),
    /// `generation-create`: a model call.
    #[serde(rename = "generation-create")]
    GenerationCreate(GenerationBody),
    /// `generation-update`.
    #[serde(rename = "generation-update")]
    GenerationUpdate(GenerationBody),
    /// `event-create`: a point in time (no end).
    #[serde(rename = "event-create")]
    EventCreate(SpanBody),
}

impl EventBody {
    /// The wire `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::TraceCreate(_) => "trace-create",
            EventBody::SpanCreate(_) => "span-create",
            EventBody::SpanUpdate(_) => "span-update",
            EventBody::GenerationCreate(_) => "generation-create",
            EventBody::GenerationUpdate(_) => "generation-update",
            EventBody::EventCreate(_) => "event-create",
        }
    }

    /// `body.id`: the trace's or the observation's id.
    pub fn entity_id(&self) -> &str {
        match self {
            EventBody::TraceCreate(t) => &t.id,
            EventBody::SpanCreate(s) | EventBody::SpanUpdate(s) | EventBody::EventCreate(s) => {
                &s.id
            }
            EventBody::GenerationCreate(g) | EventBody::GenerationUpdate(g) => &g.span.id,
        }
    }
}

/// A `trace-create` body: one unit of work (a conversation's pipeline run).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceBody {
    /// The trace's id (ours: derived from the run or the conversation).
    pub id: String,
    /// When the trace started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// What ran, e.g. `support-respond`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Who it was for: an opaque id (never an email: redact first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Groups traces, e.g. the conversation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Redacted input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// Redacted output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// Redacted metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Labels to filter by.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `production`, `staging`, `development`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The deployed release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The version of what ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl TraceBody {
    /// A trace with this id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// When it started (milliseconds since the Unix epoch).
    pub fn timestamp(mut self, ms: i64) -> Self {
        self.timestamp = Some(iso_millis(ms));
        self
    }

    /// What ran.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Who it was for (an opaque id).
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// The session (conversation) it belongs to.
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Its input (redacted).
    pub fn input(mut self, input: Value) -> Self {
        self.input = Some(input);
        self
    }

    /// Its output (redacted).
    pub fn output(mut self, output: Value) -> Self {
        self.output = Some(output);
        self
    }

    /// Its metadata (redacted).
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Add a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Its environment.
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// The deployed release.
    pub fn release(mut self, release: impl Into<String>) -> Self {
        self.release = Some(release.into());
        self
    }

    /// The version of what ran.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// An observation's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// `DEBUG`.
    Debug,
    /// `DEFAULT`.
    Default,
    /// `WARNING`.
    Warning,
    /// `ERROR`.
    Error,
}

/// A `span-create` / `span-update` / `event-create` body: a step inside a trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpanBody {
    /// The observation's id.
    pub id: String,
    /// The trace it belongs to.
    pub trace_id: String,
    /// What it is, e.g. `classify` or `tool:lookupUser`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// When it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Redacted metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Redacted input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// Redacted output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// `DEBUG`, `DEFAULT`, `WARNING` or `ERROR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Why, for a warning or an error (redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// The enclosing observation, when nested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_observation_id: Option<String>,
    /// `production`, `staging`, `development`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The version of what ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A `generation-create` / `generation-update` body: a model call, with what it cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationBody {
    /// The span fields.
    #[serde(flatten)]
    pub span: SpanBody,
    /// The model, e.g. `claude-sonnet-4-5`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `max_tokens`, `temperature`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_parameters: Option<Value>,
    /// Tokens used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_details: Option<UsageDetails>,
    /// What they cost, in USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_details: Option<CostDetails>,
    /// When the first token arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_start_time: Option<String>,
}

/// Setters shared by spans and generations.
macro_rules! observation_setters {
    () => {
        /// What it is.
        pub fn name(mut self, name: impl Into<String>) -> Self {
            self.span_mut().name = Some(name.into());
            self
        }

        /// When it started (milliseconds since the Unix epoch).
        pub fn start_time(mut self, ms: i64) -> Self {
            self.span_mut().start_time = Some(iso_millis(ms));
            self
        }

        /// When it ended (milliseconds since the Unix epoch).
        pub fn end_time(mut self, ms: i64) -> Self {
            self.span_mut().end_time = Some(iso_millis(ms));
            self
        }

        /// Its metadata (redacted).
        pub fn metadata(mut self, metadata: Value) -> Self {
            self.span_mut().metadata = Some(metadata);
            self
        }

        /// Its input (redacted).
        pub fn input(mut self, input: Value) -> Self {
            self.span_mut().input = Some(input);
            self
        }

        /// Its output (redacted).
        pub fn output(mut self, output: Value) -> Self {
            self.span_mut().output = Some(output);
            self
        }

        /// Its level.
        pub fn level(mut self, level: Level) -> Self {
            self.span_mut().level = Some(level);
            self
        }

        /// Why, for a warning or an error (redacted).
        pub fn status_message(mut self, message: impl Into<String>) -> Self {
            self.span_mut().status_message = Some(message.into());
            self
        }

        /// The enclosing observation.
        pub fn parent_observation_id(mut self, id: impl Into<String>) -> Self {
            self.span_mut().parent_observation_id = Some(id.into());
            self
        }

        /// Its environment.
        pub fn environment(mut self, environment: impl Into<String>) -> Self {
            self.span_mut().environment = Some(environment.into());
            self
        }

        /// The version of what ran.
        pub fn version(mut self, version: impl Into<String>) -> Self {
            self.span_mut().version = Some(version.into());
            self
        }
    };
}

impl SpanBody {
    /// A span `id` in trace `trace_id`.
    pub fn new(id: impl Into<String>, trace_id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            trace_id: trace_id.into(),
            ..Self::default()
        }
    }

    fn span_mut(&mut self) -> &mut SpanBody {
        self
    }

    observation_setters!();
}

impl GenerationBody {
    /// A generation `id` in trace `trace_id`.
    pub fn new(id: impl Into<String>, trace_id: impl Into<String>) -> Self {
        Self {
            span: SpanBody::new(id, trace_id),
            ..Self::default()
        }
    }

    fn span_mut(&mut self) -> &mut SpanBody {
        &mut self.span
    }

    observation_setters!();

    /// The model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The model's parameters (`{"max_tokens": 1024, "temperature": 0}`).
    pub fn model_parameters(mut self, parameters: Value) -> Self {
        self.model_parameters = Some(parameters);
        self
    }

    /// Tokens used.
    pub fn usage(mut self, usage: UsageDetails) -> Self {
        self.usage_details = Some(usage);
        self
    }

    /// What it cost, in USD.
    pub fn cost(mut self, cost: CostDetails) -> Self {
        self.cost_details = Some(cost);
        self
    }

    /// When the first token arrived (milliseconds since the Unix epoch).
    pub fn completion_start_time(mut self, ms: i64) -> Self {
        self.completion_start_time = Some(iso_millis(ms));
        self
    }
}

/// `usageDetails`: tokens by kind, with Anthropic's cache counts under their own names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDetails {
    /// Input tokens not read from or written to the cache.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Input tokens read from the prompt cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the prompt cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// All of them.
    pub total: u64,
}

impl UsageDetails {
    /// `input` and `output` tokens; `total` is their sum.
    pub fn new(input: u64, output: u64) -> Self {
        Self {
            input,
            output,
            cache_read_input_tokens: None,
            cache_creation_input_tokens: None,
            total: input + output,
        }
    }

    /// Add the prompt cache's counts (Anthropic's `cache_read_input_tokens` and
    /// `cache_creation_input_tokens`, which its `input_tokens` does not include); the
    /// total counts them too.
    pub fn with_cache(mut self, read: u64, creation: u64) -> Self {
        self.cache_read_input_tokens = Some(read);
        self.cache_creation_input_tokens = Some(creation);
        self.total = self.input + self.output + read + creation;
        self
    }
}

/// `costDetails`, in USD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CostDetails {
    /// Cost of the input (cache reads and writes included).
    pub input: f64,
    /// Cost of the output.
    pub output: f64,
    /// Both.
    pub total: f64,
}

impl CostDetails {
    /// `input` and `output` in USD; `total` is their sum.
    pub fn new(input: f64, output: f64) -> Self {
        Self {
            input,
            output,
            total: input + output,
        }
    }
}

/// Langfuse's answer: each event accepted or refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestionStatus {
    /// Accepted events (status 201).
    #[serde(default)]
    pub successes: Vec<IngestionSuccess>,
    /// Refused events (status 400 with why, 413 for one too large to send).
    #[serde(default)]
    pub errors: Vec<IngestionError>,
}

impl IngestionStatus {
    /// Whether every event was accepted.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }
}

/// One accepted event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestionSuccess {
    /// The envelope id.
    pub id: String,
    /// 201.
    pub status: u16,
}

/// One refused event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestionError {
    /// The envelope id.
    pub id: String,
    /// 400 (invalid), 413 (too large to send; never sent), 500...
    pub status: u16,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Details (Langfuse sends validation issues here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}
