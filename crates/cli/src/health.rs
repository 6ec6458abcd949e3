//! `skill health`: probe every method of an app's SDK endpoint.
//!
//! Read methods are called with the probe email (a real customer's address gives a
//! fuller picture). Mutating methods are called with ids that cannot exist, so a
//! correct app answers "not found" and changes nothing; `--read-only` skips them.

use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use support_sdk::health::{check, Outcome, PROBE_EMAIL};

use crate::EndpointArgs;

#[derive(Args)]
pub struct HealthArgs {
    #[command(flatten)]
    endpoint: EndpointArgs,
    /// Email to look up (a real customer's address exercises more of the app).
    #[arg(long, default_value = PROBE_EMAIL)]
    email: String,
    /// Do not call methods that change data, even with ids that cannot exist.
    #[arg(long)]
    read_only: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: HealthArgs) -> anyhow::Result<ExitCode> {
    let client = args.endpoint.client();
    let started = Instant::now();
    let now_ms = move || started.elapsed().as_secs_f64() * 1000.0;
    let report = check(&client, &args.email, args.read_only, &now_ms).await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.url);
        for p in &report.methods {
            let kind = if p.required { "required" } else { "optional" };
            let detail = match (&p.outcome, &p.detail) {
                (Outcome::Implemented | Outcome::NotImplemented | Outcome::Skipped, _)
                | (_, None) => String::new(),
                (_, Some(d)) => format!("  ({d})"),
            };
            println!(
                "  {:<20} {:<8} {:>5} ms  {}{detail}",
                p.action,
                kind,
                p.millis,
                p.outcome.label()
            );
        }
        println!(
            "{}",
            if report.healthy {
                "healthy"
            } else {
                "UNHEALTHY"
            }
        );
    }
    Ok(if report.healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
