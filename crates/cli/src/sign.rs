//! `skill sign`: compute an X-Support-Signature header.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use support_signing::{Clock, SystemClock};

#[derive(Args)]
pub struct SignArgs {
    /// The secret to sign with (or SUPPORT_WEBHOOK_SECRET).
    #[arg(long, env = "SUPPORT_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// The body to sign, exactly as it will be sent. Reads standard input when absent.
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// Read the body from a file.
    #[arg(long)]
    body_file: Option<std::path::PathBuf>,
    /// Unix timestamp in seconds (default: now).
    #[arg(long)]
    timestamp: Option<i64>,
    /// Print {"header": ..., "timestamp": ...} instead of the bare header value.
    #[arg(long)]
    json: bool,
}

pub fn run(args: SignArgs) -> anyhow::Result<ExitCode> {
    let body = match (&args.body, &args.body_file) {
        (Some(body), _) => body.clone().into_bytes(),
        (None, Some(path)) => {
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
        }
        (None, None) => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("reading the body from standard input")?;
            buf
        }
    };
    let timestamp = args.timestamp.unwrap_or_else(|| SystemClock.now_unix());
    let header = support_signing::sdk::sign(args.secret.as_bytes(), timestamp, &body);
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "header": header, "timestamp": timestamp })
        );
    } else {
        println!("{header}");
    }
    Ok(ExitCode::SUCCESS)
}
