//! `devkit`: run the local stand-ins in the foreground.

use std::net::SocketAddr;

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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = support_devkit::Config {
        inngest_event_keys: args.inngest_event_keys,
        executor: support_devkit::executor::ExecutorConfig {
            signing_key: args.inngest_signing_key,
            time_scale: args.time_scale,
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
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
