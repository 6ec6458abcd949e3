//! `skill knowledge candidates`: review the FAQ entries the platform proposed from
//! similar sent replies. Listing shows each entry with the (scrubbed) candidates it was
//! made from; approving (optionally with an edited question or answer) writes it into
//! the app's knowledge base as `learned/<entry id>`; rejecting keeps it out for good.
//! Everything goes through the platform's admin API: the platform holds the index's
//! read-write token and records who decided.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::outbox::PlatformArgs;

#[derive(Subcommand)]
pub enum CandidatesCommand {
    /// The proposed entries (or --status approved|rejected|all), each with the sent
    /// replies it was made from.
    List(ListArgs),
    /// Approve an entry (as proposed, or with --question/--answer): it enters the
    /// knowledge base.
    Approve(DecideArgs),
    /// Reject an entry: it never enters the knowledge base.
    Reject(DecideArgs),
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Only this app's entries (its slug).
    #[arg(long)]
    app: Option<String>,
    /// `proposed` (default), `approved`, `rejected` or `all`.
    #[arg(long, default_value = "proposed")]
    status: String,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct DecideArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// The entry's id (faq_…).
    id: String,
    /// Who decides (a name or Slack user id, recorded with the entry).
    #[arg(long)]
    by: String,
    /// The question as it should read (approve).
    #[arg(long)]
    question: Option<String>,
    /// The answer as it should read (approve).
    #[arg(long)]
    answer: Option<String>,
    /// Why (reject).
    #[arg(long)]
    reason: Option<String>,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: CandidatesCommand) -> anyhow::Result<ExitCode> {
    match command {
        CandidatesCommand::List(args) => list(args).await,
        CandidatesCommand::Approve(d) => decide(d, "approve").await,
        CandidatesCommand::Reject(d) => decide(d, "reject").await,
    }
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let platform = args.platform;
    let mut query: Vec<(&str, String)> = Vec::new();
    if args.status != "all" {
        query.push(("status", args.status.clone()));
    }
    if let Some(app) = &args.app {
        query.push(("app", app.clone()));
    }
    let query: String = reqwest::Url::parse_with_params("http://query/", &query)?
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let body = platform
        .get(&format!("/admin/knowledge/faqs{query}"))
        .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(ExitCode::SUCCESS);
    }
    let entries = body["faqs"].as_array().cloned().unwrap_or_default();
    if entries.is_empty() {
        println!("no {} FAQ entries", args.status);
    }
    for entry in &entries {
        print_entry(entry);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_entry(entry: &Value) {
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    println!(
        "{}  [{}]  {}  from {} sent replies",
        text(&entry["id"]),
        text(&entry["status"]),
        text(&entry["appId"]),
        entry["candidateIds"].as_array().map_or(0, Vec::len)
    );
    println!("  Q: {}", text(&entry["question"]).replace('\n', "\n     "));
    println!("  A: {}", text(&entry["answer"]).replace('\n', "\n     "));
    for c in entry["candidates"].as_array().into_iter().flatten() {
        let question: String = text(&c["question"])
            .replace('\n', " ")
            .chars()
            .take(100)
            .collect();
        println!(
            "    - {}{}: {question}",
            text(&c["id"]),
            if c["edited"] == true {
                " (edited reply)"
            } else {
                ""
            }
        );
    }
    println!();
}

async fn decide(args: DecideArgs, decision: &str) -> anyhow::Result<ExitCode> {
    let mut body = json!({"by": args.by});
    for (key, value) in [
        ("question", &args.question),
        ("answer", &args.answer),
        ("reason", &args.reason),
    ] {
        if let Some(value) = value {
            body[key] = json!(value);
        }
    }
    let answered = args
        .platform
        .post(
            &format!("/admin/knowledge/faqs/{}/{decision}", args.id),
            Some(&body),
        )
        .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answered)?);
    } else {
        let entry = &answered["faq"];
        match decision {
            "approve" => println!(
                "approved {}: in the knowledge base as learned/{}",
                args.id,
                entry["id"].as_str().unwrap_or(&args.id)
            ),
            _ => println!("rejected {}", args.id),
        }
    }
    Ok(ExitCode::SUCCESS)
}
