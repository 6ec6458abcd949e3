//! `skill users`: the people who can sign in to the dashboard. `add` creates one (the
//! first owner included: there is no default account and no default password); the
//! password is read from standard input, never from the command line, and the platform
//! keeps only its BetterAuth scrypt hash.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::outbox::PlatformArgs;

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add a person (password from standard input: its first line).
    Add(AddArgs),
    /// List the people who can sign in.
    List(ListArgs),
    /// Change a person's role or Slack link (`--slack ""` unlinks); a demotion ends
    /// their sessions.
    Set(SetArgs),
    /// End every session of a person now.
    RevokeSessions(RevokeArgs),
}

#[derive(Args)]
pub struct SetArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Their sign-in email.
    #[arg(long)]
    email: String,
    /// owner, agent or viewer.
    #[arg(long)]
    role: Option<String>,
    /// Their Slack user id (`""` unlinks).
    #[arg(long)]
    slack: Option<String>,
}

#[derive(Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Their sign-in email.
    #[arg(long)]
    email: String,
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Their sign-in email.
    #[arg(long)]
    email: String,
    /// owner (apps, approvers, people), agent (queue and decisions) or viewer (read only).
    #[arg(long)]
    role: String,
    /// Their name (default: the email's local part).
    #[arg(long)]
    name: Option<String>,
    /// Their Slack user id (U…): a decision in the dashboard is theirs as in Slack.
    #[arg(long)]
    slack: Option<String>,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: UsersCommand) -> anyhow::Result<ExitCode> {
    match command {
        UsersCommand::Add(args) => add(args).await,
        UsersCommand::List(args) => list(args).await,
        UsersCommand::Set(args) => set(args).await,
        UsersCommand::RevokeSessions(args) => revoke(args).await,
    }
}

/// The id of the person with this email.
async fn id_of(platform: &PlatformArgs, email: &str) -> anyhow::Result<String> {
    let body = platform.get("/admin/users").await?;
    let wanted = email.trim().to_lowercase();
    body["users"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["email"].as_str() == Some(wanted.as_str()))
        .and_then(|u| u["id"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("nobody signs in as {wanted}"))
}

async fn set(args: SetArgs) -> anyhow::Result<ExitCode> {
    if args.role.is_none() && args.slack.is_none() {
        bail!("give --role and/or --slack");
    }
    let id = id_of(&args.platform, &args.email).await?;
    let mut change = json!({});
    if let Some(role) = &args.role {
        change["role"] = json!(role);
    }
    if let Some(slack) = &args.slack {
        change["slackUserId"] = json!(slack);
    }
    let body = args
        .platform
        .post(&format!("/admin/users/{id}"), Some(&change))
        .await?;
    println!(
        "{} is now {}{}",
        body["email"].as_str().unwrap_or("?"),
        body["role"].as_str().unwrap_or("?"),
        body["slackUserId"]
            .as_str()
            .map(|s| format!(", Slack {s}"))
            .unwrap_or_else(|| ", no Slack link".into())
    );
    Ok(ExitCode::SUCCESS)
}

async fn revoke(args: RevokeArgs) -> anyhow::Result<ExitCode> {
    let id = id_of(&args.platform, &args.email).await?;
    let body = args
        .platform
        .post(&format!("/admin/users/{id}/revoke-sessions"), None)
        .await?;
    println!(
        "ended {} session(s) of {}",
        body["sessionsEnded"].as_u64().unwrap_or(0),
        args.email
    );
    Ok(ExitCode::SUCCESS)
}

async fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the password from standard input")?;
    let password = input.lines().next().unwrap_or_default();
    if password.is_empty() {
        bail!("give the password on standard input, e.g. `skill users add … < password-file`");
    }
    let body = args
        .platform
        .post(
            "/admin/users",
            Some(&json!({
                "email": args.email, "role": args.role, "name": args.name,
                "slackUserId": args.slack, "password": password,
            })),
        )
        .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        println!(
            "added {} ({}){}",
            body["email"].as_str().unwrap_or("?"),
            body["role"].as_str().unwrap_or("?"),
            body["slackUserId"]
                .as_str()
                .map(|s| format!(", Slack {s}"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let body = args.platform.get("/admin/users").await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(ExitCode::SUCCESS);
    }
    let users = body["users"].as_array().cloned().unwrap_or_default();
    if users.is_empty() {
        println!("nobody can sign in yet: `skill users add --email … --role owner`");
    }
    for u in &users {
        println!(
            "{}  {}  {}  {}",
            u["email"].as_str().unwrap_or("?"),
            u["role"].as_str().unwrap_or("?"),
            u["name"].as_str().unwrap_or(""),
            u["slackUserId"].as_str().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}
