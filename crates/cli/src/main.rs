//! `skill`: the support platform's command-line tool.

mod apps;
mod candidates;
mod customer;
mod db;
mod doctor;
mod eval;
mod health;
mod knowledge;
mod outbox;
mod retention;
mod sdk_call;
mod sign;
mod tokens;
mod trust;
mod users;
mod webhook;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "skill",
    version,
    about = "Work with the support platform and product-app SDK endpoints"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Act as a customer: write to a Front custom channel.
    Customer {
        #[command(subcommand)]
        command: customer::CustomerCommand,
    },
    /// The PlanetScale database: apply its migrations.
    Db {
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// Check a deployed platform from outside: /healthz, Inngest's signed introspection,
    /// and the platform's own checks (settings, database, Front, Slack, Stripe, each
    /// app's SDK); prints what to fix, exits 1 when something needs fixing.
    Doctor(doctor::DoctorArgs),
    /// Evaluate the pipeline's decisions against labelled scenarios.
    Eval {
        #[command(subcommand)]
        command: eval::EvalCommand,
    },
    /// Probe every SDK method of an app endpoint and report what it implements.
    Health(health::HealthArgs),
    /// An app's knowledge base in Upstash Vector: ingest docs and FAQs, list, search, delete.
    Knowledge {
        #[command(subcommand)]
        command: knowledge::KnowledgeCommand,
    },
    /// Events Inngest refused for good: list and replay them.
    Outbox {
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// Talk to an app's SDK endpoint.
    Sdk {
        #[command(subcommand)]
        command: SdkCommand,
    },
    /// The retention policy: run a pass now, or count what one would remove.
    Retention {
        #[command(subcommand)]
        command: retention::RetentionCommand,
    },
    /// The live figures per app and category against the original's targets, with
    /// trust and the auto-send switches.
    Stats(trust::StatsArgs),
    /// Switch auto-send on or off for an app and category, or off everywhere (--all).
    Autosend {
        #[command(subcommand)]
        command: trust::AutosendCommand,
    },
    /// Print the X-Support-Signature header for a body.
    Sign(sign::SignArgs),
    /// Approvers' API tokens for /api/approvals: create, list, revoke.
    Tokens {
        #[command(subcommand)]
        command: tokens::TokensCommand,
    },
    /// The platform's apps: add (secret shown once), list, show, rotate-secret, remove.
    Apps {
        #[command(subcommand)]
        command: apps::AppsCommand,
    },
    /// People who can sign in to the dashboard: add (password from stdin), list.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Send signed test webhooks to the platform.
    Webhook {
        #[command(subcommand)]
        command: webhook::WebhookCommand,
    },
}

#[derive(Subcommand)]
enum SdkCommand {
    /// Send one signed action and print the app's JSON answer.
    Call(sdk_call::CallArgs),
}

/// Options shared by every command that calls an app endpoint.
#[derive(Args, Clone)]
pub struct EndpointArgs {
    /// The app's full SDK endpoint URL, e.g. https://app.example.com/api/support
    pub url: String,
    /// The app's webhook secret (or set SUPPORT_WEBHOOK_SECRET to keep it out of shell history).
    #[arg(long, env = "SUPPORT_WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: String,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
}

impl EndpointArgs {
    pub fn client(
        &self,
    ) -> support_sdk::IntegrationClient<support_sdk::adapters::reqwest::ReqwestTransport> {
        support_sdk::IntegrationClient::new(
            &self.url,
            &self.secret,
            support_sdk::adapters::reqwest::ReqwestTransport::new(),
        )
        .with_timeout(Duration::from_secs(self.timeout))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Customer { command } => customer::run(command).await,
            Command::Doctor(args) => doctor::run(args).await,
            Command::Eval { command } => eval::run(command).await,
            Command::Health(args) => health::run(args).await,
            Command::Knowledge { command } => knowledge::run(command).await,
            Command::Sdk {
                command: SdkCommand::Call(args),
            } => sdk_call::run(args).await,
            Command::Outbox { command } => outbox::run(command).await,
            Command::Sign(args) => sign::run(args),
            Command::Db { command } => db::run(command).await,
            Command::Retention { command } => retention::run(command).await,
            Command::Stats(args) => trust::stats(args).await,
            Command::Autosend { command } => trust::autosend(command).await,
            Command::Tokens { command } => tokens::run(command).await,
            Command::Apps { command } => apps::run(command).await,
            Command::Users { command } => users::run(command).await,
            Command::Webhook { command } => webhook::run(command).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
