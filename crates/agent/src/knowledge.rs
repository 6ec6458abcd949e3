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

/// The agent's search: the app's namespace, hybrid with RRF, the best [`TOP_K`] passages
/// as cited sources. Gather and `searchKnowledge` both search this way.
pub async fn search(
    knowledge: &support_knowledge::Knowledge,
    query: &str,
) -> Result<Vec<Source>, support_knowledge::VectorError> {
    let passages = knowledge
        .search(
            query,
            TOP_K,
            support_knowledge::QueryMode::Hybrid,
            support_knowledge::FusionAlgorithm::Rrf,
        )
        .await?;
    Ok(passages.into_iter().map(Into::into).collect())
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
/// reply paraphrases it (at least [`SHARED_WORDS`] distinct whole words of five letters
/// or more in common, the commonest support words left out). The card lists these first; the rest were only retrieved.
pub fn used_by(reply: &str, source: &Source) -> bool {
    let evidence = Evidence::new([format!(
        "{}\n{}\n{}",
        source.citation,
        source.url.as_deref().unwrap_or(""),
        source.text
    )
    .as_str()]);
    if support_core::grounding::claims(reply)
        .iter()
        .any(|c| evidence.supports(c))
    {
        return true;
    }
    let words_of = |text: &str| -> std::collections::BTreeSet<String> {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 5 && !COMMON_WORDS.contains(w))
            .map(str::to_owned)
            .collect()
    };
    // Whole words, the support vocabulary every page shares left out.
    let source_words = words_of(&source.text);
    words_of(reply)
        .iter()
        .filter(|w| source_words.contains(*w))
        .count()
        >= SHARED_WORDS
}

/// Words too common in support replies and pages to say which page a reply follows.
const COMMON_WORDS: &[&str] = &[
    "about", "account", "access", "after", "again", "before", "could", "course", "email", "every",
    "first", "future", "please", "purchase", "right", "their", "there", "these", "thing", "think",
    "those", "through", "under", "until", "where", "which", "while", "would", "years", "thanks",
    "hello", "should", "still", "other", "today",
];

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
    let mut evidence = Evidence::new(prose.iter().map(String::as_str));
    // Typed data only: amounts and links, never names, notes or reasons (a customer's
    // display name or the model's refund note must not ground a claim).
    evidence.add_data(&serde_json::to_value(&ctx.sender).unwrap_or_default());
    // The sender's own address, as Front verified it.
    evidence.add_email(&ctx.sender.email);
    evidence.add_data(&Value::Object(ctx.app_data.clone()));
    evidence.add_data(&serde_json::to_value(proposals).unwrap_or_default());
    // What the app's tools answered during the run (purchases, product status, content).
    for call in &run.tool_calls {
        if let Outcome::Ran { result } = &call.outcome {
            if call.name != "searchKnowledge" {
                evidence.add_data(result);
            }
        }
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source {
            id: "faq.yaml#3".into(),
            citation: "FAQ § Student discount".into(),
            source: "faq.yaml".into(),
            url: None,
            origin: "ingest".into(),
            score: 0.03,
            text: text.into(),
        }
    }

    #[test]
    fn a_reply_stands_on_a_source_that_states_its_facts_or_that_it_follows() {
        let discount = source("Students get 50% off with the STUDENT50 coupon at checkout.");
        let discord = source("Students can join the Discord from their course account page.");
        let reply = "Hi Sam,\n\nStudents get 50% off with the STUDENT50 coupon.\n\nSam";
        assert!(used_by(reply, &discount));
        assert!(
            !used_by(reply, &discord),
            "sharing 'students' and 'course' is not enough"
        );
        let paraphrase = source(
            "Connect Discord from profile settings, then pick channels, roles, notifications.",
        );
        let follows = "Connect Discord in your profile settings; then choose channels, roles and notifications.";
        assert!(used_by(follows, &paraphrase));
    }
}
