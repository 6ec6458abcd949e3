//! Retrieval, as the worker's agent uses it: a question in, cited passages out.

use serde::Serialize;

use crate::chunk::{body_of, ChunkKind, ChunkMetadata, Origin};
use crate::client::VectorIndex;
use crate::error::VectorError;
use crate::types::{DataQuery, FusionAlgorithm, Hit, QueryMode};

/// The knowledge base of one app: its namespace of the index.
#[derive(Debug, Clone)]
pub struct Knowledge {
    /// The index.
    pub index: VectorIndex,
    /// The app's namespace (`""` for the default one).
    pub namespace: String,
    /// Passages scoring below this are dropped. `None` (the default) keeps every hit:
    /// hybrid and sparse scores have no fixed scale, so no threshold fits every mode.
    pub min_score: Option<f64>,
}

/// One retrieved chunk, ready to quote and cite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// The chunk's id.
    pub id: String,
    /// The file it came from (the id itself for vectors without our metadata).
    pub source: String,
    /// The page's title.
    pub title: String,
    /// The heading path or FAQ question (`""` when none).
    pub section: String,
    /// Where people read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Doc or FAQ.
    pub kind: ChunkKind,
    /// Ingested or learned.
    pub origin: Origin,
    /// The index's score (higher is closer; its scale depends on the mode).
    pub score: f64,
    /// The chunk's body, without the `"title — section"` prefix that was embedded.
    pub text: String,
}

impl Passage {
    /// How an answer cites it: `"Refund policy § Team licences"`, or the title alone.
    pub fn citation(&self) -> String {
        if self.section.is_empty() {
            self.title.clone()
        } else {
            format!("{} § {}", self.title, self.section)
        }
    }

    /// The passage of a query hit.
    pub fn from_hit(hit: Hit) -> Self {
        let meta = hit.metadata.as_ref().and_then(ChunkMetadata::from_value);
        let data = hit.data.unwrap_or_default();
        match meta {
            Some(meta) => Passage {
                text: body_of(&data, &meta.title, &meta.section).to_owned(),
                id: hit.id,
                source: meta.source,
                title: meta.title,
                section: meta.section,
                url: meta.url,
                kind: meta.kind,
                origin: meta.origin,
                score: hit.score,
            },
            None => Passage {
                source: hit.id.clone(),
                title: hit.id.clone(),
                id: hit.id,
                section: String::new(),
                url: None,
                kind: ChunkKind::Doc,
                origin: Origin::Other,
                score: hit.score,
                text: data,
            },
        }
    }
}

impl Knowledge {
    /// The knowledge base in `namespace` of `index`.
    pub fn new(index: VectorIndex, namespace: impl Into<String>) -> Self {
        Self {
            index,
            namespace: namespace.into(),
            min_score: None,
        }
    }

    /// Drop passages scoring below `min_score`.
    pub fn with_min_score(mut self, min_score: f64) -> Self {
        self.min_score = Some(min_score);
        self
    }

    /// The `top_k` chunks nearest to `query`, best first (`query-data` with metadata and
    /// data). `fusion` is sent only with [`QueryMode::Hybrid`], the one mode that fuses.
    pub async fn search(
        &self,
        query: &str,
        top_k: u32,
        mode: QueryMode,
        fusion: FusionAlgorithm,
    ) -> Result<Vec<Passage>, VectorError> {
        let request = DataQuery {
            include_metadata: true,
            include_data: true,
            query_mode: Some(mode),
            fusion_algorithm: (mode == QueryMode::Hybrid).then_some(fusion),
            ..DataQuery::new(query, top_k)
        };
        let hits = self.index.query_data(&self.namespace, &request).await?;
        Ok(hits
            .into_iter()
            .filter(|hit| self.min_score.is_none_or(|min| hit.score >= min))
            .map(Passage::from_hit)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hit(value: serde_json::Value) -> Hit {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn passages_strip_the_embedded_prefix_and_cite() {
        let p = Passage::from_hit(hit(json!({
            "id": "policies/refunds.md#2", "score": 0.91,
            "data": "Refund policy — Refunds › Team licences\n\nSeats are refunded pro rata.",
            "metadata": {"source": "policies/refunds.md", "title": "Refund policy",
                         "section": "Refunds › Team licences", "url": "https://x/refunds",
                         "kind": "doc", "hash": "0123456789abcdef", "origin": "ingest"}
        })));
        assert_eq!(p.text, "Seats are refunded pro rata.");
        assert_eq!(p.citation(), "Refund policy § Refunds › Team licences");
        assert_eq!(p.source, "policies/refunds.md");
        assert_eq!(p.url.as_deref(), Some("https://x/refunds"));
        assert_eq!(p.origin, Origin::Ingest);

        let p = Passage::from_hit(hit(json!({
            "id": "intro.md#0", "score": 0.5, "data": "Intro\n\nHello.",
            "metadata": {"source": "intro.md", "title": "Intro", "section": "",
                         "kind": "doc", "hash": "0123456789abcdef", "origin": "ingest"}
        })));
        assert_eq!(
            (p.text.as_str(), p.citation().as_str()),
            ("Hello.", "Intro")
        );
    }

    #[test]
    fn faq_and_foreign_hits() {
        let p = Passage::from_hit(hit(json!({
            "id": "learned/01H", "score": 0.7, "data": "Q: PPP?\nA: Yes.",
            "metadata": {"source": "learned/01H", "title": "Learned answers", "section": "PPP?",
                         "kind": "faq", "hash": "0123456789abcdef", "origin": "learned"}
        })));
        assert_eq!(p.text, "Q: PPP?\nA: Yes.");
        assert_eq!(p.kind, ChunkKind::Faq);
        assert_eq!(p.origin, Origin::Learned);
        assert_eq!(p.citation(), "Learned answers § PPP?");

        let p = Passage::from_hit(hit(
            json!({"id": "v1", "score": 0.2, "metadata": {"link": "x"}}),
        ));
        assert_eq!((p.source.as_str(), p.text.as_str()), ("v1", ""));
        assert_eq!(p.origin, Origin::Other);
    }
}
