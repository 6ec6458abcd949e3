//! One request through the stand-in: the method, the token, injected failures, the
//! read-only check, the body, the command, and the record of what happened.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::filter;
use super::store::{Fusion, Namespace, Query, Record, SparseVector};
use super::{bm25, dense, UpstashConfig};

/// The index's name in Upstash's messages.
const INDEX_NAME: &str = "devkit";
/// Largest `topK` (and fetch-by-prefix answer) Upstash serves.
const MAX_TOP_K: u64 = 1000;
/// Upstash's limit on a sparse vector's non-zero dimensions.
const MAX_SPARSE_ENTRIES: usize = 1000;
/// Requests kept for `GET /_devkit/upstash/requests` (the oldest go first).
const KEPT_REQUESTS: usize = 1000;

/// Which token a request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    ReadWrite,
    ReadOnly,
    /// No `Authorization: Bearer …`, or an empty token.
    Missing,
    /// A token that is neither of the configured ones.
    Invalid,
}

/// One request as the stand-in saw it (`GET /_devkit/upstash/requests`).
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    /// The Upstash path, e.g. `/query-data/docs`.
    pub path: String,
    /// The query string, when there is one (`all` for `reset?all`).
    pub query: Option<String>,
    /// The command (`query-data`) and namespace (`docs`, `""` for the default).
    pub command: String,
    pub namespace: String,
    /// The body as JSON (as text when it is not JSON; null when empty).
    pub body: Value,
    pub token: TokenKind,
    pub status: u16,
    /// Whether an injected failure answered.
    pub injected: bool,
}

/// A failure to inject (`POST /_devkit/upstash/fail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailurePlan {
    /// The status answered (429 by default: Upstash's rate limit).
    #[serde(default = "rate_limited")]
    pub status: u16,
    /// How many API calls fail.
    #[serde(default = "one")]
    pub times: u32,
    /// The `error` text; a rate-limit message by default for 429.
    #[serde(default)]
    pub error: Option<String>,
    /// Only calls whose path starts with this, e.g. `/query` (any when absent).
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// A `Retry-After` header, in seconds (none by default: Upstash documents none).
    #[serde(default)]
    pub retry_after: Option<u64>,
}

fn rate_limited() -> u16 {
    429
}

fn one() -> u32 {
    1
}

/// What is answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Reply {
    fn ok(result: Value) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: json!({ "result": result }),
        }
    }
}

/// An error in Upstash's shape, `{"error": "...", "status": N}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, message)
    }

    pub(super) fn reply(self) -> Reply {
        Reply {
            status: self.status,
            headers: Vec::new(),
            body: json!({ "error": self.message, "status": self.status }),
        }
    }
}

/// The request, as far as the stand-in reads it.
pub struct Incoming<'a> {
    pub method: &'a str,
    /// The path below `/upstash`, e.g. `/query-data/docs`.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// The commands of the REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Upsert,
    UpsertData,
    Update,
    Query,
    QueryData,
    Delete,
    Fetch,
    Range,
    Reset,
    Info,
    ListNamespaces,
    DeleteNamespace,
    Resumable,
}

impl Command {
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "upsert" => Self::Upsert,
            "upsert-data" => Self::UpsertData,
            "update" => Self::Update,
            "query" => Self::Query,
            "query-data" => Self::QueryData,
            "delete" => Self::Delete,
            "fetch" => Self::Fetch,
            "range" => Self::Range,
            "reset" => Self::Reset,
            "info" => Self::Info,
            "list-namespaces" => Self::ListNamespaces,
            "delete-namespace" => Self::DeleteNamespace,
            "resumable-query"
            | "resumable-query-data"
            | "resumable-query-next"
            | "resumable-query-end" => Self::Resumable,
            _ => return None,
        })
    }

    /// Commands the read-only token may not run.
    fn writes(self) -> bool {
        matches!(
            self,
            Self::Upsert
                | Self::UpsertData
                | Self::Update
                | Self::Delete
                | Self::Reset
                | Self::DeleteNamespace
        )
    }
}

/// The mutable state behind the lock.
pub struct Inner {
    pub namespaces: BTreeMap<String, Namespace>,
    pub requests: Vec<RecordedRequest>,
    pub failures: Vec<FailurePlan>,
}

impl Default for Inner {
    fn default() -> Self {
        let mut namespaces = BTreeMap::new();
        // Every index has the default namespace, `""`.
        namespaces.insert(String::new(), Namespace::default());
        Self {
            namespaces,
            requests: Vec::new(),
            failures: Vec::new(),
        }
    }
}

impl Inner {
    /// Answer one API call and record it.
    pub fn handle(&mut self, config: &UpstashConfig, incoming: Incoming<'_>) -> Reply {
        let trimmed = incoming.path.trim_start_matches('/');
        let (command, namespace) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        let token = token_kind(config, incoming.headers);
        let (reply, injected) = self.answer(&incoming, command, namespace, token);
        let text = String::from_utf8_lossy(incoming.body);
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()))
        };
        if self.requests.len() >= KEPT_REQUESTS {
            self.requests.remove(0);
        }
        self.requests.push(RecordedRequest {
            method: incoming.method.to_owned(),
            path: incoming.path.to_owned(),
            query: incoming.query.map(str::to_owned),
            command: command.to_owned(),
            namespace: namespace.to_owned(),
            body,
            token,
            status: reply.status,
            injected,
        });
        reply
    }

    fn answer(
        &mut self,
        incoming: &Incoming<'_>,
        name: &str,
        namespace: &str,
        token: TokenKind,
    ) -> (Reply, bool) {
        // Upstash's REST API takes HEAD, GET, POST and PUT (and DELETE, which its
        // endpoint pages use); the JS client POSTs everything.
        if !matches!(incoming.method, "GET" | "HEAD" | "POST" | "PUT" | "DELETE") {
            return (ApiError::new(405, "Method Not Allowed").reply(), false);
        }
        if matches!(token, TokenKind::Missing | TokenKind::Invalid) {
            return (
                ApiError::new(401, "Unauthorized: Invalid auth token").reply(),
                false,
            );
        }
        let Some(command) = Command::of(name) else {
            return (ApiError::new(404, "Not Found").reply(), false);
        };
        if let Some(reply) = self.injected_failure(incoming.path) {
            return (reply, true);
        }
        if command.writes() && token == TokenKind::ReadOnly {
            return (
                ApiError::new(
                    super::READONLY_STATUS,
                    format!("Unauthorized: a read-only token cannot run /{name}"),
                )
                .reply(),
                false,
            );
        }
        let text = String::from_utf8_lossy(incoming.body);
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            match serde_json::from_str(&text) {
                Ok(body) => body,
                Err(e) => {
                    return (
                        ApiError::bad(format!("Invalid JSON body: {e}")).reply(),
                        false,
                    )
                }
            }
        };
        let all = incoming
            .query
            .is_some_and(|q| q.split('&').any(|p| p == "all" || p.starts_with("all=")));
        let result = match command {
            Command::Upsert => self.upsert(namespace, &body, false),
            Command::UpsertData => self.upsert(namespace, &body, true),
            Command::Update => self.update(namespace, &body),
            Command::Query => self.query(namespace, &body, false),
            Command::QueryData => self.query(namespace, &body, true),
            Command::Delete => self.delete(namespace, &body),
            Command::Fetch => self.fetch(namespace, &body),
            Command::Range => self.range(namespace, &body),
            Command::Reset => Ok(self.reset(namespace, all)),
            Command::Info => Ok(self.info()),
            Command::ListNamespaces => Ok(json!(self.namespaces.keys().collect::<Vec<_>>())),
            Command::DeleteNamespace => self.delete_namespace(namespace),
            Command::Resumable => Err(ApiError::bad(
                "Resumable queries are not supported by the devkit stand-in",
            )),
        };
        (result.map_or_else(ApiError::reply, Reply::ok), false)
    }

    fn injected_failure(&mut self, path: &str) -> Option<Reply> {
        let at = self.failures.iter().position(|plan| {
            plan.path_prefix
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
        })?;
        let plan = self.failures[at].clone();
        if plan.times <= 1 {
            self.failures.remove(at);
        } else {
            self.failures[at].times -= 1;
        }
        let message = plan.error.unwrap_or_else(|| match plan.status {
            429 => "ERR max requests limit exceeded".to_owned(),
            500..=599 => "Internal Server Error".to_owned(),
            _ => "Injected failure".to_owned(),
        });
        let mut reply = ApiError::new(plan.status, message).reply();
        if let Some(seconds) = plan.retry_after {
            reply
                .headers
                .push(("retry-after".to_owned(), seconds.to_string()));
        }
        Some(reply)
    }

    // ---- writes ---------------------------------------------------------------------

    fn upsert(&mut self, ns: &str, body: &Value, data: bool) -> Result<Value, ApiError> {
        let mut records = Vec::new();
        for item in items(body)? {
            let id = parse_id(item)?;
            let metadata = parse_metadata(item.get("metadata"))?;
            let record = if data {
                let text = match item.get("data") {
                    Some(Value::String(text)) => text.clone(),
                    _ => return Err(ApiError::bad("data is required and must be a string")),
                };
                embedded(text, metadata)
            } else {
                let (Some(vector), Some(sparse)) = (item.get("vector"), item.get("sparseVector"))
                else {
                    return Err(ApiError::unprocessable(
                        "This is a hybrid index: both vector and sparseVector must be given",
                    ));
                };
                Record {
                    dense: parse_dense(vector)?,
                    sparse: parse_sparse(sparse)?,
                    metadata,
                    data: optional_string(item, "data")?,
                }
            };
            records.push((id, record));
        }
        let namespace = self.namespaces.entry(ns.to_owned()).or_default();
        for (id, record) in records {
            namespace.upsert(id, record);
        }
        Ok(json!("Success"))
    }

    fn update(&mut self, ns: &str, body: &Value) -> Result<Value, ApiError> {
        if !body.is_object() {
            return Err(ApiError::bad("The body must be a JSON object"));
        }
        let id = parse_id(body)?;
        let vectors = match (body.get("vector"), body.get("sparseVector")) {
            (Some(v), Some(s)) => Some((parse_dense(v)?, parse_sparse(s)?)),
            (None, None) => None,
            _ => {
                return Err(ApiError::unprocessable(
                    "This is a hybrid index: update both vector and sparseVector, or neither",
                ))
            }
        };
        let data = optional_string(body, "data")?;
        let metadata = parse_metadata(body.get("metadata"))?;
        let patch = match body.get("metadataUpdateMode").and_then(Value::as_str) {
            None | Some("OVERWRITE") => false,
            Some("PATCH") => true,
            Some(other) => {
                return Err(ApiError::bad(format!(
                    "Invalid metadataUpdateMode: {other}, possible values: OVERWRITE, PATCH"
                )))
            }
        };
        let Some(namespace) = self.namespaces.get_mut(ns) else {
            return Ok(json!({ "updated": 0 }));
        };
        let Some(mut record) = namespace.records.get(&id).cloned() else {
            return Ok(json!({ "updated": 0 }));
        };
        match (vectors, &data) {
            (Some((dense, sparse)), _) => {
                record.dense = dense;
                record.sparse = sparse;
            }
            // With a hosted model, new data is embedded into new vectors.
            (None, Some(text)) => {
                let fresh = embedded(text.clone(), None);
                record.dense = fresh.dense;
                record.sparse = fresh.sparse;
            }
            (None, None) => {}
        }
        if data.is_some() {
            record.data = data;
        }
        if let Some(metadata) = metadata {
            record.metadata = match (patch, record.metadata.take()) {
                (true, Some(mut old)) => {
                    merge_patch(&mut old, &metadata);
                    Some(old)
                }
                _ => Some(metadata),
            };
        }
        namespace.upsert(id, record);
        Ok(json!({ "updated": 1 }))
    }

    fn delete(&mut self, ns: &str, body: &Value) -> Result<Value, ApiError> {
        let ids = match body {
            Value::Array(ids) => Some(
                ids.iter()
                    .map(parse_id_value)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Value::String(_) | Value::Number(_) => Some(vec![parse_id_value(body)?]),
            _ => None,
        };
        let namespace = self.namespaces.get_mut(ns);
        let deleted = if let Some(ids) = ids {
            namespace.map_or(0, |n| ids.iter().filter(|id| n.remove(id)).count())
        } else {
            let count = ["ids", "prefix", "filter"]
                .iter()
                .filter(|key| body.get(**key).is_some_and(|v| !v.is_null()))
                .count();
            if count != 1 {
                return Err(ApiError::bad(
                    "Only and only one of the ids, prefix, or filter must be provided.",
                ));
            }
            if let Some(ids) = body.get("ids").filter(|v| !v.is_null()) {
                let ids = id_list(ids)?;
                namespace.map_or(0, |n| ids.iter().filter(|id| n.remove(id)).count())
            } else if let Some(prefix) = body.get("prefix").filter(|v| !v.is_null()) {
                let prefix = prefix
                    .as_str()
                    .ok_or_else(|| ApiError::bad("prefix must be a string"))?;
                namespace.map_or(0, |n| {
                    let ids = n.ids_with_prefix(prefix);
                    ids.iter().filter(|id| n.remove(id)).count()
                })
            } else {
                let text = body
                    .get("filter")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ApiError::bad("filter must be a string"))?;
                let filter = filter::parse(text).map_err(|e| ApiError::bad(e.0))?;
                namespace.map_or(0, |n| {
                    let ids: Vec<String> = n
                        .records
                        .iter()
                        .filter(|(_, r)| {
                            filter
                                .as_ref()
                                .is_none_or(|f| f.matches(r.metadata.as_ref()))
                        })
                        .map(|(id, _)| id.clone())
                        .collect();
                    ids.iter().filter(|id| n.remove(id)).count()
                })
            }
        };
        Ok(json!({ "deleted": deleted }))
    }

    fn reset(&mut self, ns: &str, all: bool) -> Value {
        // Namespaces are emptied, not deleted.
        for (name, namespace) in &mut self.namespaces {
            if all || name == ns {
                namespace.clear();
            }
        }
        json!("Success")
    }

    fn delete_namespace(&mut self, ns: &str) -> Result<Value, ApiError> {
        if ns.is_empty() {
            return Err(ApiError::bad("The default namespace cannot be deleted"));
        }
        match self.namespaces.remove(ns) {
            Some(_) => Ok(json!("Success")),
            None => Err(ApiError::new(
                404,
                format!("Namespace {ns} for the index {INDEX_NAME} does not exist"),
            )),
        }
    }

    // ---- reads ----------------------------------------------------------------------

    fn query(&self, ns: &str, body: &Value, data: bool) -> Result<Value, ApiError> {
        let empty = Namespace::default();
        let namespace = self.namespaces.get(ns).unwrap_or(&empty);
        let run = |item: &Value| -> Result<Value, ApiError> {
            let (query, include) = parse_query(item, data)?;
            let hits = namespace.query(&query);
            Ok(Value::Array(
                hits.into_iter()
                    .filter_map(|(id, score)| {
                        let record = namespace.records.get(&id)?;
                        Some(view(&id, record, include, Some(score)))
                    })
                    .collect(),
            ))
        };
        match body {
            // A batch: one list a query; a batch of one answers like a single query.
            Value::Array(queries) if queries.len() == 1 => run(&queries[0]),
            Value::Array(queries) => Ok(Value::Array(
                queries.iter().map(run).collect::<Result<_, _>>()?,
            )),
            _ => run(body),
        }
    }

    fn fetch(&self, ns: &str, body: &Value) -> Result<Value, ApiError> {
        let empty = Namespace::default();
        let namespace = self.namespaces.get(ns).unwrap_or(&empty);
        let (ids, prefix, include) = match body {
            Value::Array(_) => (Some(id_list(body)?), None, Include::default()),
            Value::Object(_) => {
                let ids = body.get("ids").filter(|v| !v.is_null());
                let prefix = body.get("prefix").filter(|v| !v.is_null());
                if ids.is_some() == prefix.is_some() {
                    return Err(ApiError::bad("Only one of ids or prefix must be provided."));
                }
                let ids = ids.map(id_list).transpose()?;
                let prefix = prefix
                    .map(|p| {
                        p.as_str()
                            .ok_or_else(|| ApiError::bad("prefix must be a string"))
                    })
                    .transpose()?;
                (ids, prefix, Include::parse(body)?)
            }
            _ => return Err(ApiError::bad("Only one of ids or prefix must be provided.")),
        };
        let found = |id: &String| {
            namespace
                .records
                .get(id)
                .map_or(Value::Null, |r| view(id, r, include, None))
        };
        Ok(match (ids, prefix) {
            (Some(ids), _) => ids.iter().map(found).collect(),
            (None, Some(prefix)) => namespace
                .ids_with_prefix(prefix)
                .iter()
                .take(MAX_TOP_K as usize)
                .map(found)
                .collect(),
            (None, None) => Value::Array(Vec::new()),
        })
    }

    fn range(&self, ns: &str, body: &Value) -> Result<Value, ApiError> {
        if !body.is_object() {
            return Err(ApiError::bad("The body must be a JSON object"));
        }
        let cursor = match body.get("cursor") {
            None | Some(Value::Null) => 0,
            Some(Value::String(s)) if s.is_empty() => 0,
            Some(Value::String(s)) => s
                .parse::<usize>()
                .map_err(|_| ApiError::bad(format!("Invalid cursor: {s}")))?,
            Some(Value::Number(n)) => n
                .as_u64()
                .ok_or_else(|| ApiError::bad(format!("Invalid cursor: {n}")))?
                as usize,
            Some(other) => return Err(ApiError::bad(format!("Invalid cursor: {other}"))),
        };
        let limit = body
            .get("limit")
            .and_then(Value::as_u64)
            .filter(|l| *l > 0)
            .ok_or_else(|| ApiError::bad("limit is required and must be a positive integer"))?
            as usize;
        let prefix = match body.get("prefix") {
            None | Some(Value::Null) => "",
            Some(Value::String(p)) => p.as_str(),
            Some(_) => return Err(ApiError::bad("prefix must be a string")),
        };
        let include = Include::parse(body)?;
        let empty = Namespace::default();
        let namespace = self.namespaces.get(ns).unwrap_or(&empty);
        let ids = namespace.ids_with_prefix(prefix);
        let page: Vec<Value> = ids
            .iter()
            .skip(cursor)
            .take(limit)
            .filter_map(|id| {
                namespace
                    .records
                    .get(id)
                    .map(|r| view(id, r, include, None))
            })
            .collect();
        let next = cursor + limit;
        let next_cursor = if next < ids.len() {
            next.to_string()
        } else {
            String::new()
        };
        Ok(json!({ "nextCursor": next_cursor, "vectors": page }))
    }

    fn info(&self) -> Value {
        let count: usize = self.namespaces.values().map(|n| n.records.len()).sum();
        let size: usize = self.namespaces.values().map(Namespace::size).sum();
        let namespaces: Map<String, Value> = self
            .namespaces
            .iter()
            .map(|(name, n)| {
                (
                    name.clone(),
                    json!({ "vectorCount": n.records.len(), "pendingVectorCount": 0 }),
                )
            })
            .collect();
        json!({
            "vectorCount": count,
            "pendingVectorCount": 0,
            "indexSize": size,
            "dimension": dense::DIMENSION,
            "similarityFunction": "COSINE",
            "indexType": "HYBRID",
            "denseIndex": {
                "dimension": dense::DIMENSION,
                "similarityFunction": "COSINE",
                "embeddingModel": super::DENSE_MODEL,
            },
            "sparseIndex": { "embeddingModel": "BM25" },
            "namespaces": namespaces,
        })
    }
}

fn token_kind(config: &UpstashConfig, headers: &HeaderMap) -> TokenKind {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .unwrap_or_default();
    if token.is_empty() {
        return TokenKind::Missing;
    }
    if config.readonly_token.as_deref() == Some(token) {
        return TokenKind::ReadOnly;
    }
    match config.token.as_deref() {
        None => TokenKind::ReadWrite,
        Some(expected) if expected == token => TokenKind::ReadWrite,
        Some(_) => TokenKind::Invalid,
    }
}

/// What a query, fetch or range includes beside the id (and score).
#[derive(Debug, Clone, Copy, Default)]
struct Include {
    metadata: bool,
    data: bool,
    vectors: bool,
}

impl Include {
    fn parse(body: &Value) -> Result<Self, ApiError> {
        let flag = |key: &str| match body.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ApiError::bad(format!("{key} must be a boolean"))),
        };
        Ok(Self {
            metadata: flag("includeMetadata")?,
            data: flag("includeData")?,
            vectors: flag("includeVectors")?,
        })
    }
}

/// A record as Upstash shows it: absent fields are left out.
fn view(id: &str, record: &Record, include: Include, score: Option<f64>) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    if let Some(score) = score {
        out.insert("score".into(), json!(score));
    }
    if include.vectors {
        out.insert("vector".into(), json!(record.dense));
        out.insert("sparseVector".into(), json!(record.sparse));
    }
    if include.metadata {
        if let Some(metadata) = &record.metadata {
            out.insert("metadata".into(), metadata.clone());
        }
    }
    if include.data {
        if let Some(data) = &record.data {
            out.insert("data".into(), json!(data));
        }
    }
    Value::Object(out)
}

/// Text embedded the way the hosted models would: both vectors from the data.
fn embedded(text: String, metadata: Option<Value>) -> Record {
    Record {
        dense: dense::embed(&text),
        sparse: bm25::document_vector(&text),
        metadata,
        data: Some(text),
    }
}

fn parse_query(item: &Value, data: bool) -> Result<(Query, Include), ApiError> {
    if !item.is_object() {
        return Err(ApiError::bad("A query must be a JSON object"));
    }
    let top_k = match item.get("topK") {
        None | Some(Value::Null) => 10,
        Some(v) => v
            .as_u64()
            .filter(|k| (1..=MAX_TOP_K).contains(k))
            .ok_or_else(|| {
                ApiError::bad(format!("topK must be between 1 and {MAX_TOP_K}, got {v}"))
            })?,
    } as usize;
    let filter = match item.get("filter") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => filter::parse(text).map_err(|e| ApiError::bad(e.0))?,
        Some(_) => return Err(ApiError::bad("filter must be a string")),
    };
    let idf = match item.get("weightingStrategy").and_then(Value::as_str) {
        None => false,
        Some("IDF") => true,
        Some(other) => {
            return Err(ApiError::bad(format!(
                "Invalid weightingStrategy: {other}, possible values: IDF"
            )))
        }
    };
    let fusion = match item.get("fusionAlgorithm").and_then(Value::as_str) {
        None | Some("RRF") => Fusion::Rrf,
        Some("DBSF") => Fusion::Dbsf,
        Some(other) => {
            return Err(ApiError::bad(format!(
                "Invalid fusionAlgorithm: {other}, possible values: RRF, DBSF"
            )))
        }
    };
    let (dense, sparse) = if data {
        let Some(text) = item.get("data").and_then(Value::as_str) else {
            return Err(ApiError::bad("data is required and must be a string"));
        };
        let (use_dense, use_sparse) = match item.get("queryMode").and_then(Value::as_str) {
            None | Some("HYBRID") => (true, true),
            Some("DENSE") => (true, false),
            Some("SPARSE") => (false, true),
            Some(other) => {
                return Err(ApiError::bad(format!(
                    "Invalid queryMode: {other}, possible values: HYBRID, DENSE, SPARSE"
                )))
            }
        };
        (
            use_dense.then(|| dense::embed(text)),
            use_sparse.then(|| bm25::query_vector(text)),
        )
    } else {
        let dense = item
            .get("vector")
            .filter(|v| !v.is_null())
            .map(parse_dense)
            .transpose()?;
        let sparse = item
            .get("sparseVector")
            .filter(|v| !v.is_null())
            .map(parse_sparse)
            .transpose()?;
        if dense.is_none() && sparse.is_none() {
            return Err(ApiError::bad(
                "Either vector or sparseVector must be provided",
            ));
        }
        (dense, sparse)
    };
    let query = Query {
        top_k,
        filter,
        dense,
        sparse,
        idf,
        fusion,
    };
    Ok((query, Include::parse(item)?))
}

fn items(body: &Value) -> Result<Vec<&Value>, ApiError> {
    match body {
        Value::Array(items) => Ok(items.iter().collect()),
        Value::Object(_) => Ok(vec![body]),
        _ => Err(ApiError::bad(
            "The body must be a JSON object or an array of them",
        )),
    }
}

fn parse_id(item: &Value) -> Result<String, ApiError> {
    match item.get("id") {
        Some(id) => parse_id_value(id),
        None => Err(ApiError::bad(
            "id is required and cannot be an empty string",
        )),
    }
}

fn parse_id_value(id: &Value) -> Result<String, ApiError> {
    match id {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(ApiError::bad(
            "id is required and cannot be an empty string",
        )),
    }
}

fn id_list(ids: &Value) -> Result<Vec<String>, ApiError> {
    ids.as_array()
        .ok_or_else(|| ApiError::bad("ids must be an array"))?
        .iter()
        .map(parse_id_value)
        .collect()
}

fn optional_string(item: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match item.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad(format!("{key} must be a string"))),
    }
}

fn parse_metadata(value: Option<&Value>) -> Result<Option<Value>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(_) => Err(ApiError::bad("metadata must be a JSON object")),
    }
}

fn parse_dense(value: &Value) -> Result<Vec<f32>, ApiError> {
    let items = value
        .as_array()
        .ok_or_else(|| ApiError::bad("vector must be an array of numbers"))?;
    let vector = items
        .iter()
        .map(|v| v.as_f64().map(|f| f as f32))
        .collect::<Option<Vec<f32>>>()
        .ok_or_else(|| ApiError::bad("vector must be an array of numbers"))?;
    if vector.len() != dense::DIMENSION {
        return Err(ApiError::unprocessable(format!(
            "Invalid vector dimension: {}, expected: {}",
            vector.len(),
            dense::DIMENSION
        )));
    }
    Ok(vector)
}

fn parse_sparse(value: &Value) -> Result<SparseVector, ApiError> {
    let malformed =
        || ApiError::bad("sparseVector must be {\"indices\": [integers], \"values\": [numbers]}");
    let indices = value
        .get("indices")
        .and_then(Value::as_array)
        .ok_or_else(malformed)?
        .iter()
        .map(|v| v.as_i64().and_then(|i| i32::try_from(i).ok()))
        .collect::<Option<Vec<i32>>>()
        .ok_or_else(malformed)?;
    let values = value
        .get("values")
        .and_then(Value::as_array)
        .ok_or_else(malformed)?
        .iter()
        .map(|v| v.as_f64().map(|f| f as f32))
        .collect::<Option<Vec<f32>>>()
        .ok_or_else(malformed)?;
    if indices.len() != values.len() {
        return Err(ApiError::unprocessable(format!(
            "Sparse vector indices and values must have the same length, got {} and {}",
            indices.len(),
            values.len()
        )));
    }
    if indices.len() > MAX_SPARSE_ENTRIES {
        return Err(ApiError::unprocessable(format!(
            "Sparse vectors can have at most {MAX_SPARSE_ENTRIES} non-zero dimensions, got {}",
            indices.len()
        )));
    }
    let vector = SparseVector::from_pairs(indices.into_iter().zip(values).collect());
    if vector.indices.windows(2).any(|w| w[0] == w[1]) {
        return Err(ApiError::unprocessable(
            "Sparse vector indices must be unique",
        ));
    }
    Ok(vector)
}

/// RFC 7396 JSON Merge Patch (`metadataUpdateMode: "PATCH"`).
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(fields) = target {
        for (key, value) in patch {
            if value.is_null() {
                fields.remove(key);
            } else {
                merge_patch(fields.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}, "n": [1]}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}, "n": [1]}));
    }

    #[test]
    fn tokens_are_told_apart() {
        let config = UpstashConfig {
            token: Some("rw".into()),
            readonly_token: Some("ro".into()),
        };
        let kind = |value: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(v) = value {
                headers.insert("authorization", v.parse().unwrap());
            }
            token_kind(&config, &headers)
        };
        assert_eq!(kind(Some("Bearer rw")), TokenKind::ReadWrite);
        assert_eq!(kind(Some("bearer ro")), TokenKind::ReadOnly);
        assert_eq!(kind(Some("Bearer nope")), TokenKind::Invalid);
        assert_eq!(kind(Some("Bearer ")), TokenKind::Missing);
        assert_eq!(kind(Some("Basic rw")), TokenKind::Missing);
        assert_eq!(kind(None), TokenKind::Missing);
        let open = UpstashConfig::default();
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer anything".parse().unwrap());
        assert_eq!(token_kind(&open, &headers), TokenKind::ReadWrite);
    }
}
