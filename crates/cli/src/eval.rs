//! `skill eval routing`: run scenario files through classification and routing and report
//! how often they land where their labels say.
//!
//! Scenarios use the original system's format, one JSON object per file:
//! `{id, trigger: {subject, body, from?}, expectedCategory, expectedAction}` (other fields are
//! ignored). Each runs through `signals`, then the fast path, then (when one is plugged in)
//! the LLM fallback or else `unknown` at 0, then `route`.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use support_core::classify::{
    fast_path, signals, without_llm, Category, Classification, ClassifyInput, Signals,
    DEFAULT_INSTRUCTOR_NAMES,
};
use support_core::routing::{route, RouteAction};

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Classify and route scenario files; print the misses, accuracy, precision and recall.
    Routing(RoutingArgs),
    /// Ask an app's knowledge base labelled questions; print recall@1, recall@5, MRR and misses.
    Retrieval(crate::knowledge::RetrievalArgs),
}

#[derive(Args)]
pub struct RoutingArgs {
    /// A scenario file, or a directory (every *.json in it, in name order).
    path: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// An instructor name for the signals (repeatable; default: the original's list).
    #[arg(long = "instructor", value_name = "NAME")]
    instructors: Vec<String>,
    /// The Messages API for the LLM fallback; without it (and a key) the fast path's
    /// misses are counted as "unknown", as the platform does without a model.
    #[arg(long, env = "ANTHROPIC_BASE_URL")]
    anthropic_base_url: Option<String>,
    /// The API key for the fallback.
    #[arg(long, env = "ANTHROPIC_API_KEY", hide_env_values = true)]
    anthropic_api_key: Option<String>,
    /// The fallback's model.
    #[arg(long, env = "CLASSIFIER_MODEL", default_value = "claude-haiku-4-5")]
    model: String,
}

/// The fallback over the Anthropic client (the same call the platform makes).
struct Anthropic {
    client: support_anthropic::AnthropicClient,
    model: String,
}

impl LlmFallback for Anthropic {
    fn classify<'a>(
        &'a self,
        input: &'a ClassifyInput,
        signals: Signals,
    ) -> LocalFuture<'a, anyhow::Result<Classification>> {
        Box::pin(async move {
            Ok(support_agent::classify_with_llm(&self.client, &self.model, input, signals).await?)
        })
    }
}

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub id: String,
    pub trigger: Trigger,
    pub expected_category: Category,
    pub expected_action: RouteAction,
}

/// The inbound message of a scenario.
#[derive(Debug, Clone, Deserialize)]
pub struct Trigger {
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub from: Option<String>,
}

/// A future that need not be `Send` (the CLI runs on one thread).
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The LLM fallback, for messages the fast path does not decide. Implemented over the
/// Anthropic client with `support_core::classify::{llm_system_prompt, llm_tool_schema,
/// llm_user_message, from_llm_tool_input}`.
pub trait LlmFallback {
    /// Classify one message; `signals` are the ones already read off it.
    fn classify<'a>(
        &'a self,
        input: &'a ClassifyInput,
        signals: Signals,
    ) -> LocalFuture<'a, anyhow::Result<Classification>>;
}

/// Precision and recall of one label (`None` where nothing was predicted / expected).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    /// How many scenarios expect this label.
    pub support: usize,
}

/// A scenario that got its category or its action wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Miss {
    pub id: String,
    pub expected_category: Category,
    pub got_category: Category,
    pub expected_action: RouteAction,
    pub got_action: RouteAction,
    /// The routing rule that decided.
    pub rule: String,
}

/// The evaluation's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub total: usize,
    pub correct_category: usize,
    pub correct_action: usize,
    pub per_category: BTreeMap<String, Metric>,
    pub per_action: BTreeMap<String, Metric>,
    pub misses: Vec<Miss>,
    /// Whether an LLM fallback was used for fast-path misses.
    pub llm_fallback: bool,
}

pub async fn run(command: EvalCommand) -> anyhow::Result<ExitCode> {
    match command {
        EvalCommand::Routing(args) => {
            let scenarios = load(&args.path)?;
            let instructors = if args.instructors.is_empty() {
                DEFAULT_INSTRUCTOR_NAMES
                    .iter()
                    .map(|n| n.to_string())
                    .collect()
            } else {
                args.instructors
            };
            let llm = match (args.anthropic_base_url, args.anthropic_api_key) {
                (Some(base), Some(key)) => Some(Anthropic {
                    client: support_anthropic::AnthropicClient::new(
                        base,
                        key,
                        std::sync::Arc::new(support_http::ReqwestTransport::new()),
                    ),
                    model: args.model,
                }),
                _ => None,
            };
            let report = evaluate(
                &scenarios,
                &instructors,
                llm.as_ref().map(|l| l as &dyn LlmFallback),
            )
            .await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", human(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Retrieval(args) => crate::knowledge::eval_retrieval(args).await,
    }
}

/// Read one scenario file, or every `*.json` in a directory (sorted by name).
pub fn load(path: &Path) -> anyhow::Result<Vec<Scenario>> {
    let files = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading the directory {}", path.display()))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading the directory {}", path.display()))?;
        files.retain(|f| f.is_file() && f.extension().is_some_and(|e| e == "json"));
        files.sort();
        if files.is_empty() {
            bail!("{}: no *.json scenario files in it", path.display());
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{}: not a valid scenario", file.display()))
        })
        .collect()
}

/// Classify and route every scenario and tally the results.
pub async fn evaluate(
    scenarios: &[Scenario],
    instructors: &[String],
    llm: Option<&dyn LlmFallback>,
) -> anyhow::Result<Report> {
    let mut results = Vec::with_capacity(scenarios.len());
    for scenario in scenarios {
        let input = ClassifyInput {
            subject: scenario.trigger.subject.clone(),
            body: scenario.trigger.body.clone(),
            from: scenario.trigger.from.clone(),
            instructor_names: instructors.to_vec(),
        };
        let signals = signals(&input);
        let classification = match (fast_path(&input, &signals), llm) {
            (Some(c), _) => c,
            (None, Some(llm)) => llm
                .classify(&input, signals)
                .await
                .with_context(|| format!("scenario {}: the LLM fallback failed", scenario.id))?,
            (None, None) => without_llm(&input, signals),
        };
        let route = route(&classification);
        results.push((scenario, classification.category, route));
    }

    let categories: Vec<(Category, Category)> = results
        .iter()
        .map(|(s, got, _)| (s.expected_category, *got))
        .collect();
    let actions: Vec<(RouteAction, RouteAction)> = results
        .iter()
        .map(|(s, _, r)| (s.expected_action, r.action))
        .collect();
    let misses = results
        .iter()
        .filter(|(s, got, r)| s.expected_category != *got || s.expected_action != r.action)
        .map(|(s, got, r)| Miss {
            id: s.id.clone(),
            expected_category: s.expected_category,
            got_category: *got,
            expected_action: s.expected_action,
            got_action: r.action,
            rule: r.rule.clone(),
        })
        .collect();
    Ok(Report {
        total: results.len(),
        correct_category: categories.iter().filter(|(e, g)| e == g).count(),
        correct_action: actions.iter().filter(|(e, g)| e == g).count(),
        per_category: metrics(&categories, |c| c.as_str()),
        per_action: metrics(&actions, |a| a.as_str()),
        misses,
        llm_fallback: llm.is_some(),
    })
}

/// Precision and recall for every label that was expected or predicted.
fn metrics<L: Copy + Ord>(
    pairs: &[(L, L)],
    name: fn(L) -> &'static str,
) -> BTreeMap<String, Metric> {
    let labels: BTreeSet<L> = pairs.iter().flat_map(|&(e, g)| [e, g]).collect();
    let ratio = |n: usize, d: usize| (d > 0).then(|| n as f64 / d as f64);
    labels
        .into_iter()
        .map(|label| {
            let hits = pairs
                .iter()
                .filter(|&&(e, g)| e == label && g == label)
                .count();
            let predicted = pairs.iter().filter(|&&(_, g)| g == label).count();
            let support = pairs.iter().filter(|&&(e, _)| e == label).count();
            let metric = Metric {
                precision: ratio(hits, predicted),
                recall: ratio(hits, support),
                support,
            };
            (name(label).to_owned(), metric)
        })
        .collect()
}

fn percent(n: usize, total: usize) -> String {
    if total == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * n as f64 / total as f64)
}

fn table(title: &str, metrics: &BTreeMap<String, Metric>) -> String {
    let cell = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
    let mut out = format!(
        "{title:<22}{:>10}{:>8}{:>9}\n",
        "precision", "recall", "support"
    );
    for (label, m) in metrics {
        out.push_str(&format!(
            "{label:<22}{:>10}{:>8}{:>9}\n",
            cell(m.precision),
            cell(m.recall),
            m.support
        ));
    }
    out
}

/// The report for people: the misses, the accuracies, the tables.
fn human(report: &Report) -> String {
    let mut out = String::new();
    for m in &report.misses {
        out.push_str(&format!(
            "MISS {}: category {} -> {}, action {} -> {} (rule {})\n",
            m.id, m.expected_category, m.got_category, m.expected_action, m.got_action, m.rule
        ));
    }
    if !report.misses.is_empty() {
        out.push('\n');
    }
    let fallback = if report.llm_fallback {
        "on"
    } else {
        "off, a fast-path miss is unknown and goes to a human"
    };
    out.push_str(&format!(
        "{} scenarios (LLM fallback {fallback})\n",
        report.total
    ));
    out.push_str(&format!(
        "category accuracy: {}/{} ({})\n",
        report.correct_category,
        report.total,
        percent(report.correct_category, report.total)
    ));
    out.push_str(&format!(
        "action accuracy:   {}/{} ({})\n\n",
        report.correct_action,
        report.total,
        percent(report.correct_action, report.total)
    ));
    out.push_str(&table("category", &report.per_category));
    out.push('\n');
    out.push_str(&table("action", &report.per_action));
    out
}
