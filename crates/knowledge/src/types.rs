//! The wire types of the Upstash Vector REST API, as its endpoint pages document them
//! (camelCase JSON; optional fields left out rather than sent as `null`).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A sparse vector: the indices of the non-zero dimensions and their values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SparseVector {
    /// Indices of the non-zero dimensions.
    pub indices: Vec<u32>,
    /// Their values, in the same order.
    pub values: Vec<f32>,
}

/// One item of `upsert-data`: raw text that Upstash embeds with the index's model (and
/// keeps as the vector's `data`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataRecord {
    /// The vector's id.
    pub id: String,
    /// The text to embed.
    pub data: String,
    /// Metadata to store with it (filterable, returned with `includeMetadata`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// One item of `upsert`: a vector computed by the caller. A dense index takes `vector`
/// only, a sparse index `sparse_vector` only, a hybrid index both.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct VectorRecord {
    /// The vector's id.
    pub id: String,
    /// The dense part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<Vec<f32>>,
    /// The sparse part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sparse_vector: Option<SparseVector>,
    /// Unstructured text kept with the vector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Metadata to store with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// Which components of a hybrid index a `query-data` runs in (`queryMode`; Upstash's
/// default is `HYBRID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum QueryMode {
    /// Dense and sparse, fused.
    #[default]
    Hybrid,
    /// The dense component only.
    Dense,
    /// The sparse component only.
    Sparse,
}

/// How a hybrid index fuses its dense and sparse scores (`fusionAlgorithm`; Upstash's
/// default is `RRF`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum FusionAlgorithm {
    /// Reciprocal rank fusion: each list's rank `r` scores `1 / (r + 60)`; only order counts.
    #[default]
    Rrf,
    /// Distribution-based score fusion: scores normalised by their mean ± 3σ, then summed.
    Dbsf,
}

/// How the sparse component weighs matching dimensions (`weightingStrategy`); unset
/// means no weighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WeightingStrategy {
    /// Inverse document frequency (recommended with BM25 sparse models).
    Idf,
}

macro_rules! wire_names {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The wire name (`HYBRID`, `RRF`...).
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $name),+ }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = String;
            /// The wire name in any case (`hybrid`, `DBSF`...).
            fn from_str(s: &str) -> Result<Self, String> {
                $(if s.eq_ignore_ascii_case($name) { return Ok(<$ty>::$variant); })+
                Err(format!(
                    "unknown value {s:?}; expected one of {}",
                    [$($name),+].map(str::to_ascii_lowercase).join(", ")
                ))
            }
        }
    };
}

wire_names!(QueryMode { Hybrid => "HYBRID", Dense => "DENSE", Sparse => "SPARSE" });
wire_names!(FusionAlgorithm { Rrf => "RRF", Dbsf => "DBSF" });
wire_names!(WeightingStrategy { Idf => "IDF" });

fn is_false(b: &bool) -> bool {
    !*b
}

/// A `query-data` request: text Upstash embeds with the index's model, then searches.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataQuery {
    /// The text to search for.
    pub data: String,
    /// At most this many hits.
    pub top_k: u32,
    /// Return each hit's metadata.
    #[serde(skip_serializing_if = "is_false")]
    pub include_metadata: bool,
    /// Return each hit's data (the text it was upserted with).
    #[serde(skip_serializing_if = "is_false")]
    pub include_data: bool,
    /// Return each hit's vectors (large; rarely wanted).
    #[serde(skip_serializing_if = "is_false")]
    pub include_vectors: bool,
    /// A metadata filter, e.g. `kind = 'faq' AND origin = 'learned'`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Hybrid indexes: run in both components or only one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_mode: Option<QueryMode>,
    /// Hybrid indexes: how the two components' scores are fused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fusion_algorithm: Option<FusionAlgorithm>,
    /// Sparse and hybrid indexes: how matching dimensions are weighed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighting_strategy: Option<WeightingStrategy>,
}

impl DataQuery {
    /// A query for `data` returning `top_k` hits, everything else at Upstash's defaults.
    pub fn new(data: impl Into<String>, top_k: u32) -> Self {
        Self {
            data: data.into(),
            top_k,
            include_metadata: false,
            include_data: false,
            include_vectors: false,
            filter: None,
            query_mode: None,
            fusion_algorithm: None,
            weighting_strategy: None,
        }
    }
}

/// A `query` request with a vector the caller computed: `vector` for dense indexes,
/// `sparse_vector` for sparse ones, either or both for hybrid ones.
///
/// No `queryMode` here: Upstash documents it for `query-data` only (with a vector query,
/// leave out the component you do not want).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct VectorQuery {
    /// The dense query vector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<Vec<f32>>,
    /// The sparse query vector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sparse_vector: Option<SparseVector>,
    /// At most this many hits.
    pub top_k: u32,
    /// Return each hit's metadata.
    #[serde(skip_serializing_if = "is_false")]
    pub include_metadata: bool,
    /// Return each hit's data.
    #[serde(skip_serializing_if = "is_false")]
    pub include_data: bool,
    /// Return each hit's vectors.
    #[serde(skip_serializing_if = "is_false")]
    pub include_vectors: bool,
    /// A metadata filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Hybrid indexes: how the two components' scores are fused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fusion_algorithm: Option<FusionAlgorithm>,
    /// Sparse and hybrid indexes: how matching dimensions are weighed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighting_strategy: Option<WeightingStrategy>,
}

/// What `fetch` and `range` return with each vector besides its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Include {
    /// `includeMetadata`.
    #[serde(rename = "includeMetadata", skip_serializing_if = "is_false")]
    pub metadata: bool,
    /// `includeData`.
    #[serde(rename = "includeData", skip_serializing_if = "is_false")]
    pub data: bool,
    /// `includeVectors`.
    #[serde(rename = "includeVectors", skip_serializing_if = "is_false")]
    pub vectors: bool,
}

impl Include {
    /// Ids only.
    pub const NOTHING: Include = Include {
        metadata: false,
        data: false,
        vectors: false,
    };
    /// Ids and metadata (what a sync needs).
    pub const METADATA: Include = Include {
        metadata: true,
        data: false,
        vectors: false,
    };
    /// Ids, metadata and data.
    pub const METADATA_AND_DATA: Include = Include {
        metadata: true,
        data: true,
        vectors: false,
    };
}

/// One query hit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    /// The vector's id.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Similarity: in [0, 1] for dense indexes, unbounded (higher is closer) for sparse
    /// and hybrid ones.
    pub score: f64,
    /// With `includeMetadata`.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// With `includeData`.
    #[serde(default)]
    pub data: Option<String>,
    /// With `includeVectors`: the dense part.
    #[serde(default)]
    pub vector: Option<Vec<f32>>,
    /// With `includeVectors`: the sparse part.
    #[serde(default)]
    pub sparse_vector: Option<SparseVector>,
}

/// A stored vector, as `fetch` and `range` return it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The vector's id.
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// With `includeMetadata`.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// With `includeData`.
    #[serde(default)]
    pub data: Option<String>,
    /// With `includeVectors`: the dense part.
    #[serde(default)]
    pub vector: Option<Vec<f32>>,
    /// With `includeVectors`: the sparse part.
    #[serde(default)]
    pub sparse_vector: Option<SparseVector>,
}

/// One page of `range`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangePage {
    /// The cursor of the next page; `""` when there is none.
    pub next_cursor: String,
    /// This page's vectors.
    pub vectors: Vec<Record>,
}

impl RangePage {
    /// Whether this was the last page.
    pub fn is_last(&self) -> bool {
        self.next_cursor.is_empty()
    }
}

/// What `info` says of the index. Counts are updated eventually, not at once.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexInfo {
    /// Vectors ready to query, across namespaces.
    pub vector_count: u64,
    /// Vectors still being indexed, across namespaces.
    pub pending_vector_count: u64,
    /// Size of the index in bytes.
    pub index_size: u64,
    /// Dimension of the dense vectors.
    pub dimension: u32,
    /// `COSINE`, `EUCLIDEAN` or `DOT_PRODUCT`.
    pub similarity_function: String,
    /// `DENSE`, `SPARSE` or `HYBRID`.
    #[serde(default)]
    pub index_type: Option<String>,
    /// The dense component's configuration.
    #[serde(default)]
    pub dense_index: Option<DenseIndexInfo>,
    /// The sparse component's configuration.
    #[serde(default)]
    pub sparse_index: Option<SparseIndexInfo>,
    /// Per namespace (the default one is `""`).
    #[serde(default)]
    pub namespaces: BTreeMap<String, NamespaceInfo>,
}

/// The dense component of an index.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DenseIndexInfo {
    /// Dimension of the dense vectors.
    pub dimension: u32,
    /// `COSINE`, `EUCLIDEAN` or `DOT_PRODUCT`.
    pub similarity_function: String,
    /// The hosted embedding model, e.g. `BGE_M3`.
    #[serde(default)]
    pub embedding_model: Option<String>,
}

/// The sparse component of an index.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SparseIndexInfo {
    /// The hosted sparse model, e.g. `BM25`.
    #[serde(default)]
    pub embedding_model: Option<String>,
}

/// The counts of one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceInfo {
    /// Vectors ready to query.
    pub vector_count: u64,
    /// Vectors still being indexed.
    pub pending_vector_count: u64,
}

/// Ids are strings in the REST docs; the official JS client's types also allow numbers,
/// so a number is read as its decimal string.
fn id_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn modes_and_fusions_use_upstash_names() {
        assert_eq!(serde_json::to_value(QueryMode::Hybrid).unwrap(), "HYBRID");
        assert_eq!(serde_json::to_value(QueryMode::Dense).unwrap(), "DENSE");
        assert_eq!(serde_json::to_value(QueryMode::Sparse).unwrap(), "SPARSE");
        assert_eq!(serde_json::to_value(FusionAlgorithm::Rrf).unwrap(), "RRF");
        assert_eq!(serde_json::to_value(FusionAlgorithm::Dbsf).unwrap(), "DBSF");
        assert_eq!(serde_json::to_value(WeightingStrategy::Idf).unwrap(), "IDF");
        assert_eq!("dense".parse::<QueryMode>(), Ok(QueryMode::Dense));
        assert_eq!("DbSf".parse::<FusionAlgorithm>(), Ok(FusionAlgorithm::Dbsf));
        assert_eq!(
            "bm25".parse::<QueryMode>().unwrap_err(),
            "unknown value \"bm25\"; expected one of hybrid, dense, sparse"
        );
    }

    #[test]
    fn queries_leave_out_what_is_unset() {
        let q = DataQuery::new("refund", 3);
        assert_eq!(
            serde_json::to_value(&q).unwrap(),
            json!({"data": "refund", "topK": 3})
        );
        let q = DataQuery {
            include_metadata: true,
            include_data: true,
            include_vectors: true,
            filter: Some("kind = 'faq'".into()),
            query_mode: Some(QueryMode::Hybrid),
            fusion_algorithm: Some(FusionAlgorithm::Dbsf),
            weighting_strategy: Some(WeightingStrategy::Idf),
            ..DataQuery::new("refund", 3)
        };
        assert_eq!(
            serde_json::to_value(&q).unwrap(),
            json!({"data": "refund", "topK": 3, "includeMetadata": true, "includeData": true,
                   "includeVectors": true, "filter": "kind = 'faq'", "queryMode": "HYBRID",
                   "fusionAlgorithm": "DBSF", "weightingStrategy": "IDF"})
        );
    }

    #[test]
    fn numeric_ids_read_as_strings() {
        let hit: Hit = serde_json::from_value(json!({"id": 12, "score": 0.5})).unwrap();
        assert_eq!(hit.id, "12");
    }
}
