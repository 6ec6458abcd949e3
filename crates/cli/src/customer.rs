//! `skill customer write`: write to a Front custom channel as a customer would, through
//! Front's "receive custom messages" API (the devkit's Front stand-in by default), so
//! the whole intake runs from a real inbound message.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use support_front::{CustomMessage, CustomMetadata, CustomSender, FrontClient};
use support_http::ReqwestTransport;

#[derive(Subcommand)]
pub enum CustomerCommand {
    /// Send a message as a customer on a Front custom channel; prints its message uid.
    Write(WriteArgs),
}

#[derive(Args)]
pub struct WriteArgs {
    /// The custom channel (cha_…) the customer writes to.
    #[arg(long, default_value = "cha_dev")]
    channel: String,
    /// The customer's address.
    #[arg(long)]
    from: String,
    /// The customer's name.
    #[arg(long)]
    name: Option<String>,
    /// Subject line.
    #[arg(long)]
    subject: String,
    /// Message body (markdown).
    #[arg(long)]
    body: String,
    /// Messages with the same thread reference land in the same conversation.
    #[arg(long)]
    thread_ref: Option<String>,
    /// Front's API root: the devkit's stand-in, or https://api2.frontapp.com.
    #[arg(
        long,
        env = "FRONT_API_URL",
        default_value = "http://127.0.0.1:8288/front"
    )]
    front_url: String,
    /// Front API token (or FRONT_API_TOKEN); the devkit takes any unless told otherwise.
    #[arg(long, env = "FRONT_API_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Seconds to wait for Front's answer.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Print {"status", "messageUid", "channel"} instead of the bare uid.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: CustomerCommand) -> anyhow::Result<ExitCode> {
    let CustomerCommand::Write(args) = command;
    let token = args.token.as_deref().unwrap_or("devkit");
    let front = FrontClient::new(&args.front_url, token, Arc::new(ReqwestTransport::new()))
        .with_timeout(Duration::from_secs(args.timeout));
    let message = CustomMessage {
        sender: CustomSender {
            handle: args.from.clone(),
            name: args.name.clone(),
        },
        subject: Some(args.subject.clone()),
        body: args.body.clone(),
        body_format: None,
        metadata: args.thread_ref.as_ref().map(|thread_ref| CustomMetadata {
            thread_ref: Some(thread_ref.clone()),
            headers: None,
        }),
    };
    let accepted = front
        .receive_custom_message(&args.channel, &message)
        .await
        .with_context(|| format!("writing to channel {} at {}", args.channel, args.front_url))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "status": accepted.status,
                "messageUid": accepted.message_uid,
                "channel": args.channel,
            }))?
        );
    } else {
        println!("{}", accepted.message_uid);
    }
    Ok(ExitCode::SUCCESS)
}
