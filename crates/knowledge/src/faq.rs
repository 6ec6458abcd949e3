//! FAQ entries: one chunk per question, so a question asked almost the same way finds
//! its answer whole.
//!
//! A FAQ file is a list of `{question, answer, url?}` objects: JSON always, YAML with
//! the `files` feature (the worker never reads files, so its build carries no YAML
//! parser).

use serde::Deserialize;

use crate::chunk::{Chunk, ChunkKind};

/// Title of the chunks learned from approved answers.
pub const LEARNED_TITLE: &str = "Learned answers";
/// Id (and source) prefix of learned entries: `learned/<entry id>`.
pub const LEARNED_PREFIX: &str = "learned/";

/// One question and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FaqEntry {
    /// The question, as a customer would ask it.
    pub question: String,
    /// The answer.
    pub answer: String,
    /// Where the answer is published, if anywhere.
    #[serde(default)]
    pub url: Option<String>,
}

/// Why a file is not a FAQ list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FaqError(pub String);

/// Parse a JSON FAQ file: a top-level array of `{"question", "answer", "url"?}`.
pub fn parse_faq_json(text: &str) -> Result<Vec<FaqEntry>, FaqError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| FaqError(format!("not JSON: {e}")))?;
    if !value.is_array() {
        return Err(FaqError(
            "the top level is not a list of question/answer objects".into(),
        ));
    }
    let entries: Vec<FaqEntry> = serde_json::from_value(value)
        .map_err(|e| FaqError(format!("not a list of question/answer objects: {e}")))?;
    check(entries)
}

/// Parse a YAML FAQ file: a top-level sequence of mappings with `question`, `answer`
/// and optionally `url` (scalars; numbers and booleans read as their text).
#[cfg(feature = "files")]
pub fn parse_faq_yaml(text: &str) -> Result<Vec<FaqEntry>, FaqError> {
    use yaml_rust2::{Yaml, YamlLoader};

    let docs = YamlLoader::load_from_str(text).map_err(|e| FaqError(format!("not YAML: {e}")))?;
    let Some(Yaml::Array(items)) = docs.into_iter().next() else {
        return Err(FaqError(
            "the top level is not a list of question/answer objects".into(),
        ));
    };
    let scalar = |value: &Yaml| -> Option<String> {
        match value {
            Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
            Yaml::Integer(i) => Some(i.to_string()),
            Yaml::Boolean(b) => Some(b.to_string()),
            _ => None,
        }
    };
    let mut entries = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let Yaml::Hash(map) = item else {
            return Err(FaqError(format!("entry {} is not a mapping", n + 1)));
        };
        let field = |key: &str| map.get(&Yaml::String(key.to_owned())).and_then(scalar);
        let (Some(question), Some(answer)) = (field("question"), field("answer")) else {
            return Err(FaqError(format!(
                "entry {} needs a `question` and an `answer`",
                n + 1
            )));
        };
        entries.push(FaqEntry {
            question,
            answer,
            url: field("url"),
        });
    }
    check(entries)
}

/// Entries trimmed; an empty question or answer is an error (it would embed nothing).
fn check(entries: Vec<FaqEntry>) -> Result<Vec<FaqEntry>, FaqError> {
    entries
        .into_iter()
        .enumerate()
        .map(|(n, e)| {
            let entry = FaqEntry {
                question: e.question.trim().to_owned(),
                answer: e.answer.trim().to_owned(),
                url: e.url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()),
            };
            if entry.question.is_empty() || entry.answer.is_empty() {
                Err(FaqError(format!(
                    "entry {} has an empty question or answer",
                    n + 1
                )))
            } else {
                Ok(entry)
            }
        })
        .collect()
}

/// The text embedded for an entry.
pub fn faq_text(entry: &FaqEntry) -> String {
    format!("Q: {}\nA: {}", entry.question, entry.answer)
}

/// One chunk per entry of the FAQ file `source` (ids `"{source}#{n}"`), each with
/// `title` (the file's) and the question as its section.
pub fn chunk_faq(source: &str, title: &str, entries: &[FaqEntry]) -> Vec<Chunk> {
    entries
        .iter()
        .enumerate()
        .map(|(n, entry)| {
            Chunk::new(
                format!("{source}#{n}"),
                source.to_owned(),
                title.to_owned(),
                entry.question.clone(),
                entry.url.clone(),
                ChunkKind::Faq,
                faq_text(entry),
            )
        })
        .collect()
}

/// The chunk of an FAQ entry learned from an approved answer: id and source
/// `learned/<entry id>`. Upsert it with `chunk.record(Origin::Learned)`, so that no
/// ingest of files ever deletes it.
pub fn learned_chunk(entry_id: &str, entry: &FaqEntry) -> Chunk {
    let id = format!("{LEARNED_PREFIX}{entry_id}");
    Chunk::new(
        id.clone(),
        id,
        LEARNED_TITLE.to_owned(),
        entry.question.trim().to_owned(),
        entry.url.clone(),
        ChunkKind::Faq,
        faq_text(entry),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{ChunkMetadata, Origin};

    #[test]
    fn json_faq_lists_parse_and_chunk_one_per_entry() {
        let entries = parse_faq_json(
            r#"[{"question": " Can I get a refund? ", "answer": "Yes, within 30 days.", "url": "https://x/refunds"},
                {"question": "Team seats?", "answer": "Pro rata.", "extra": 1}]"#,
        )
        .unwrap();
        let chunks = chunk_faq("faq/billing.json", "billing", &entries);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].id, "faq/billing.json#0");
        assert_eq!(chunks[0].section, "Can I get a refund?");
        assert_eq!(
            chunks[0].text,
            "Q: Can I get a refund?\nA: Yes, within 30 days."
        );
        assert_eq!(chunks[0].url.as_deref(), Some("https://x/refunds"));
        assert_eq!(chunks[0].kind, ChunkKind::Faq);
        assert_eq!(chunks[0].body(), chunks[0].text);
        assert_eq!(chunks[1].id, "faq/billing.json#1");
        assert_eq!(chunks[1].url, None);
    }

    #[test]
    fn other_json_is_not_a_faq() {
        for text in [
            r#"{"question": "q", "answer": "a"}"#,
            r#"[{"question": "q"}]"#,
            r#"[{"question": "q", "answer": "  "}]"#,
            r#"["q"]"#,
            "not json",
        ] {
            assert!(parse_faq_json(text).is_err(), "{text}");
        }
        assert_eq!(parse_faq_json("[]").unwrap(), []);
    }

    #[cfg(feature = "files")]
    #[test]
    fn yaml_faq_lists_parse() {
        let entries = parse_faq_yaml(
            "# billing\n- question: Can I get a refund?\n  answer: |\n    Yes, within 30 days.\n  url: https://x/refunds\n- question: 2024 pricing?\n  answer: 42\n",
        )
        .unwrap();
        assert_eq!(
            entries,
            [
                FaqEntry {
                    question: "Can I get a refund?".into(),
                    answer: "Yes, within 30 days.".into(),
                    url: Some("https://x/refunds".into())
                },
                FaqEntry {
                    question: "2024 pricing?".into(),
                    answer: "42".into(),
                    url: None
                },
            ]
        );
        assert!(parse_faq_yaml("title: x\n").is_err());
        assert!(parse_faq_yaml("- question: q\n").is_err());
        assert!(parse_faq_yaml("- just text\n").is_err());
        assert!(parse_faq_yaml("- [unclosed\n").is_err());
    }

    #[test]
    fn learned_entries_have_their_own_ids_and_origin() {
        let entry = FaqEntry {
            question: "Do you offer PPP?".into(),
            answer: "Yes, at checkout.".into(),
            url: None,
        };
        let chunk = learned_chunk("01HXYZ", &entry);
        assert_eq!(chunk.id, "learned/01HXYZ");
        assert_eq!(chunk.source, "learned/01HXYZ");
        let record = chunk.record(Origin::Learned);
        let meta = ChunkMetadata::from_value(record.metadata.as_ref().unwrap()).unwrap();
        assert_eq!(meta.origin, Origin::Learned);
        assert_eq!(meta.kind, ChunkKind::Faq);
        assert_eq!(meta.title, LEARNED_TITLE);
    }
}
