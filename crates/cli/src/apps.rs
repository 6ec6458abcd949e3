//! `skill apps`: the platform's app registry through its admin API (`--platform`/`--token`
//! or `PLATFORM_URL`/`ADMIN_TOKEN`). Secrets are generated and sealed on the platform and
//! printed once, here, never again.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::outbox::PlatformArgs;

#[derive(Subcommand)]
pub enum AppsCommand {
    /// Register an app; prints its SDK secret once.
    Add(AddArgs),
    /// List the registered apps.
    List(ShowArgs),
    /// Show one app.
    Show(OneArgs),
    /// Start rotating an app's SDK secret (prints the new one once; both sign until
    /// `--finish`), or with `--finish`, sign with the new one only.
    RotateSecret(RotateArgs),
    /// Remove an app (refused while any of its approvals is pending).
    Remove(OneArgs),
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Stable slug (the `appId` of its events).
    #[arg(long)]
    slug: String,
    /// Display name.
    #[arg(long)]
    name: Option<String>,
    /// The app's SDK endpoint (https).
    #[arg(long)]
    url: String,
    /// Its Front inbox id.
    #[arg(long)]
    inbox: Option<String>,
    /// A Slack user id allowed to decide its approvals (repeatable).
    #[arg(long = "approver")]
    approvers: Vec<String>,
    /// Slack channel for its approval requests.
    #[arg(long)]
    approval_channel: Option<String>,
    /// Slack channel for its escalations.
    #[arg(long)]
    escalation_channel: Option<String>,
    /// Its Stripe connected account (acct_…).
    #[arg(long)]
    stripe_account: Option<String>,
    /// Print the platform's JSON answer.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct OneArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// The app's slug.
    slug: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct RotateArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// The app's slug.
    slug: String,
    /// Finish the rotation under way: only the new secret signs from now on.
    #[arg(long)]
    finish: bool,
}

pub async fn run(command: AppsCommand) -> anyhow::Result<ExitCode> {
    match command {
        AppsCommand::Add(args) => add(args).await,
        AppsCommand::List(args) => list(args).await,
        AppsCommand::Show(args) => show(args).await,
        AppsCommand::RotateSecret(args) => rotate(args).await,
        AppsCommand::Remove(args) => remove(args).await,
    }
}

fn line(app: &Value) -> String {
    format!(
        "{}  {}  {}  inbox {}  approvers {}{}",
        app["slug"].as_str().unwrap_or("?"),
        app["name"].as_str().unwrap_or(""),
        app["integrationUrl"].as_str().unwrap_or(""),
        app["frontInboxId"].as_str().unwrap_or("none"),
        app["settings"]["approvers"]
            .as_array()
            .map(|a| a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","))
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| "none".into()),
        if app["sdkSecretRotating"].as_bool() == Some(true) {
            "  (secret rotation under way)"
        } else {
            ""
        }
    )
}

async fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let body = args
        .platform
        .post(
            "/admin/apps",
            Some(&json!({
                "slug": args.slug, "name": args.name, "integrationUrl": args.url,
                "frontInboxId": args.inbox, "approvers": args.approvers,
                "approvalChannel": args.approval_channel, "escalationChannel": args.escalation_channel,
                "stripeAccountId": args.stripe_account,
            })),
        )
        .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        println!("registered {}", line(&body["app"]));
        println!(
            "SDK secret (shown once; set it as the app's SUPPORT_WEBHOOK_SECRET): {}",
            body["sdkSecret"].as_str().unwrap_or("?")
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let body = args.platform.get("/admin/apps").await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(ExitCode::SUCCESS);
    }
    let apps = body["apps"].as_array().cloned().unwrap_or_default();
    if apps.is_empty() {
        println!("no app is registered: `skill apps add --slug … --url …`");
    }
    for app in &apps {
        println!("{}", line(app));
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(args: OneArgs) -> anyhow::Result<ExitCode> {
    let body = args
        .platform
        .get(&format!("/admin/apps/{}", args.slug))
        .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        println!("{}", line(&body));
    }
    Ok(ExitCode::SUCCESS)
}

async fn rotate(args: RotateArgs) -> anyhow::Result<ExitCode> {
    let step = if args.finish {
        "finish-rotation"
    } else {
        "rotate-secret"
    };
    let body = args
        .platform
        .post(&format!("/admin/apps/{}/{step}", args.slug), None)
        .await?;
    if args.finish {
        println!("{}: signed with the new secret only", args.slug);
    } else {
        println!(
            "new SDK secret for {} (shown once): {}",
            args.slug,
            body["sdkSecret"].as_str().unwrap_or("?")
        );
        println!(
            "until `skill apps rotate-secret {} --finish`, requests are signed with the previous secret and this one: set it in the app first",
            args.slug
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn remove(args: OneArgs) -> anyhow::Result<ExitCode> {
    args.platform
        .delete(&format!("/admin/apps/{}", args.slug))
        .await?;
    println!("removed {}", args.slug);
    Ok(ExitCode::SUCCESS)
}
