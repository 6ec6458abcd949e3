//! `skill outbox`: the events Inngest refused for good (dead letters), and replaying
//! them once the cause is fixed. Talks to the platform's admin API with its token.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// List dead-lettered events (not yet replayed, unless --all).
    DeadLetters(ListArgs),
    /// Put dead-lettered events back into their conversations' outboxes.
    Replay(ReplayArgs),
}

/// The platform and its admin token.
#[derive(Args)]
pub struct PlatformArgs {
    /// The platform's base URL, e.g. https://support.example.com
    #[arg(long, env = "PLATFORM_URL")]
    pub(crate) platform: String,
    /// The platform's ADMIN_TOKEN.
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true)]
    pub(crate) token: String,
}

impl PlatformArgs {
    /// `path` on the platform.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.platform.trim_end_matches('/'))
    }

    /// `GET path` on the admin API: the JSON of a success, or the platform's error.
    pub(crate) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(client()?.get(self.url(path))).await
    }

    /// `POST path` on the admin API, with a JSON body when given.
    pub(crate) async fn post(&self, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
        let request = client()?.post(self.url(path));
        self.send(match body {
            Some(body) => request.json(body),
            None => request,
        })
        .await
    }

    /// `DELETE path` on the admin API.
    pub(crate) async fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.send(client()?.delete(self.url(path))).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        answer(request.bearer_auth(&self.token).send().await?).await
    }
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Also list the ones already replayed.
    #[arg(long)]
    all: bool,
    /// Print the JSON answer instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Front event ids (evt_…) to replay.
    #[arg(required = true)]
    event_ids: Vec<String>,
}

pub async fn run(command: OutboxCommand) -> anyhow::Result<ExitCode> {
    match command {
        OutboxCommand::DeadLetters(args) => list(args).await,
        OutboxCommand::Replay(args) => replay(args).await,
    }
}

/// An HTTP client for the platform's admin API.
fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("cannot build an HTTP client")
}

/// The JSON of a success, or the platform's error as the failure.
async fn answer(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        // A refusal may list its reasons (`{"error", "reasons": [...]}`): say each.
        let reasons: Vec<&str> = body["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        bail!(
            "the platform answered {status}: {}{}",
            body["error"].as_str().unwrap_or("no detail"),
            if reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", reasons.join("; "))
            }
        );
    }
    Ok(body)
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let path = format!(
        "/admin/dead-letters{}",
        if args.all { "?all=1" } else { "" }
    );
    let body = args.platform.get(&path).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(ExitCode::SUCCESS);
    }
    let letters = body["deadLetters"].as_array().cloned().unwrap_or_default();
    if letters.is_empty() {
        println!("no dead letters");
    }
    for l in &letters {
        println!(
            "{}  {}  {}  attempts={}{}  {}",
            l["eventId"].as_str().unwrap_or("?"),
            l["conversationId"].as_str().unwrap_or("?"),
            l["name"].as_str().unwrap_or("?"),
            l["attempts"],
            if l["replayedAt"].is_null() {
                ""
            } else {
                "  replayed"
            },
            l["reason"].as_str().unwrap_or(""),
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let body = args
        .platform
        .post(
            "/admin/dead-letters/replay",
            Some(&json!({"eventIds": args.event_ids})),
        )
        .await?;
    let replayed = body["replayed"].as_array().cloned().unwrap_or_default();
    let unknown = body["unknown"].as_array().cloned().unwrap_or_default();
    for id in &replayed {
        println!("replayed {}", id.as_str().unwrap_or("?"));
    }
    for id in &unknown {
        eprintln!("no dead letter {}", id.as_str().unwrap_or("?"));
    }
    Ok(if unknown.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
