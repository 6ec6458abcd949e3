//! `skill webhook front`: send a correctly signed Front webhook, to test a setup.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use support_signing::{front, Clock, SystemClock};
use support_testkit::front::{webhook, WebhookSpec};

#[derive(Subcommand)]
pub enum WebhookCommand {
    /// Send a signed Front application webhook (or a legacy rule webhook with --rule).
    Front(FrontArgs),
}

#[derive(Args)]
pub struct FrontArgs {
    /// The intake URL, e.g. http://127.0.0.1:8787/webhooks/front
    #[arg(long)]
    url: String,
    /// The Front app's webhook signing secret (or FRONT_WEBHOOK_SECRET).
    #[arg(long, env = "FRONT_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// Webhook type: inbound_received, new_comment_added, conversation_snoozed,
    /// conversation_snooze_expired, outbound_sent, sync, or any other Front type.
    #[arg(long = "type", default_value = "inbound_received")]
    kind: String,
    /// Conversation id.
    #[arg(long, default_value = "cnv_skill_test")]
    conversation: String,
    /// Inbox id (decides which app the event belongs to).
    #[arg(long, default_value = "inb_dev")]
    inbox: String,
    /// Front event id (default: a new one). Reuse it to test duplicate handling.
    #[arg(long)]
    event_id: Option<String>,
    /// Subject.
    #[arg(long, default_value = "Refund for my order")]
    subject: String,
    /// Message or comment body.
    #[arg(
        long,
        default_value = "Hi, I bought the course last week and would like a refund."
    )]
    body: String,
    /// Customer (inbound) or teammate email.
    #[arg(long, default_value = "dana@example.com")]
    from: String,
    /// Send Front's validation request with this challenge instead of an event.
    #[arg(long)]
    challenge: Option<String>,
    /// Sign as a legacy rule webhook (HMAC-SHA1 of the body, no timestamp).
    #[arg(long)]
    rule: bool,
    /// Print the request body that was sent, too.
    #[arg(long)]
    show_body: bool,
}

pub async fn run(command: WebhookCommand) -> anyhow::Result<ExitCode> {
    let WebhookCommand::Front(args) = command;
    let now_ms = SystemClock.now_unix_millis();
    let event_id = args
        .event_id
        .clone()
        .unwrap_or_else(|| format!("evt_skill_{now_ms}"));
    let body = if args.challenge.is_some() || args.kind == "sync" {
        serde_json::json!({"type": "sync", "authorization": {"id": "cmp_dev"}})
    } else {
        let spec = WebhookSpec {
            kind: args.kind.clone(),
            event_id: event_id.clone(),
            conversation_id: args.conversation.clone(),
            inbox_id: args.inbox.clone(),
            target_id: format!("msg_skill_{now_ms}"),
            subject: args.subject.clone(),
            body: args.body.clone(),
            from: args.from.clone(),
            emitted_at: now_ms as f64 / 1000.0,
        };
        webhook(&spec)
    };
    let bytes = serde_json::to_vec(&body)?;

    let mut request = reqwest::Client::new()
        .post(&args.url)
        .timeout(Duration::from_secs(15))
        .header("content-type", "application/json");
    if args.rule {
        request = request.header(
            "x-front-signature",
            front::sign_rule(args.secret.as_bytes(), &bytes),
        );
    } else {
        request = request
            .header(
                "x-front-signature",
                front::sign_app(args.secret.as_bytes(), now_ms, &bytes),
            )
            .header("x-front-request-timestamp", now_ms.to_string());
    }
    if let Some(challenge) = &args.challenge {
        request = request.header("x-front-challenge", challenge);
    }
    if args.show_body {
        eprintln!("{}", serde_json::to_string_pretty(&body)?);
    }
    let response = request
        .body(bytes)
        .send()
        .await
        .with_context(|| format!("sending to {}", args.url))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let answer: serde_json::Value =
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    println!(
        "{}",
        serde_json::to_string_pretty(
            &serde_json::json!({"status": status.as_u16(), "eventId": event_id, "response": answer})
        )?
    );
    Ok(if status.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
