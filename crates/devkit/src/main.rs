//! `devkit`: run the local stand-ins in the foreground.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "devkit",
    version,
    about = "Local stand-ins for the platform's external services"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "DEVKIT_ADDR", default_value = "127.0.0.1:8288")]
    addr: SocketAddr,
    /// Inngest event keys to accept (repeatable); any key when none is given.
    #[arg(long = "inngest-event-key", env = "INNGEST_EVENT_KEY")]
    inngest_event_keys: Vec<String>,
    /// Signing key for the local executor's call requests (`signkey-…`); unsigned when absent.
    #[arg(long, env = "INNGEST_SIGNING_KEY", hide_env_values = true)]
    inngest_signing_key: Option<String>,
    /// Scale sleeps, waits and retry delays (0.01 = 100 times faster).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Milliseconds the executor waits before each call request (Inngest's round trip).
    #[arg(long, env = "INNGEST_CALL_LATENCY_MS", default_value_t = 0)]
    call_latency_ms: u64,
    /// Milliseconds between an event and its run's first call (scheduling a run).
    #[arg(long, env = "INNGEST_EVENT_LATENCY_MS", default_value_t = 0)]
    event_latency_ms: u64,
    /// Milliseconds before a checkpoint report is answered.
    #[arg(long, env = "INNGEST_CHECKPOINT_LATENCY_MS", default_value_t = 0)]
    checkpoint_latency_ms: u64,
    /// API key the Anthropic stand-in requires; any non-empty key when absent. Not
    /// `ANTHROPIC_API_KEY`, so that a real key in the shell is never picked up.
    #[arg(long, env = "DEVKIT_ANTHROPIC_API_KEY", hide_env_values = true)]
    anthropic_api_key: Option<String>,
    /// Where the Front stand-in sends its application webhooks, e.g.
    /// http://127.0.0.1:8787/webhooks/front; none are sent when absent.
    #[arg(long, env = "DEVKIT_FRONT_WEBHOOK_URL")]
    front_webhook_url: Option<String>,
    /// The Front app's webhook signing secret (the platform's FRONT_WEBHOOK_SECRET).
    #[arg(long, env = "FRONT_WEBHOOK_SECRET", hide_env_values = true)]
    front_webhook_secret: Option<String>,
    /// Bearer token the Front API stand-in requires; any token when absent.
    #[arg(long, env = "DEVKIT_FRONT_API_TOKEN", hide_env_values = true)]
    front_api_token: Option<String>,
    /// JSON file with the Front company (inboxes, channels, teammates); the built-in
    /// fixtures/devkit-front.json when absent.
    #[arg(long, env = "DEVKIT_FRONT_SEED")]
    front_seed: Option<PathBuf>,
    /// JSON file with the Stripe connected accounts and their objects; the built-in
    /// fixtures/devkit-stripe.json when absent.
    #[arg(long, env = "DEVKIT_STRIPE_SEED")]
    stripe_seed: Option<PathBuf>,
    /// Secret key the Stripe stand-in requires (`Authorization: Bearer …`); any when
    /// absent. Not `STRIPE_SECRET_KEY`, so that a real key in the shell is never picked up.
    #[arg(long, env = "DEVKIT_STRIPE_SECRET_KEY", hide_env_values = true)]
    stripe_secret_key: Option<String>,
    /// JSON file with the Slack workspace (channels, people); the built-in
    /// fixtures/devkit-slack.json when absent.
    #[arg(long, env = "DEVKIT_SLACK_SEED")]
    slack_seed: Option<PathBuf>,
    /// Bot token the Slack Web API stand-in requires; any token when absent. Not
    /// `SLACK_BOT_TOKEN`, so that a real token in the shell is never picked up.
    #[arg(long, env = "DEVKIT_SLACK_BOT_TOKEN", hide_env_values = true)]
    slack_bot_token: Option<String>,
    /// Where clicks and modal submissions go, e.g.
    /// http://127.0.0.1:8787/slack/interactions; none are sent when absent.
    #[arg(long, env = "DEVKIT_SLACK_INTERACTIONS_URL")]
    slack_interactions_url: Option<String>,
    /// The Slack app's signing secret (the platform's SLACK_SIGNING_SECRET); clicks go
    /// unsigned when absent.
    #[arg(long, env = "SLACK_SIGNING_SECRET", hide_env_values = true)]
    slack_signing_secret: Option<String>,
    /// Read-write token the Upstash Vector stand-in requires; any non-empty token when
    /// absent. Not `UPSTASH_VECTOR_REST_TOKEN`, so that a real token is never picked up.
    #[arg(long, env = "DEVKIT_UPSTASH_TOKEN", hide_env_values = true)]
    upstash_token: Option<String>,
    /// Read-only token of the Upstash Vector stand-in: reads only, writes are refused.
    #[arg(long, env = "DEVKIT_UPSTASH_READONLY_TOKEN", hide_env_values = true)]
    upstash_readonly_token: Option<String>,
    /// The MySQL-compatible server the PlanetScale stand-in runs SQL on, e.g.
    /// mysql://root:root@127.0.0.1:3307 (scripts/mariadb start prints one); without
    /// it /planetscale answers 503.
    #[arg(long, env = "DEVKIT_MYSQL_URL", hide_env_values = true)]
    mysql_url: Option<String>,
    /// The password every PlanetScale username must present (the platform's
    /// PLANETSCALE_PASSWORD); any non-empty one when absent.
    #[arg(long, env = "DEVKIT_PLANETSCALE_PASSWORD", hide_env_values = true)]
    planetscale_password: Option<String>,
    /// API token the Axiom stand-in requires (`Authorization: Bearer …`); any non-empty
    /// token when absent.
    #[arg(long, env = "DEVKIT_AXIOM_TOKEN", hide_env_values = true)]
    axiom_token: Option<String>,
    /// Public key the Langfuse stand-in requires (the Basic username); any non-empty
    /// one when absent.
    #[arg(long, env = "DEVKIT_LANGFUSE_PUBLIC_KEY", hide_env_values = true)]
    langfuse_public_key: Option<String>,
    /// Secret key the Langfuse stand-in requires (the Basic password); any non-empty
    /// one when absent.
    #[arg(long, env = "DEVKIT_LANGFUSE_SECRET_KEY", hide_env_values = true)]
    langfuse_secret_key: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let front_seed = match &args.front_seed {
        Some(path) => support_devkit::front::Seed::from_file(path).map_err(anyhow::Error::msg)?,
        None => support_devkit::front::Seed::dev(),
    };
    let stripe_seed = match &args.stripe_seed {
        Some(path) => support_devkit::stripe::StripeSeed::from_path(path)?,
        None => support_devkit::stripe::StripeSeed::dev_fixture()?,
    };
    let slack_seed = match &args.slack_seed {
        Some(path) => support_devkit::slack::SlackSeed::from_path(path)?,
        None => support_devkit::slack::SlackSeed::dev(),
    };
    let config = support_devkit::Config {
        inngest_event_keys: args.inngest_event_keys,
        executor: support_devkit::executor::ExecutorConfig {
            signing_key: args.inngest_signing_key,
            time_scale: args.time_scale,
            latency: support_devkit::executor::Latency {
                call_ms: args.call_latency_ms,
                event_ms: args.event_latency_ms,
                checkpoint_ms: args.checkpoint_latency_ms,
            },
        },
        anthropic_api_key: args.anthropic_api_key,
        front_webhook_url: args.front_webhook_url.clone(),
        front_webhook_secret: args.front_webhook_secret,
        front_api_token: args.front_api_token,
        front_seed,
        stripe: support_devkit::stripe::StripeConfig {
            secret_key: args.stripe_secret_key,
            seed: stripe_seed,
        },
        slack: support_devkit::slack::SlackConfig {
            bot_token: args.slack_bot_token,
            interactions_url: args.slack_interactions_url.clone(),
            signing_secret: args.slack_signing_secret,
            seed: slack_seed,
            ..Default::default()
        },
        upstash: support_devkit::upstash::UpstashConfig {
            token: args.upstash_token,
            readonly_token: args.upstash_readonly_token,
        },
        planetscale: support_devkit::planetscale::PlanetScaleConfig {
            mysql_url: args.mysql_url.clone(),
            password: args.planetscale_password,
        },
        axiom: support_devkit::axiom::AxiomConfig {
            token: args.axiom_token,
        },
        langfuse: support_devkit::langfuse::LangfuseConfig {
            public_key: args.langfuse_public_key,
            secret_key: args.langfuse_secret_key,
        },
    };
    let running = support_devkit::start(args.addr, &config).await?;
    println!("devkit listening on {}", running.url());
    println!("  Inngest Event API   POST {}/e/<event key>", running.url());
    println!(
        "  received events     GET  {}/_devkit/inngest/events",
        running.url()
    );
    println!(
        "  function runs       GET  {}/_devkit/inngest/runs",
        running.url()
    );
    println!(
        "  Anthropic API       POST {}/anthropic/v1/messages (script: /_devkit/anthropic/script)",
        running.url()
    );
    println!(
        "  PlanetScale API     POST {}/planetscale/psdb.v1alpha1.Database/Execute ({})",
        running.url(),
        if args.mysql_url.is_some() {
            "on --mysql-url"
        } else {
            "off: no --mysql-url"
        }
    );
    println!(
        "  Front API           {}/front/conversations (webhooks to {}; state: /_devkit/front/state)",
        running.url(),
        args.front_webhook_url.as_deref().unwrap_or("nowhere")
    );
    println!(
        "  Stripe API          {}/stripe/v1/charges (Stripe-Account: acct_dev_tt; state: /_devkit/stripe/state)",
        running.url()
    );
    println!(
        "  Slack               {}/slack (Web API: /slack/api/<method>; clicks to {}; state: /_devkit/slack/state)",
        running.url(),
        args.slack_interactions_url.as_deref().unwrap_or("nowhere")
    );
    println!(
        "  Upstash Vector      {}/upstash (UPSTASH_VECTOR_REST_URL; state: /_devkit/upstash/state)",
        running.url()
    );
    println!(
        "  Axiom               POST {}/axiom/v1/datasets/<dataset>/ingest (events: /_devkit/axiom/events)",
        running.url()
    );
    println!(
        "  Langfuse            POST {}/langfuse/api/public/ingestion (traces: /_devkit/langfuse/traces)",
        running.url()
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
