//! `skill retention run [--dry-run]`: one pass of the retention policy on the platform
//! (`POST /admin/retention`), the work of the daily `support-retention` function; with
//! `--dry-run`, what it would remove.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::Value;

use crate::outbox::PlatformArgs;

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Apply the policy now, or with --dry-run count what it would remove.
    Run(RunArgs),
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Count what is due; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the JSON report.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: RetentionCommand) -> anyhow::Result<ExitCode> {
    match command {
        RetentionCommand::Run(args) => {
            let path = if args.dry_run {
                "/admin/retention?dryRun=1"
            } else {
                "/admin/retention"
            };
            let report = args.platform.post(path, None).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", render(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The report as lines: one per app and rule with a count, then a total.
fn render(report: &Value) -> String {
    let dry = report["dryRun"].as_bool().unwrap_or(false);
    let mut out = String::new();
    let mut total = 0;
    if let Some(apps) = report["removed"].as_object() {
        for (app, rules) in apps {
            let scope = if app.is_empty() { "(platform)" } else { app };
            for (rule, count) in rules.as_object().into_iter().flatten() {
                let n = count.as_u64().unwrap_or(0);
                total += n;
                if n > 0 {
                    out.push_str(&format!("{scope:<24} {rule:<22} {n}\n"));
                }
            }
        }
    }
    out.push_str(&format!(
        "{} {total} record(s){}\n",
        if dry { "due:" } else { "removed or cleared:" },
        if report["moreDue"].as_bool() == Some(true) {
            " (more are due: the next pass goes on)"
        } else {
            ""
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_lists_what_was_counted_and_the_total() {
        let report = serde_json::json!({
            "dryRun": true,
            "removed": {"": {"delete_ledger": 3, "delete_expired": 0}, "total-typescript": {"scrub_conversations": 12}},
            "moreDue": false
        });
        assert_eq!(
            render(&report),
            "(platform)               delete_ledger          3\n\
             total-typescript         scrub_conversations    12\n\
             due: 15 record(s)\n"
        );
    }
}
