//! Knowledge as the agent and the approver see it: the passages gather retrieved and the
//! ones `searchKnowledge` found, as cited [`Source`]s; and the [`Evidence`] a draft's
//! product facts must stand on (those passages, the app's data, the proposals).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use support_core::effect::Effect;
use support_core::grounding::Evidence;
use support_knowledge::Passage;

use crate::prompt::AgentContext;
use crate::run::AgentRun;
use crate::toolbox::Outcome;

/// How many passages gather puts in front of the model, and `searchKnowledge` returns.
pub const TOP_K: u32 = 5;

/// One retrieved passage, cited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// The chunk's id in the index (`refund-policy.md#2`, `learned/faq_…`).
    pub id: String,
    /// How the approver reads it: `Refund policy § Team licences`.
    pub citation: String,
    /// The file it came from.
    pub source: String,
    /// Where people read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `ingest`, `learned` or `other`.
    pub origin: String,
    /// The index's score.
    pub score: f64,
    /// The passage itself.
    pub text: String,
}

impl From<Passage> for Source {
    fn from(p: Passage) -> Self {
        Source {
            citation: p.citation(),
            origin: serde_json::to_value(p.origin)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "other".into()),
            id: p.id,
            source: p.source,
            url: p.url,
            score: p.score,
            text: p.text,
        }
    }
}

/// The tool result `searchKnowledge` shows the model (and the workflow reads back for
/// the card): the sources, best first.
pub fn search_result(sources: &[Source]) -> Value {
    serde_json::json!({ "results": sources })
}

/// Every source the draft could stand on, each once, in the order found: what gather
/// retrieved, then what each `searchKnowledge` call returned.
pub fn sources_of(ctx: &AgentContext, run: &AgentRun) -> Vec<Source> {
    let mut out: Vec<Source> = Vec::new();
    let searched = run.tool_calls.iter().filter_map(|c| match &c.outcome {
        Outcome::Ran { result } if c.name == "searchKnowledge" => result
            .get("results")
            .and_then(|s| serde_json::from_value::<Vec<Source>>(s.clone()).ok()),
        _ => None,
    });
    for source in ctx.knowledge.iter().cloned().chain(searched.flatten()) {
        if !out.iter().any(|s| s.id == source.id) {
            out.push(source);
        }
    }
    out
}

/// Whether `reply` stands on `source`: the source states one of the reply's facts
/// (an amount, a duration, a link, a promise: [`support_core::grounding`]), or the
/// reply paraphrases it (at least [`SHARED_WORDS`] distinct words of five letters or
/// more in common). The card lists these first; the rest were only retrieved.
pub fn used_by(reply: &str, source: &Source) -> bool {
    let evidence = Evidence::new(
        [format!(
            "{}\n{}\n{}",
            source.citation,
            source.url.as_deref().unwrap_or(""),
            source.text
        )
        .as_str()],
        [],
    );
    if support_core::grounding::claims(reply)
        .iter()
        .any(|c| evidence.supports(c))
    {
        return true;
    }
    let text = source.text.to_lowercase();
    let words: std::collections::BTreeSet<String> = reply
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 5)
        .map(str::to_owned)
        .collect();
    words.iter().filter(|w| text.contains(w.as_str())).count() >= SHARED_WORDS
}

/// Distinct long words a reply shares with a source it paraphrases.
pub const SHARED_WORDS: usize = 5;

/// What a reply's product facts must stand on: the retrieved passages (with their
/// URLs), and as data the sender's records, the app's data and the proposals.
pub fn evidence(ctx: &AgentContext, run: &AgentRun, proposals: &[Effect]) -> Evidence {
    let sources = sources_of(ctx, run);
    let prose: Vec<String> = sources
        .iter()
        .map(|s| {
            format!(
                "{}\n{}\n{}",
                s.citation,
                s.url.as_deref().unwrap_or(""),
                s.text
            )
        })
        .collect();
    let mut data = vec![
        serde_json::to_string(&ctx.sender).unwrap_or_default(),
        serde_json::to_string(&ctx.app_data).unwrap_or_default(),
        serde_json::to_string(proposals).unwrap_or_default(),
    ];
    // What the app's tools answered during the run (purchases, product status, content).
    for call in &run.tool_calls {
        if let Outcome::Ran { result } = &call.outcome {
            if call.name != "searchKnowledge" {
                data.push(result.to_string());
            }
        }
    }
    Evidence::new(
        prose.iter().map(String::as_str),
        data.iter().map(String::as_str),
    )
}
