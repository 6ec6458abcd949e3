//! `skill tokens`: the approvers' API tokens for `/api/approvals`. Each token belongs
//! to one person (their Slack user id: a decision made with it is theirs) and is scoped
//! to apps the person approves for. The platform keeps only a hash; the token is
//! printed once, at creation.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::outbox::PlatformArgs;

#[derive(Subcommand)]
pub enum TokensCommand {
    /// Create a token for a person, scoped to apps; prints it once.
    Create(CreateArgs),
    /// List tokens (never the tokens themselves).
    List(ListArgs),
    /// Revoke a token by its id (tok_…).
    Revoke(RevokeArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// The person's Slack user id (U…); they must be an approver of each app.
    #[arg(long)]
    slack: String,
    /// An app slug the token may see and decide for (repeat for several).
    #[arg(long = "app", required = true)]
    apps: Vec<String>,
    /// What the token is for.
    #[arg(long, default_value = "")]
    label: String,
    /// Print the JSON answer instead of the token alone.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Print the JSON answer instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// The token's id (tok_…), from `skill tokens list`.
    id: String,
}

pub async fn run(command: TokensCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokensCommand::Create(args) => {
            let body = args
                .platform
                .post(
                    "/admin/tokens",
                    Some(
                        &json!({"slackUserId": args.slack, "apps": args.apps, "label": args.label}),
                    ),
                )
                .await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&body)?);
            } else {
                eprintln!(
                    "token {} for {} on {} (shown once; the platform keeps only its hash):",
                    body["id"].as_str().unwrap_or("?"),
                    body["slackUserId"].as_str().unwrap_or("?"),
                    body["apps"]
                );
                println!("{}", body["token"].as_str().unwrap_or_default());
            }
            Ok(ExitCode::SUCCESS)
        }
        TokensCommand::List(args) => {
            let body = args.platform.get("/admin/tokens").await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&body)?);
                return Ok(ExitCode::SUCCESS);
            }
            let tokens = body["tokens"].as_array().cloned().unwrap_or_default();
            if tokens.is_empty() {
                println!("no tokens");
            }
            for t in &tokens {
                println!(
                    "{}  {}  {}  {}{}",
                    t["id"].as_str().unwrap_or("?"),
                    t["slackUserId"].as_str().unwrap_or("?"),
                    t["apps"],
                    t["label"].as_str().unwrap_or(""),
                    if t["revokedAt"].is_null() {
                        ""
                    } else {
                        "  revoked"
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TokensCommand::Revoke(args) => {
            args.platform
                .post(&format!("/admin/tokens/{}/revoke", args.id), None)
                .await?;
            println!("revoked {}", args.id);
            Ok(ExitCode::SUCCESS)
        }
    }
}
