//! `skill doctor`: a deployed platform checked from outside, and what to fix.
//!
//! - `GET /healthz`: does it answer, is its configuration usable, which database.
//! - `GET /api/inngest` unsigned (introspection): mode, functions, whether it has a
//!   signing key; and with `INNGEST_SIGNING_KEY` in the environment, the same request
//!   signed as Inngest signs its calls: `authentication_succeeded` says Inngest can
//!   reach it, and the answer must come back signed with the same key.
//! - `GET /admin/doctor` with the admin token: the platform checks what needs its
//!   secrets (which settings are set, the database, Front, Slack, each app's Stripe
//!   account and SDK endpoint) and answers names and summaries, never values.
//!
//! One line per finding, `ok` or `FIX` with what to do; `--json` prints everything as
//! one document. Exits 0 when everything is ok, 1 when something needs fixing.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use serde_json::{json, Value};
use support_signing::{Clock, SystemClock};

use crate::outbox::PlatformArgs;

#[derive(Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Also send a signed introspection request, as Inngest signs its calls (or set
    /// INNGEST_SIGNING_KEY to keep it out of shell history).
    #[arg(long, env = "INNGEST_SIGNING_KEY", hide_env_values = true)]
    inngest_signing_key: Option<String>,
    /// Seconds to wait for each answer (the platform's own checks take up to about 30).
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Print everything found as one JSON document.
    #[arg(long)]
    json: bool,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What was checked (`healthz`, `front`, `sdk:<slug>`, a variable's name...).
    pub name: String,
    /// Whether it is fine. A skipped check and an optional feature left off are fine.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to do, when something needs fixing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Not checked, or an optional feature that is off: printed as `--`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub note: bool,
}

impl Finding {
    fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
            note: false,
        }
    }

    fn fix(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
            note: false,
        }
    }

    fn note(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            note: true,
            ..Self::ok(name, detail)
        }
    }
}

/// Everything found, by section.
#[derive(Debug, Default, Serialize)]
pub struct Diagnosis {
    /// The platform's URL.
    pub platform: String,
    /// `d1` or `planetscale`, as `/healthz` or `/admin/doctor` named it.
    pub database: Option<String>,
    /// `/healthz` and `/api/inngest`.
    pub reachability: Vec<Finding>,
    /// The platform's settings (from `/admin/doctor`).
    pub settings: Vec<Finding>,
    /// The platform's own checks (from `/admin/doctor`), or why they could not run.
    pub checks: Vec<Finding>,
}

impl Diagnosis {
    /// Every finding, in print order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.reachability
            .iter()
            .chain(&self.settings)
            .chain(&self.checks)
    }

    /// Whether nothing needs fixing.
    pub fn ok(&self) -> bool {
        self.findings().all(|f| f.ok)
    }

    /// The JSON document `--json` prints.
    pub fn to_json(&self) -> Value {
        json!({
            "platform": self.platform,
            "ok": self.ok(),
            "database": self.database,
            "reachability": self.reachability,
            "settings": self.settings,
            "checks": self.checks,
            "fixes": self.findings().filter(|f| !f.ok).count(),
        })
    }

    /// The report as lines: `ok  name  detail` or `FIX name  detail → fix`.
    pub fn render(&self) -> String {
        let width = self
            .findings()
            .map(|f| f.name.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = format!("{}\n", self.platform);
        for (title, findings) in [
            ("", &self.reachability),
            ("settings", &self.settings),
            ("checks", &self.checks),
        ] {
            if findings.is_empty() {
                continue;
            }
            if !title.is_empty() {
                out.push_str(title);
                out.push('\n');
            }
            for f in findings {
                let mark = match (f.ok, f.note) {
                    (false, _) => "FIX",
                    (true, true) => "--",
                    (true, false) => "ok",
                };
                let fix = f
                    .fix
                    .as_deref()
                    .map(|fix| format!(" → {fix}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{mark:<3} {:<width$}  {}{fix}\n",
                    f.name, f.detail
                ));
            }
        }
        let fixes = self.findings().filter(|f| !f.ok).count();
        out.push_str(&match fixes {
            0 => "everything is ok\n".to_owned(),
            1 => "1 thing to fix\n".to_owned(),
            n => format!("{n} things to fix\n"),
        });
        out
    }
}

pub async fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .build()
        .context("cannot build an HTTP client")?;
    let diagnosis = diagnose(&http, &args).await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&diagnosis.to_json())?);
    } else {
        print!("{}", diagnosis.render());
    }
    Ok(if diagnosis.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// An answer: status and JSON body (`Null` when the body is not JSON).
struct Answer {
    status: u16,
    body: Value,
    signature: Option<String>,
    raw: Vec<u8>,
}

async fn fetch(request: reqwest::RequestBuilder) -> Result<Answer, String> {
    let response = request.send().await.map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let signature = response
        .headers()
        .get(support_signing::inngest::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let raw = response.bytes().await.map_err(|e| describe(&e))?.to_vec();
    Ok(Answer {
        status,
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        signature,
        raw,
    })
}

/// A transport failure in a few words (reqwest's own chain, without the URL's query).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        text
    }
}

async fn diagnose(http: &reqwest::Client, args: &DoctorArgs) -> Diagnosis {
    let platform = &args.platform;
    let mut diagnosis = Diagnosis {
        platform: platform.platform.trim_end_matches('/').to_owned(),
        ..Diagnosis::default()
    };
    let health = fetch(http.get(platform.url("/healthz"))).await;
    let reachable = health.is_ok();
    let (finding, database) = healthz(health);
    diagnosis.reachability.push(finding);
    diagnosis.database = database;
    if !reachable {
        // Nothing else can answer either.
        return diagnosis;
    }

    let unsigned = fetch(http.get(platform.url("/api/inngest"))).await;
    diagnosis.reachability.push(introspection(unsigned));
    diagnosis
        .reachability
        .push(match &args.inngest_signing_key {
            None => Finding::note(
                "inngest:signed",
                "not checked: set INNGEST_SIGNING_KEY in your environment to send a signed request",
            ),
            Some(key) => {
                let header = support_signing::inngest::sign(key, SystemClock.now_unix(), b"");
                let signed = fetch(
                    http.get(platform.url("/api/inngest"))
                        .header(support_signing::inngest::HEADER, header),
                )
                .await;
                signed_introspection(signed, key)
            }
        });

    let doctor = fetch(
        http.get(platform.url("/admin/doctor"))
            .bearer_auth(&platform.token),
    )
    .await;
    match doctor {
        Ok(answer) if answer.status == 200 => {
            let (settings, checks) = platform_report(&answer.body);
            if let Some(database) = answer.body["database"].as_str() {
                diagnosis.database = Some(database.to_owned());
            }
            diagnosis.settings = settings;
            diagnosis.checks = checks;
        }
        Ok(answer) if answer.status == 404 => {
            // No admin routes at all, or a platform from before /admin/doctor?
            let admin = fetch(
                http.get(platform.url("/admin/dead-letters?limit=1"))
                    .bearer_auth(&platform.token),
            )
            .await;
            diagnosis.checks.push(match admin {
                Ok(a) if a.status == 404 => Finding::fix(
                    "admin",
                    "the admin routes do not exist: ADMIN_TOKEN is not set on the platform, so its own checks cannot run",
                    "set ADMIN_TOKEN (npx wrangler secret put ADMIN_TOKEN) and pass the same value here",
                ),
                _ => Finding::fix(
                    "admin",
                    "the platform has no /admin/doctor: it runs a version from before it",
                    "deploy the current version",
                ),
            });
        }
        Ok(answer) if answer.status == 401 => diagnosis.checks.push(Finding::fix(
            "admin",
            "the platform refused the admin token",
            "pass the platform's ADMIN_TOKEN (--token or ADMIN_TOKEN)",
        )),
        Ok(answer) => diagnosis.checks.push(Finding::fix(
            "admin",
            format!(
                "/admin/doctor answered {}: {}",
                answer.status,
                error_of(&answer.body)
            ),
            "see the platform's logs",
        )),
        Err(e) => diagnosis.checks.push(Finding::fix(
            "admin",
            format!("/admin/doctor: {e}"),
            "try again; the platform's checks take up to about 30 s",
        )),
    }
    diagnosis
}

/// `GET /healthz`: the finding, and the database it names.
fn healthz(answer: Result<Answer, String>) -> (Finding, Option<String>) {
    const NAME: &str = "healthz";
    let answer =
        match answer {
            Ok(answer) => answer,
            Err(e) => return (
                Finding::fix(
                    NAME,
                    format!("the platform does not answer: {e}"),
                    "check the URL (--platform or PLATFORM_URL) and that the worker is deployed",
                ),
                None,
            ),
        };
    let body = &answer.body;
    let database = body["database"].as_str().map(str::to_owned);
    let finding = match (answer.status, body["status"].as_str()) {
        (200, Some("ok")) => Finding::ok(
            NAME,
            format!(
                "{} {}, database {}",
                body["service"].as_str().unwrap_or("the platform"),
                body["version"].as_str().unwrap_or("?"),
                database.as_deref().unwrap_or("?")
            ),
        ),
        (503, _) => Finding::fix(
            NAME,
            format!(
                "misconfigured: {}",
                body["problem"].as_str().unwrap_or("no detail")
            ),
            "fix the variable it names (docs/deploy.md, Secrets and settings) and deploy again",
        ),
        (status, _) => Finding::fix(
            NAME,
            format!("answered {status}: {}", error_of(body)),
            "check the URL: is this the support platform?",
        ),
    };
    (finding, database)
}

/// The unsigned introspection: mode, functions, keys as the answer says.
fn introspection(answer: Result<Answer, String>) -> Finding {
    const NAME: &str = "inngest";
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => {
            return Finding::fix(
                NAME,
                format!("/api/inngest: {e}"),
                "try again; see the platform's logs",
            )
        }
    };
    let body = &answer.body;
    match answer.status {
        200 => {
            let yes_no = |field: &str| if body[field] == true { "yes" } else { "no" };
            let mode = body["mode"].as_str().unwrap_or("?");
            let detail = format!(
                "introspection: {mode} mode, {} functions, signing key {}, event key {}",
                body["function_count"],
                yes_no("has_signing_key"),
                yes_no("has_event_key"),
            );
            if mode == "dev" {
                Finding::fix(
                    NAME,
                    detail,
                    "INNGEST_DEV=1 serves unsigned calls (a local executor only): unset it and set INNGEST_SIGNING_KEY",
                )
            } else if body["has_signing_key"] != true {
                Finding::fix(NAME, detail, "set INNGEST_SIGNING_KEY")
            } else {
                Finding::ok(NAME, detail)
            }
        }
        503 => Finding::fix(
            NAME,
            format!("/api/inngest refuses every call: {}", error_of(body)),
            "set INNGEST_SIGNING_KEY (Inngest → Manage → Signing key)",
        ),
        status => Finding::fix(
            NAME,
            format!("/api/inngest answered {status}: {}", error_of(body)),
            "see the platform's logs",
        ),
    }
}

/// The signed introspection: whether the platform authenticated it (Inngest can reach
/// it), and whether its answer is signed back with the same key.
fn signed_introspection(answer: Result<Answer, String>, key: &str) -> Finding {
    const NAME: &str = "inngest:signed";
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => {
            return Finding::fix(
                NAME,
                format!("/api/inngest: {e}"),
                "try again; see the platform's logs",
            )
        }
    };
    if answer.status != 200 {
        return Finding::fix(
            NAME,
            format!(
                "/api/inngest answered {}: {}",
                answer.status,
                error_of(&answer.body)
            ),
            "set INNGEST_SIGNING_KEY on the platform",
        );
    }
    match answer.body["authentication_succeeded"].as_bool() {
        Some(true) => {
            let signed_back = support_signing::inngest::verify(
                answer.signature.as_deref(),
                &answer.raw,
                &[key],
                &SystemClock,
            )
            .is_ok();
            if signed_back {
                Finding::ok(
                    NAME,
                    "a request signed with INNGEST_SIGNING_KEY is authenticated and answered signed: Inngest can call it",
                )
            } else {
                Finding::fix(
                    NAME,
                    "authenticated, but the answer is not signed with the same key",
                    "see the platform's logs",
                )
            }
        }
        Some(false) => Finding::fix(
            NAME,
            "a request signed with your INNGEST_SIGNING_KEY is not authenticated",
            "the platform's INNGEST_SIGNING_KEY (or its fallback) must be the key Inngest shows (Manage → Signing key); check the clocks too",
        ),
        None => Finding::fix(
            NAME,
            "the platform does not check signatures (dev mode, or no signing key)",
            "unset INNGEST_DEV and set INNGEST_SIGNING_KEY",
        ),
    }
}

/// `/admin/doctor`'s settings and checks as findings.
fn platform_report(body: &Value) -> (Vec<Finding>, Vec<Finding>) {
    let text = |v: &Value, field: &str| v[field].as_str().unwrap_or_default().to_owned();
    let settings = body["settings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|s| {
            let name = text(s, "name");
            let closes = text(s, "closes");
            match (s["set"] == true, s["optional"] == true) {
                (true, _) => Finding::ok(name, "set"),
                (false, true) => Finding::note(name, format!("not set (optional): {closes}")),
                (false, false) => Finding::fix(
                    name.clone(),
                    format!("not set: {closes}"),
                    format!("set {name} (docs/deploy.md, Secrets and settings)"),
                ),
            }
        })
        .collect();
    let checks = body["checks"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let (name, detail) = (text(c, "name"), text(c, "detail"));
            if c["ok"] == true {
                Finding::ok(name, detail)
            } else {
                let fix = c["fix"]
                    .as_str()
                    .unwrap_or("see the platform's logs")
                    .to_owned();
                Finding::fix(name, detail, fix)
            }
        })
        .collect();
    (settings, checks)
}

/// The `{"error": …}` of an answer.
fn error_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or("no detail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: Value) -> Result<Answer, String> {
        Ok(Answer {
            status,
            raw: serde_json::to_vec(&body).unwrap(),
            body,
            signature: None,
        })
    }

    #[test]
    fn healthz_names_the_database_or_the_problem() {
        let (ok, db) = healthz(answer(
            200,
            json!({"status": "ok", "service": "support-platform", "version": "0.1.0", "database": "d1"}),
        ));
        assert!(ok.ok);
        assert_eq!(ok.detail, "support-platform 0.1.0, database d1");
        assert_eq!(db.as_deref(), Some("d1"));
        let (bad, _) = healthz(answer(
            503,
            json!({"status": "misconfigured", "problem": "CONVERSATION_TTL_SECS is invalid: not a whole number of seconds"}),
        ));
        assert!(!bad.ok);
        assert!(bad.detail.contains("CONVERSATION_TTL_SECS"), "{bad:?}");
        let (down, db) = healthz(Err("cannot connect".into()));
        assert!(!down.ok && db.is_none());
    }

    #[test]
    fn introspection_reports_mode_and_keys() {
        let cloud = introspection(answer(
            200,
            json!({"mode": "cloud", "function_count": 14, "has_signing_key": true, "has_event_key": true,
                   "authentication_succeeded": null}),
        ));
        assert!(cloud.ok, "{cloud:?}");
        assert_eq!(
            cloud.detail,
            "introspection: cloud mode, 14 functions, signing key yes, event key yes"
        );
        let dev = introspection(answer(
            200,
            json!({"mode": "dev", "function_count": 3, "has_signing_key": false}),
        ));
        assert!(!dev.ok && dev.fix.unwrap().contains("INNGEST_DEV"));
        let closed = introspection(answer(
            503,
            json!({"error": "Inngest serving is not configured: set INNGEST_SIGNING_KEY"}),
        ));
        assert!(!closed.ok && closed.detail.contains("refuses every call"));
    }

    #[test]
    fn a_signed_introspection_must_authenticate_and_be_signed_back() {
        let key = "signkey-test-00ff";
        let body = json!({"authentication_succeeded": true});
        let raw = serde_json::to_vec(&body).unwrap();
        let signature = support_signing::inngest::sign(key, SystemClock.now_unix(), &raw);
        let good = signed_introspection(
            Ok(Answer {
                status: 200,
                body: body.clone(),
                signature: Some(signature),
                raw: raw.clone(),
            }),
            key,
        );
        assert!(good.ok, "{good:?}");
        let unsigned = signed_introspection(answer(200, body), key);
        assert!(!unsigned.ok);
        let refused =
            signed_introspection(answer(200, json!({"authentication_succeeded": false})), key);
        assert!(!refused.ok && refused.detail.contains("not authenticated"));
    }

    #[test]
    fn the_report_prints_one_line_per_finding_with_what_to_fix() {
        let (settings, checks) = platform_report(&json!({
            "database": "d1",
            "settings": [
                {"name": "FRONT_API_TOKEN", "set": true, "closes": "x"},
                {"name": "STRIPE_SECRET_KEY", "set": false, "closes": "refunds cannot execute"},
                {"name": "UPSTASH_VECTOR_REST_URL", "set": false, "closes": "knowledge is off", "optional": true}
            ],
            "checks": [
                {"name": "front", "ok": true, "detail": "token works (Acme)"},
                {"name": "slack", "ok": false, "detail": "auth.test: invalid_auth",
                 "fix": "set SLACK_BOT_TOKEN to the Slack app's Bot User OAuth Token (xoxb-…)"}
            ]
        }));
        let diagnosis = Diagnosis {
            platform: "https://support.example.com".into(),
            database: Some("d1".into()),
            reachability: vec![Finding::ok(
                "healthz",
                "support-platform 0.1.0, database d1",
            )],
            settings,
            checks,
        };
        assert!(!diagnosis.ok());
        let text = diagnosis.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "https://support.example.com");
        assert!(
            text.contains("\nok  front                    token works (Acme)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "\nFIX slack                    auth.test: invalid_auth → set SLACK_BOT_TOKEN"
            ),
            "{text}"
        );
        assert!(
            text.contains("\nFIX STRIPE_SECRET_KEY        not set: refunds cannot execute → set STRIPE_SECRET_KEY"),
            "{text}"
        );
        assert!(
            text.contains("\n--  UPSTASH_VECTOR_REST_URL  not set (optional): knowledge is off\n"),
            "{text}"
        );
        assert_eq!(*lines.last().unwrap(), "2 things to fix");
        let json = diagnosis.to_json();
        assert_eq!(json["ok"], false);
        assert_eq!(json["fixes"], 2);
        assert_eq!(json["database"], "d1");
    }
}
