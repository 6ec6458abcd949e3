//! `support-retention`: once a day, the retention policy ([`support_core::retention`])
//! applied app by app with each app's windows, then platform-wide; and the same pass
//! on demand (`POST /admin/retention`, `skill retention run [--dry-run]`).
//!
//! Each (app, rule) is one durable step of at most [`MAX_BATCHES`] batches of
//! [`BATCH`] records, so a day's work is bounded and a retried step only finds what is
//! still due. Deleted reply candidates take their vectors with them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};
use support_core::retention::{Policy, Rule};
use support_inngest::serve::{FnError, FunctionConfig, Input, ServeFunction, Step, Trigger};
use support_store::{AppConfig, AuditEntry, AuditKind, RetentionBatch, Store};

use crate::pipeline::{candidates_namespace, store_error, Services};

/// The function's id.
pub const ID: &str = "support-retention";
/// Records per batch.
pub const BATCH: u32 = 500;
/// Batches per rule and app in one pass: at most 10,000 records; the next pass goes on.
pub const MAX_BATCHES: usize = 20;

/// What a pass did (or, dry, would do): per app slug (`""` for the platform-wide
/// rules and the audit rows of no app), per rule name, the records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Counts.
    pub removed: BTreeMap<String, BTreeMap<&'static str, u64>>,
    /// Whether a rule stopped at [`MAX_BATCHES`] with records still due.
    pub more_due: bool,
}

impl Report {
    /// Every record counted.
    pub fn total(&self) -> u64 {
        self.removed.values().flat_map(|r| r.values()).sum()
    }
}

/// One rule for one app (or platform-wide): batches until nothing is due or the bound;
/// the records and whether some are still due.
pub async fn apply(
    store: &dyn Store,
    services: &Services,
    app: Option<&AppConfig>,
    rule: Rule,
    dry_run: bool,
) -> Result<(u64, bool), FnError> {
    let base = Policy::default();
    let policy = match app {
        None => base,
        Some(a) => {
            // A mistaken window never deletes: the app's rules stop until it is fixed.
            a.settings
                .retention
                .check(&base)
                .map_err(|why| FnError::non_retriable(format!("{}: {why}", a.slug)))?;
            base.with(&a.settings.retention)
        }
    };
    let now_ms = services.now_ms();
    let batch = RetentionBatch {
        rule,
        app: app.map(|a| a.slug.as_str()),
        cutoff_ms: policy.cutoff(rule, now_ms),
        now_ms,
        limit: BATCH,
        dry_run,
    };
    if dry_run {
        return Ok((store.retain(batch).await.map_err(store_error)?.count, false));
    }
    let mut total = 0;
    for _ in 0..MAX_BATCHES {
        let done = store.retain(batch).await.map_err(store_error)?;
        if let (Rule::DeleteCandidates, Some(app), Some(index)) = (
            rule,
            app,
            services.knowledge.as_ref().and_then(|k| k.write.as_ref()),
        ) {
            index
                .delete(&candidates_namespace(app), &done.ids)
                .await
                .map_err(|e| FnError::new(format!("delete the candidates' vectors: {e}")))?;
        }
        total += done.count;
        if done.count < u64::from(BATCH) {
            return Ok((total, false));
        }
    }
    Ok((total, true))
}

/// The whole pass, outside Inngest (the admin route): every app's rules, the audit rows
/// of no app, the platform-wide rules; a real pass is audit-logged.
pub async fn pass(
    store: &dyn Store,
    services: &Services,
    dry_run: bool,
    by: &str,
) -> Result<Report, FnError> {
    let apps = store.apps().await.map_err(store_error)?;
    let mut report = Report {
        dry_run,
        ..Report::default()
    };
    for (app, rules) in scopes(&apps) {
        for rule in rules {
            let (count, more) = apply(store, services, app, rule, dry_run).await?;
            report.record(app.map(|a| a.slug.as_str()), rule, count, more);
        }
    }
    if !dry_run {
        audit(store, services, &report, by).await?;
    }
    Ok(report)
}

/// Which rules run for which app: each app's own, then the audit rows of no app and the
/// platform-wide rules.
fn scopes(apps: &[AppConfig]) -> Vec<(Option<&AppConfig>, Vec<Rule>)> {
    let mut scopes: Vec<(Option<&AppConfig>, Vec<Rule>)> = apps
        .iter()
        .map(|a| (Some(a), Rule::PER_APP.to_vec()))
        .collect();
    scopes.push((None, platform_rules()));
    scopes
}

/// The rules of no app: the audit rows of no app, and the platform-wide rules.
fn platform_rules() -> Vec<Rule> {
    let mut rules = vec![Rule::ScrubAuditPayloads, Rule::DeleteAudit];
    rules.extend(Rule::GLOBAL);
    rules
}

impl Report {
    fn record(&mut self, slug: Option<&str>, rule: Rule, count: u64, more: bool) {
        let key = slug.unwrap_or_default().to_owned();
        *self
            .removed
            .entry(key)
            .or_default()
            .entry(rule.name())
            .or_default() += count;
        self.more_due |= more;
    }
}

async fn audit(
    store: &dyn Store,
    services: &Services,
    report: &Report,
    by: &str,
) -> Result<(), FnError> {
    let now = services.now_ms();
    store
        .audit(&[AuditEntry {
            id: format!("retention:{now}:{by}"),
            at_ms: now,
            app_id: None,
            conversation_id: None,
            run_id: None,
            action_id: None,
            kind: AuditKind::Admin,
            name: "retention".into(),
            input: json!({"by": by}),
            output: Some(serde_json::to_value(report).unwrap_or(Value::Null)),
            error: None,
            duration_ms: None,
            usage: None,
            sensitive: None,
            sensitive_until: None,
        }])
        .await
        .map_err(store_error)
}

/// The daily function: one step per app and rule.
pub fn function(store: Arc<dyn Store>, services: Arc<Services>) -> ServeFunction {
    let config = FunctionConfig::new(ID)
        .name("Apply the retention policy")
        .trigger(Trigger::cron("43 3 * * *"))
        .retries(3);
    ServeFunction::new(config, move |_input: Input, step: Step| {
        let (store, services) = (store.clone(), services.clone());
        async move {
            let apps: Vec<String> = step
                .run("apps", || async {
                    Ok::<_, FnError>(
                        store
                            .app_names()
                            .await
                            .map_err(store_error)?
                            .into_iter()
                            .map(|(slug, _)| slug)
                            .collect(),
                    )
                })
                .await?;
            let mut report = Report::default();
            for slug in apps.iter().map(String::as_str).map(Some).chain([None]) {
                let rules = match slug {
                    Some(_) => Rule::PER_APP.to_vec(),
                    None => platform_rules(),
                };
                for rule in rules {
                    let id = format!("{}:{}", slug.unwrap_or("platform"), rule.name());
                    let (count, more): (u64, bool) = step
                        .run(&id, || async {
                            // Read inside the step: a replay of the run reads nothing.
                            let app = match slug {
                                Some(slug) => match store.app(slug).await.map_err(store_error)? {
                                    Some(app) => Some(app),
                                    None => return Ok((0, false)), // removed since listed
                                },
                                None => None,
                            };
                            apply(store.as_ref(), &services, app.as_ref(), rule, false).await
                        })
                        .await?;
                    report.record(slug, rule, count, more);
                }
            }
            step.run("audit", || {
                audit(store.as_ref(), &services, &report, "schedule")
            })
            .await?;
            Ok::<Value, FnError>(serde_json::to_value(&report).unwrap_or(Value::Null))
        }
    })
}
