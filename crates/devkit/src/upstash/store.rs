//! The index: namespaces of records (a dense vector, a sparse vector, metadata, data),
//! the document frequencies IDF needs, and the query itself (filter, each side's
//! candidates, fusion, `topK`).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::filter::Filter;
use super::{bm25, dense, fusion};

/// A sparse vector, kept sorted by index.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SparseVector {
    pub indices: Vec<i32>,
    pub values: Vec<f32>,
}

impl SparseVector {
    /// From `(index, value)` pairs with distinct indices, in any order.
    pub fn from_pairs(mut pairs: Vec<(i32, f32)>) -> Self {
        pairs.sort_by_key(|(i, _)| *i);
        let (indices, values) = pairs.into_iter().unzip();
        Self { indices, values }
    }

    /// The value at `index` (0 when absent).
    pub fn get(&self, index: i32) -> f64 {
        self.indices
            .binary_search(&index)
            .map_or(0.0, |at| f64::from(self.values[at]))
    }
}

/// One stored vector.
#[derive(Debug, Clone)]
pub struct Record {
    pub dense: Vec<f32>,
    pub sparse: SparseVector,
    /// Always a JSON object when present.
    pub metadata: Option<Value>,
    pub data: Option<String>,
}

impl Record {
    /// Rough bytes it takes, for `info.indexSize`: 4 a dense dimension, 8 a sparse
    /// entry, plus metadata and data as text.
    fn size(&self) -> usize {
        self.dense.len() * 4
            + self.sparse.indices.len() * 8
            + self.metadata.as_ref().map_or(0, |m| m.to_string().len())
            + self.data.as_ref().map_or(0, String::len)
    }
}

/// A namespace: records by id (sorted, for `range` and prefixes) and, per sparse
/// dimension, how many records have it (IDF's `n(q)`).
#[derive(Debug, Default)]
pub struct Namespace {
    pub records: BTreeMap<String, Record>,
    doc_freq: HashMap<i32, usize>,
}

impl Namespace {
    /// Insert or replace.
    pub fn upsert(&mut self, id: String, record: Record) {
        self.remove(&id);
        for index in &record.sparse.indices {
            *self.doc_freq.entry(*index).or_default() += 1;
        }
        self.records.insert(id, record);
    }

    /// Remove; whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(old) = self.records.remove(id) else {
            return false;
        };
        for index in &old.sparse.indices {
            if let Some(count) = self.doc_freq.get_mut(index) {
                *count -= 1;
                if *count == 0 {
                    self.doc_freq.remove(index);
                }
            }
        }
        true
    }

    /// Drop every record.
    pub fn clear(&mut self) {
        self.records.clear();
        self.doc_freq.clear();
    }

    /// Ids starting with `prefix`, in order.
    pub fn ids_with_prefix(&self, prefix: &str) -> Vec<String> {
        self.records
            .range(prefix.to_owned()..)
            .take_while(|(id, _)| id.starts_with(prefix))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Rough size in bytes.
    pub fn size(&self) -> usize {
        self.records.iter().map(|(id, r)| id.len() + r.size()).sum()
    }

    /// IDF of a sparse dimension over the current records.
    pub fn idf(&self, index: i32) -> f64 {
        bm25::idf(
            self.records.len(),
            self.doc_freq.get(&index).copied().unwrap_or(0),
        )
    }

    /// Run a query: the ids and scores of at most `top_k` records, best first.
    pub fn query(&self, query: &Query) -> fusion::Ranked {
        let candidates: Vec<(&String, &Record)> = self
            .records
            .iter()
            .filter(|(_, r)| {
                query
                    .filter
                    .as_ref()
                    .is_none_or(|f| f.matches(r.metadata.as_ref()))
            })
            .collect();
        let best = |mut list: fusion::Ranked| {
            list.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            list.truncate(query.top_k);
            list
        };
        let dense = query.dense.as_ref().map(|q| {
            best(
                candidates
                    .iter()
                    .map(|(id, r)| ((*id).clone(), dense::score(q, &r.dense)))
                    .collect(),
            )
        });
        let sparse = query.sparse.as_ref().map(|q| {
            let weights: Vec<(i32, f64)> = q
                .indices
                .iter()
                .zip(&q.values)
                .map(|(i, v)| {
                    let idf = if query.idf { self.idf(*i) } else { 1.0 };
                    (*i, f64::from(*v) * idf)
                })
                .collect();
            best(
                candidates
                    .iter()
                    .filter(|(_, r)| {
                        weights
                            .iter()
                            .any(|(i, _)| r.sparse.indices.binary_search(i).is_ok())
                    })
                    .map(|(id, r)| {
                        let score = weights.iter().map(|(i, w)| w * r.sparse.get(*i)).sum();
                        ((*id).clone(), score)
                    })
                    .collect(),
            )
        });
        match (dense, sparse) {
            (Some(d), Some(s)) => {
                let mut fused = match query.fusion {
                    Fusion::Rrf => fusion::rrf(&[d, s]),
                    Fusion::Dbsf => fusion::dbsf(&[d, s]),
                };
                fused.truncate(query.top_k);
                fused
            }
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => Vec::new(),
        }
    }
}

/// How a hybrid query's two lists are fused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fusion {
    Rrf,
    Dbsf,
}

/// A query, parsed and validated.
#[derive(Debug, Clone)]
pub struct Query {
    pub top_k: usize,
    pub filter: Option<Filter>,
    pub dense: Option<Vec<f32>>,
    pub sparse: Option<SparseVector>,
    /// `weightingStrategy: "IDF"`.
    pub idf: bool,
    pub fusion: Fusion,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Record {
        Record {
            dense: dense::embed(text),
            sparse: bm25::document_vector(text),
            metadata: None,
            data: Some(text.to_owned()),
        }
    }

    #[test]
    fn document_frequencies_follow_upserts_and_deletes() {
        let mut ns = Namespace::default();
        ns.upsert("1".into(), doc("refund policy"));
        ns.upsert("2".into(), doc("refund failed"));
        ns.upsert("3".into(), doc("reset password"));
        let refund = bm25::term_index("refund");
        assert_eq!(ns.idf(refund), bm25::idf(3, 2));
        ns.upsert("2".into(), doc("login failed"));
        assert_eq!(ns.idf(refund), bm25::idf(3, 1));
        assert!(ns.remove("1") && !ns.remove("1"));
        assert_eq!(ns.idf(refund), bm25::idf(2, 0));
        assert_eq!(ns.ids_with_prefix(""), ["2", "3"]);
    }

    #[test]
    fn sparse_candidates_need_a_matching_term_and_topk_applies_after_fusion() {
        let mut ns = Namespace::default();
        for (id, text) in [
            ("a", "refund policy"),
            ("b", "reset password"),
            ("c", "refund failed"),
        ] {
            ns.upsert(id.into(), doc(text));
        }
        let mut query = Query {
            top_k: 10,
            filter: None,
            dense: None,
            sparse: Some(bm25::query_vector("refund")),
            idf: false,
            fusion: Fusion::Rrf,
        };
        let ids = |r: fusion::Ranked| r.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        let sparse = ids(ns.query(&query));
        assert_eq!(sparse.len(), 2, "b has no matching term: {sparse:?}");
        query.dense = Some(dense::embed("refund"));
        query.top_k = 1;
        assert_eq!(ids(ns.query(&query)).len(), 1);
        query.top_k = 3;
        assert_eq!(
            ids(ns.query(&query)).len(),
            3,
            "dense brings every candidate"
        );
        query.filter = crate::upstash::filter::parse("HAS FIELD nothing").unwrap();
        assert!(ns.query(&query).is_empty());
    }
}
