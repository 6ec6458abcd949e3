//! The client: one method per Upstash Vector REST command the platform uses.
//!
//! Methods, as the endpoint pages (upstash.com/docs/vector/api/endpoints/…) and the
//! official clients (`@upstash/vector`, `upstash-vector` for Python) have them:
//!
//! | method | request |
//! |---|---|
//! | [`VectorIndex::upsert_data`] | `POST /upsert-data[/{ns}]` `[{id, data, metadata?}]` |
//! | [`VectorIndex::upsert`] | `POST /upsert[/{ns}]` `[{id, vector?, sparseVector?, data?, metadata?}]` |
//! | [`VectorIndex::query_data`] | `POST /query-data[/{ns}]` `{data, topK, include…, filter?, queryMode?, fusionAlgorithm?, weightingStrategy?}` |
//! | [`VectorIndex::query`] | `POST /query[/{ns}]` `{vector?, sparseVector?, topK, …}` |
//! | [`VectorIndex::delete`] | `POST /delete[/{ns}]` `{ids}` |
//! | [`VectorIndex::delete_prefix`] | `POST /delete[/{ns}]` `{prefix}` |
//! | [`VectorIndex::fetch`] | `POST /fetch[/{ns}]` `{ids, include…}` |
//! | [`VectorIndex::range`] | `POST /range[/{ns}]` `{cursor, limit, prefix?, include…}` |
//! | [`VectorIndex::info`] | `GET /info` |
//! | [`VectorIndex::list_namespaces`] | `GET /list-namespaces` |
//!
//! Methods with a body are `POST`: the docs' `fetch` and `range` pages say `GET` but
//! their curl examples send a body (which makes curl POST), and Workers' `fetch` refuses a
//! GET with a body; the `delete` page says `DELETE`, while both official clients send every
//! command as `POST`, which is what we copy. The two commands without a body are `GET`,
//! as documented.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use support_http::{encode_path_segment, ApiBase, Credential, HttpResponse, Secret, Transport};

use crate::error::{scrub, VectorError};
use crate::types::{
    DataQuery, DataRecord, Hit, Include, IndexInfo, RangePage, Record, VectorQuery, VectorRecord,
};

/// Timeout of each request unless [`VectorIndex::with_timeout`] says otherwise: a query
/// embeds the text first, which takes a few hundred milliseconds; ten seconds leaves room
/// for a slow moment without holding a worker's request for long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of one Upstash Vector index.
#[derive(Debug, Clone)]
pub struct VectorIndex {
    base: ApiBase,
}

impl VectorIndex {
    /// A client of the index at `base_url` (`UPSTASH_VECTOR_REST_URL`, or the devkit's
    /// `http://…/upstash`) authenticating with `token` (`UPSTASH_VECTOR_REST_TOKEN`; a
    /// read-only token is enough for queries, fetch, range and info).
    pub fn new(
        base_url: impl Into<String>,
        token: impl Into<Secret>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        Self {
            base: ApiBase::new(
                base_url.into(),
                Credential::Bearer(token.into()),
                transport,
                DEFAULT_TIMEOUT,
            ),
        }
    }

    /// Change the timeout of each request (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.base = self.base.with_timeout(timeout);
        self
    }

    /// The index's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base.base_url()
    }

    /// The token, only to scrub it from an error message that might quote it.
    fn token(&self) -> &str {
        self.base.credential().secret().map_or("", Secret::expose)
    }

    /// `POST /upsert-data[/{ns}]`: Upstash embeds each record's `data` with the index's
    /// model and stores it (the index must have one). An empty slice sends nothing.
    pub async fn upsert_data(
        &self,
        namespace: &str,
        records: &[DataRecord],
    ) -> Result<(), VectorError> {
        if records.is_empty() {
            return Ok(());
        }
        let _: serde_json::Value = self.post("upsert-data", namespace, &records).await?;
        Ok(())
    }

    /// `POST /upsert[/{ns}]`: store vectors computed by the caller. An empty slice sends
    /// nothing.
    pub async fn upsert(
        &self,
        namespace: &str,
        records: &[VectorRecord],
    ) -> Result<(), VectorError> {
        if records.is_empty() {
            return Ok(());
        }
        let _: serde_json::Value = self.post("upsert", namespace, &records).await?;
        Ok(())
    }

    /// `POST /query-data[/{ns}]`: embed `query.data` and return the nearest vectors,
    /// best first.
    pub async fn query_data(
        &self,
        namespace: &str,
        query: &DataQuery,
    ) -> Result<Vec<Hit>, VectorError> {
        self.post("query-data", namespace, query).await
    }

    /// `POST /query[/{ns}]`: the nearest vectors to a vector the caller computed, best
    /// first.
    pub async fn query(
        &self,
        namespace: &str,
        query: &VectorQuery,
    ) -> Result<Vec<Hit>, VectorError> {
        self.post("query", namespace, query).await
    }

    /// `POST /delete[/{ns}]` `{"ids": [...]}`: the number of vectors deleted (ids that did
    /// not exist are not counted). An empty slice sends nothing.
    pub async fn delete<S: AsRef<str>>(
        &self,
        namespace: &str,
        ids: &[S],
    ) -> Result<u64, VectorError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
        let deleted: Deleted = self
            .post("delete", namespace, &serde_json::json!({ "ids": ids }))
            .await?;
        Ok(deleted.deleted)
    }

    /// `POST /delete[/{ns}]` `{"prefix": …}`: delete every vector whose id starts with
    /// `prefix`; the number deleted. An empty prefix would match everything and is refused.
    pub async fn delete_prefix(&self, namespace: &str, prefix: &str) -> Result<u64, VectorError> {
        if prefix.is_empty() {
            return Err(VectorError::InvalidInput(
                "an empty prefix would delete the whole namespace".into(),
            ));
        }
        let deleted: Deleted = self
            .post(
                "delete",
                namespace,
                &serde_json::json!({ "prefix": prefix }),
            )
            .await?;
        Ok(deleted.deleted)
    }

    /// `POST /fetch[/{ns}]`: the vectors with these ids, in the same order, `None` where
    /// no vector has the id.
    pub async fn fetch<S: AsRef<str>>(
        &self,
        namespace: &str,
        ids: &[S],
        include: Include,
    ) -> Result<Vec<Option<Record>>, VectorError> {
        #[derive(Serialize)]
        struct Body<'a> {
            ids: Vec<&'a str>,
            #[serde(flatten)]
            include: Include,
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let body = Body {
            ids: ids.iter().map(AsRef::as_ref).collect(),
            include,
        };
        self.post("fetch", namespace, &body).await
    }

    /// `POST /range[/{ns}]`: up to `limit` vectors from `cursor` (`"0"` to start), only
    /// ids starting with `prefix` when given. Page on with [`RangePage::next_cursor`]
    /// until it is empty ([`RangePage::is_last`]).
    pub async fn range(
        &self,
        namespace: &str,
        cursor: &str,
        limit: u32,
        prefix: Option<&str>,
        include: Include,
    ) -> Result<RangePage, VectorError> {
        #[derive(Serialize)]
        struct Body<'a> {
            cursor: &'a str,
            limit: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            prefix: Option<&'a str>,
            #[serde(flatten)]
            include: Include,
        }
        let body = Body {
            cursor,
            limit,
            prefix,
            include,
        };
        self.post("range", namespace, &body).await
    }

    /// `GET /info`: counts, dimension, similarity function and namespaces of the index.
    pub async fn info(&self) -> Result<IndexInfo, VectorError> {
        self.call("GET", self.base.url("/info"), None).await
    }

    /// `GET /list-namespaces`: every namespace's name (the default one is `""`).
    pub async fn list_namespaces(&self) -> Result<Vec<String>, VectorError> {
        self.call("GET", self.base.url("/list-namespaces"), None)
            .await
    }

    /// `{base}/{command}`, plus `/{namespace}` (percent-encoded) unless it is the default.
    fn url(&self, command: &str, namespace: &str) -> Result<String, VectorError> {
        if namespace.is_empty() {
            return Ok(self.base.url(&format!("/{command}")));
        }
        let segment = encode_path_segment(namespace).ok_or_else(|| {
            VectorError::InvalidInput(format!("{namespace:?} cannot be a namespace"))
        })?;
        Ok(self.base.url(&format!("/{command}/{segment}")))
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        command: &str,
        namespace: &str,
        body: &B,
    ) -> Result<T, VectorError> {
        let url = self.url(command, namespace)?;
        let body = serde_json::to_vec(body).map_err(|e| {
            VectorError::InvalidInput(format!("the request does not serialise: {e}"))
        })?;
        self.call("POST", url, Some(body)).await
    }

    /// Send one request and unwrap `{"result": …}`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        url: String,
        body: Option<Vec<u8>>,
    ) -> Result<T, VectorError> {
        let response = self.base.send(self.base.request(method, url, body)).await?;
        if !response.is_success() {
            return Err(VectorError::from_response(&response, self.token()));
        }
        self.unwrap_result(&response)
    }

    fn unwrap_result<T: DeserializeOwned>(
        &self,
        response: &HttpResponse,
    ) -> Result<T, VectorError> {
        #[derive(Deserialize)]
        struct Envelope<T> {
            result: Option<T>,
            error: Option<String>,
            status: Option<u16>,
        }
        let envelope: Envelope<T> =
            serde_json::from_slice(&response.body).map_err(|e| VectorError::Decode {
                detail: format!(
                    "{:?} error at line {} column {} of a {}-byte body",
                    e.classify(),
                    e.line(),
                    e.column(),
                    response.body.len()
                ),
            })?;
        // The official clients treat an `error` in any answer as a failure.
        if let Some(message) = envelope.error {
            return Err(VectorError::Api {
                status: envelope.status.unwrap_or(response.status),
                message: scrub(message, self.token()),
            });
        }
        envelope.result.ok_or_else(|| VectorError::Decode {
            detail: "the answer has no \"result\"".into(),
        })
    }
}

#[derive(Deserialize)]
struct Deleted {
    deleted: u64,
}
