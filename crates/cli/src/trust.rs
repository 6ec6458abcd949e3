//! `skill stats` (the live figures of each app and category next to the original's
//! targets, `GET /api/stats`) and `skill autosend on|off` (`POST /admin/autosend`).

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::outbox::PlatformArgs;

#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Only this app (its slug).
    #[arg(long)]
    app: Option<String>,
    /// The window, in days ("30" or "30d").
    #[arg(long, default_value = "30")]
    since: String,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

pub async fn stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let mut path = format!("/api/stats?since={}", urlencoding(&args.since));
    if let Some(app) = &args.app {
        path.push_str(&format!("&app={}", urlencoding(app)));
    }
    let answer = args.platform.get(&path).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", render(&answer));
    }
    Ok(ExitCode::SUCCESS)
}

/// A query value percent-encoded (everything but the unreserved characters).
fn urlencoding(s: &str) -> String {
    support_http::encode_path_segment(s).unwrap_or_default()
}

fn percent(share: &Value) -> String {
    match share["value"].as_f64() {
        Some(v) => format!(
            "{:>5.1}% ({}/{})",
            v * 100.0,
            share["count"].as_u64().unwrap_or(0),
            share["of"].as_u64().unwrap_or(0)
        ),
        None => "    –".into(),
    }
}

fn mark(met: &Value) -> &'static str {
    match met.as_bool() {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "",
    }
}

fn seconds(p: &Value, key: &str) -> String {
    p[key]
        .as_i64()
        .map(|ms| format!("{:.1}s", ms as f64 / 1000.0))
        .unwrap_or_else(|| "–".into())
}

/// One block per app: the figures of all its categories against the targets, then a
/// line per category with trust and the auto-send switch.
fn render(answer: &Value) -> String {
    let mut out = String::new();
    let days = answer["sinceDays"].as_u64().unwrap_or(30);
    for app in answer["apps"].as_array().into_iter().flatten() {
        let all = &app["all"];
        let mix = &all["mix"];
        let total = mix["unchanged"].as_u64().unwrap_or(0)
            + [
                "minorEdit",
                "majorRewrite",
                "rejected",
                "deleted",
                "expired",
                "superseded",
                "autoSent",
                "pending",
                "noDraft",
            ]
            .iter()
            .map(|k| mix[*k].as_u64().unwrap_or(0))
            .sum::<u64>();
        out.push_str(&format!(
            "{} — last {days} days, {total} message(s){}\n",
            app["appId"].as_str().unwrap_or("?"),
            if app["killed"].as_bool() == Some(true) {
                " — auto-send stopped everywhere (kill switch)"
            } else {
                ""
            }
        ));
        let rows = [
            (
                "got a draft",
                percent(&all["draftShare"]),
                "≥ 80%",
                mark(&all["draftShare"]["met"]),
            ),
            (
                "sent unedited",
                percent(&all["sentUnedited"]),
                "> 50%",
                mark(&all["sentUnedited"]["met"]),
            ),
            (
                "edit rate",
                percent(&all["editRate"]),
                "< 30%",
                mark(&all["editRate"]["met"]),
            ),
            ("rejection rate", percent(&all["rejectionRate"]), "", ""),
        ];
        for (name, value, target, met) in rows {
            out.push_str(&format!("  {name:<16} {value:<22} {target:<7} {met}\n"));
        }
        let draft = &all["timeToDraft"];
        out.push_str(&format!(
            "  {:<16} p50 {:<7} p90 {:<7} {:<7} {}\n",
            "time to draft",
            seconds(draft, "p50Ms"),
            seconds(draft, "p90Ms"),
            "≤ 30s",
            mark(&all["timeToDraftMet"])
        ));
        let reply = &all["timeToReply"];
        out.push_str(&format!(
            "  {:<16} p50 {:<7} p90 {:<7}\n",
            "time to reply",
            seconds(reply, "p50Ms"),
            seconds(reply, "p90Ms")
        ));
        let min = app["thresholds"]["minTrust"].as_f64().unwrap_or(0.9);
        let samples = app["thresholds"]["minSamples"].as_u64().unwrap_or(50);
        out.push_str(&format!(
            "  {:<18} {:>6} {:>8} {:>9}  auto-send (needs trust ≥ {min:.2} over ≥ {samples})\n",
            "category", "trust", "samples", "unedited"
        ));
        for c in app["categories"].as_array().into_iter().flatten() {
            let state = if c["autosend"].as_bool() == Some(true) {
                "ON".to_owned()
            } else {
                let why: Vec<&str> = c["refusedBecause"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if why.is_empty() {
                    "off (may be switched on)".into()
                } else {
                    format!("off: {}", why.join("; "))
                }
            };
            out.push_str(&format!(
                "  {:<18} {:>6.2} {:>8} {:>9}  {state}\n",
                c["category"].as_str().unwrap_or("?"),
                c["trust"]["score"].as_f64().unwrap_or(0.0),
                c["trust"]["samples"].as_u64().unwrap_or(0),
                c["figures"]["sentUnedited"]["value"]
                    .as_f64()
                    .map(|v| format!("{:.0}%", v * 100.0))
                    .unwrap_or_else(|| "–".into()),
            ));
        }
        out.push('\n');
    }
    out
}

#[derive(Subcommand)]
pub enum AutosendCommand {
    /// Let the agent send alone for one app and category (refused, with the reasons,
    /// where trust does not allow it).
    On(SwitchArgs),
    /// Stop it for one app and category, or with --all everywhere at once.
    Off(OffArgs),
}

#[derive(Args)]
pub struct SwitchArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// The app's slug.
    #[arg(long)]
    app: String,
    /// The category (support_access, support_billing, ...).
    #[arg(long)]
    category: String,
}

#[derive(Args)]
pub struct OffArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// The app's slug.
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    app: Option<String>,
    /// The category.
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    category: Option<String>,
    /// Every app and category: the kill switch.
    #[arg(long)]
    all: bool,
}

pub async fn autosend(command: AutosendCommand) -> anyhow::Result<ExitCode> {
    let (platform, body) = match command {
        AutosendCommand::On(a) => (
            a.platform,
            json!({"app": a.app, "category": a.category, "enabled": true}),
        ),
        AutosendCommand::Off(a) if a.all => (a.platform, json!({"all": true, "enabled": false})),
        AutosendCommand::Off(a) => (
            a.platform,
            json!({"app": a.app, "category": a.category, "enabled": false}),
        ),
    };
    let answer = match platform.post("/admin/autosend", Some(&body)).await {
        Ok(answer) => answer,
        Err(e) => {
            eprintln!("{e:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    if let Some(off) = answer["switchedOff"].as_array() {
        println!("auto-send switched off in {} place(s)", off.len());
        for s in off {
            println!(
                "  {} × {}",
                s["appId"].as_str().unwrap_or("?"),
                s["category"].as_str().unwrap_or("?")
            );
        }
    } else {
        let s = &answer["switch"];
        println!(
            "auto-send {} for {} × {}{}",
            if s["enabled"].as_bool() == Some(true) {
                "on"
            } else {
                "off"
            },
            s["appId"].as_str().unwrap_or("?"),
            s["category"].as_str().unwrap_or("?"),
            if answer["changed"].as_bool() == Some(false) {
                " (it already was)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_read_against_their_targets() {
        let answer = json!({"sinceDays": 7, "apps": [{
            "appId": "tt", "killed": false,
            "thresholds": {"minTrust": 0.9, "minSamples": 50},
            "all": {
                "mix": {"unchanged": 6, "minorEdit": 1, "majorRewrite": 1, "rejected": 1, "noDraft": 1},
                "draftShare": {"count": 9, "of": 10, "value": 0.9, "met": true},
                "sentUnedited": {"count": 6, "of": 9, "value": 0.6667, "met": true},
                "editRate": {"count": 2, "of": 8, "value": 0.25, "met": true},
                "rejectionRate": {"count": 1, "of": 9, "value": 0.1111, "met": null},
                "timeToDraft": {"p50Ms": 1200, "p90Ms": 45000, "count": 9},
                "timeToDraftMet": false,
                "timeToReply": null
            },
            "categories": [
                {"category": "support_access", "trust": {"score": 0.93, "samples": 60}, "autosend": true,
                 "refusedBecause": [], "figures": {"sentUnedited": {"value": 0.9}}},
                {"category": "support_refund", "trust": {"score": 0.4, "samples": 3}, "autosend": false,
                 "refusedBecause": ["3 outcomes so far, 50 needed"], "figures": {"sentUnedited": {"value": null}}}
            ]
        }]});
        let text = render(&answer);
        assert!(
            text.starts_with("tt — last 7 days, 10 message(s)\n"),
            "{text}"
        );
        assert!(text.contains(" 90.0% (9/10)"), "{text}");
        assert!(text.contains("p90 45.0s"), "{text}");
        assert!(text.contains("MISSED"), "{text}");
        assert!(
            text.contains("support_access       0.93       60       90%  ON"),
            "{text}"
        );
        assert!(text.contains("off: 3 outcomes so far, 50 needed"), "{text}");
    }
}
