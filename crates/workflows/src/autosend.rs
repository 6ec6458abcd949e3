//! Auto-send: the agent sends alone where it has earned it, per app × category.
//!
//! - **Off by default.** A category is on only when an owner switched it on, and an
//!   owner may only where [`trust::may_enable`] allows (trust ≥ the app's threshold over
//!   enough outcomes in its window, never a category a person always answers).
//! - **Every draft is checked again** ([`eligibility`]): the switch, the kill switch,
//!   trust now, the draft itself (no approval-gated action, grounded, no validator
//!   warning, no anger or legal threat) and the app's daily cap.
//! - **Trust that falls switches it off** ([`recheck`]): after every verdict the
//!   platform recomputes trust; below the threshold it switches the category off and
//!   tells the approvers' channel.
//! - Every change is in the audit log with who made it and why.

use serde::Serialize;
use serde_json::json;
use support_core::classify::{Category, Signals};
use support_core::stats::{self, Figures, Observation};
use support_core::trust::{self, Refusal, Thresholds, Trust};
use support_core::validate::{Severity, Validation};
use support_store::{AppConfig, AutosendSwitch, OutcomeRecord, Store};

use crate::pipeline::Services;

const DAY_MS: i64 = 86_400_000;

/// Why an auto-send change or read failed.
#[derive(Debug, thiserror::Error)]
pub enum AutosendError {
    /// The switch may not go on (each reason, in words).
    #[error("auto-send cannot be switched on: {}", .0.iter().map(Refusal::reason).collect::<Vec<_>>().join("; "))]
    Refused(Vec<Refusal>),
    /// No such app, or an unknown category.
    #[error("{0}")]
    NotFound(String),
    /// The store failed.
    #[error("the store failed: {0}")]
    Unavailable(String),
}

fn unavailable(e: impl std::fmt::Display) -> AutosendError {
    AutosendError::Unavailable(e.to_string())
}

fn observation(o: &OutcomeRecord) -> Observation {
    Observation {
        outcome: o.outcome.clone(),
        received_at_ms: o.received_at_ms,
        drafted_at_ms: o.drafted_at_ms,
        at_ms: o.at_ms,
    }
}

/// Trust in one category from outcome rows, at `now_ms`.
fn trust_of(rows: &[&OutcomeRecord], now_ms: i64) -> Trust {
    let values: Vec<(i64, f64)> = rows
        .iter()
        .filter_map(|o| o.outcome.value().map(|v| (o.at_ms, v)))
        .collect();
    trust::trust(&values, now_ms)
}

/// One category's figures and auto-send state.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryStats {
    /// The category.
    pub category: Category,
    /// Its live figures over the requested window.
    pub figures: Figures,
    /// Trust over the app's auto-send window (what the switch looks at).
    pub trust: Trust,
    /// Whether auto-send is on.
    pub autosend: bool,
    /// The switch's last change, when there was one.
    pub switch: Option<AutosendSwitch>,
    /// Why it may not be switched on now (empty: it may).
    pub refusals: Vec<Refusal>,
    /// The same, in words.
    pub refused_because: Vec<String>,
    /// Outcomes per day over the window, oldest first, for the chart.
    pub daily: Vec<Day>,
}

/// One day's outcome mix.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    /// The day's start (Unix ms, UTC).
    pub day_ms: i64,
    /// The outcomes that day.
    pub mix: stats::Mix,
}

/// An app's figures, per category and together.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStats {
    /// App slug.
    pub app_id: String,
    /// Its display name.
    pub name: String,
    /// The window's start (Unix ms).
    pub since_ms: i64,
    /// When computed (Unix ms).
    pub until_ms: i64,
    /// Every category together.
    pub all: Figures,
    /// Each category with outcomes or a switch, in the catalogue's order.
    pub categories: Vec<CategoryStats>,
    /// The app's thresholds.
    pub thresholds: Thresholds,
    /// The kill switch.
    pub killed: bool,
    /// Replies auto-sent today (UTC) and the cap.
    pub sent_today: u32,
    /// The original's targets, for the reader.
    pub targets: serde_json::Value,
}

/// The figures of `app` since `since_ms`.
pub async fn app_stats(
    store: &dyn Store,
    app: &AppConfig,
    since_ms: i64,
    now_ms: i64,
    killed: bool,
) -> Result<AppStats, AutosendError> {
    let thresholds = app.settings.autosend;
    let from = since_ms.min(thresholds.since_ms(now_ms));
    let rows = store
        .outcomes(&app.slug, None, from)
        .await
        .map_err(unavailable)?;
    let switches = store
        .autosend_switches(&app.slug)
        .await
        .map_err(unavailable)?;
    let in_window: Vec<&OutcomeRecord> = rows.iter().filter(|o| o.at_ms >= since_ms).collect();
    let all = stats::figures(
        &in_window.iter().map(|o| observation(o)).collect::<Vec<_>>(),
        now_ms,
    );
    let mut categories = Vec::new();
    for category in Category::ALL {
        let name = category.as_str();
        let switch = switches.iter().find(|s| s.category == name).cloned();
        let mine: Vec<&OutcomeRecord> = in_window
            .iter()
            .copied()
            .filter(|o| o.category == name)
            .collect();
        if mine.is_empty() && switch.is_none() {
            continue;
        }
        let trusted: Vec<&OutcomeRecord> = rows
            .iter()
            .filter(|o| o.category == name && o.at_ms >= thresholds.since_ms(now_ms))
            .collect();
        let trust = trust_of(&trusted, now_ms);
        let mut refusals = trust::may_enable(
            category,
            trust,
            thresholds.min_trust,
            thresholds.min_samples,
        );
        if killed {
            refusals.insert(0, Refusal::KillSwitch);
        }
        let mut daily: Vec<Day> = Vec::new();
        for o in &mine {
            let day_ms = o.at_ms - o.at_ms.rem_euclid(DAY_MS);
            match daily.iter_mut().find(|d| d.day_ms == day_ms) {
                Some(day) => day.mix.add(&o.outcome),
                None => {
                    let mut mix = stats::Mix::default();
                    mix.add(&o.outcome);
                    daily.push(Day { day_ms, mix });
                }
            }
        }
        daily.sort_by_key(|d| d.day_ms);
        categories.push(CategoryStats {
            category,
            figures: stats::figures(
                &mine.iter().map(|o| observation(o)).collect::<Vec<_>>(),
                now_ms,
            ),
            trust,
            autosend: switch.as_ref().is_some_and(|s| s.enabled) && !killed,
            refused_because: refusals.iter().map(Refusal::reason).collect(),
            refusals,
            switch,
            daily,
        });
    }
    let today = now_ms - now_ms.rem_euclid(DAY_MS);
    let sent_today = rows
        .iter()
        .filter(|o| o.at_ms >= today && o.outcome == support_core::outcome::Outcome::AutoSent)
        .count() as u32;
    Ok(AppStats {
        app_id: app.slug.clone(),
        name: app.name.clone(),
        since_ms,
        until_ms: now_ms,
        all,
        categories,
        thresholds,
        killed,
        sent_today,
        targets: json!({
            "draftShare": stats::targets::DRAFT_SHARE,
            "editRateBelow": stats::targets::EDIT_RATE,
            "sentUnedited": stats::targets::SENT_UNEDITED,
            "timeToDraftP90Ms": stats::targets::TIME_TO_DRAFT_MS,
        }),
    })
}

/// What a switch change did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The switch as it is now.
    pub switch: AutosendSwitch,
    /// False when it already was in that position.
    pub changed: bool,
}

/// Switch auto-send for `app` × `category` on or off, as `by`. Switching on is refused
/// with every reason that stands in the way; each change is audit-logged.
pub async fn set(
    store: &dyn Store,
    app: &AppConfig,
    category: &str,
    enabled: bool,
    by: &str,
    killed: bool,
    now_ms: i64,
) -> Result<Change, AutosendError> {
    let parsed = Category::from_str(category)
        .ok_or_else(|| AutosendError::NotFound(format!("no category {category:?}")))?;
    let thresholds = app.settings.autosend;
    let mut trust_now = None;
    if enabled {
        let rows = store
            .outcomes(&app.slug, Some(category), thresholds.since_ms(now_ms))
            .await
            .map_err(unavailable)?;
        let trust = trust_of(&rows.iter().collect::<Vec<_>>(), now_ms);
        let mut refusals =
            trust::may_enable(parsed, trust, thresholds.min_trust, thresholds.min_samples);
        if killed {
            refusals.insert(0, Refusal::KillSwitch);
        }
        if !refusals.is_empty() {
            return Err(AutosendError::Refused(refusals));
        }
        trust_now = Some(trust);
    }
    let switch = AutosendSwitch {
        app_id: app.slug.clone(),
        category: category.to_owned(),
        enabled,
        changed_by: by.to_owned(),
        changed_at_ms: now_ms,
        reason: trust_now.map(|t| {
            format!(
                "trust {:.2} over {} outcomes (at least {:.2} over {} needed)",
                t.score, t.samples, thresholds.min_trust, thresholds.min_samples
            )
        }),
    };
    let changed = store.set_autosend(&switch).await.map_err(unavailable)?;
    if changed {
        crate::people::audit(
            store,
            if enabled {
                "auto-send on"
            } else {
                "auto-send off"
            },
            json!({"by": by, "app": app.slug, "category": category}),
            json!({"enabled": enabled, "trust": trust_now}),
            now_ms,
        )
        .await
        .map_err(unavailable)?;
    }
    Ok(Change { switch, changed })
}

/// The kill switch: every switch that is on goes off, each audit-logged.
pub async fn off_everywhere(
    store: &dyn Store,
    by: &str,
    now_ms: i64,
) -> Result<Vec<AutosendSwitch>, AutosendError> {
    let off = store
        .autosend_off_everywhere(by, "switched off everywhere (the kill switch)", now_ms)
        .await
        .map_err(unavailable)?;
    for switch in &off {
        crate::people::audit(
            store,
            "auto-send off",
            json!({"by": by, "app": switch.app_id, "category": switch.category, "everywhere": true}),
            json!({"enabled": false}),
            now_ms,
        )
        .await
        .map_err(unavailable)?;
    }
    Ok(off)
}

/// What the pipeline knows of a draft when it asks whether it may go alone.
pub struct Candidate<'a> {
    /// Its category.
    pub category: Category,
    /// The classifier's signals (anger, legal threats).
    pub signals: &'a Signals,
    /// Whether it proposes an approval-gated action.
    pub proposes_action: bool,
    /// The validator's verdict.
    pub validation: Option<&'a Validation>,
}

/// Whether an owner switched auto-send on for `app_id` × `category` (one read: what
/// every draft costs while its category is off).
pub async fn is_on(store: &dyn Store, app_id: &str, category: &str) -> Result<bool, AutosendError> {
    Ok(store
        .autosend_switches(app_id)
        .await
        .map_err(unavailable)?
        .iter()
        .any(|s| s.category == category && s.enabled))
}

/// Every reason the draft, in a category switched on ([`is_on`]), may not go out
/// alone (empty: it may), read now.
pub async fn eligibility(
    store: &dyn Store,
    services: &Services,
    app: &AppConfig,
    draft: &Candidate<'_>,
    now_ms: i64,
) -> Result<Vec<Refusal>, AutosendError> {
    let thresholds = app.settings.autosend;
    let name = draft.category.as_str();
    let rows = store
        .outcomes(&app.slug, None, thresholds.since_ms(now_ms))
        .await
        .map_err(unavailable)?;
    let mine: Vec<&OutcomeRecord> = rows.iter().filter(|o| o.category == name).collect();
    let today = now_ms - now_ms.rem_euclid(DAY_MS);
    let sent_today = rows
        .iter()
        .filter(|o| o.at_ms >= today && o.outcome == support_core::outcome::Outcome::AutoSent)
        .count() as u32;
    let issues = draft.validation.map(|v| v.issues.as_slice()).unwrap_or(&[]);
    Ok(trust::refusals(&trust::Draft {
        category: draft.category,
        enabled: true,
        killed: services.autosend_killed,
        trust: trust_of(&mine, now_ms),
        min_trust: thresholds.min_trust,
        min_samples: thresholds.min_samples,
        proposes_action: draft.proposes_action,
        grounded: !issues
            .iter()
            .any(|i| i.kind == support_core::validate::IssueKind::Ungrounded),
        validator_warns: draft.validation.is_none_or(|v| !v.valid)
            || issues.iter().any(|i| i.severity == Severity::Warning),
        angry_or_legal: draft.signals.has_angry_sentiment || draft.signals.has_legal_threat,
        sent_today,
        daily_cap: thresholds.daily_cap,
    }))
}

/// After a verdict on a draft of `app_id` × `category`: when auto-send is on there and
/// trust has fallen below the app's threshold, switch it off (by `platform`), audit it,
/// and tell the approvers' channel. Failures are reported, never raised: the verdict
/// stands whatever happens here.
pub async fn recheck(store: &dyn Store, services: &Services, app_id: &str, category: &str) {
    let now_ms = services.now_ms();
    let result: Result<Option<Trust>, AutosendError> = async {
        if !is_on(store, app_id, category).await? {
            return Ok(None);
        }
        let Some(app) = store.app(app_id).await.map_err(unavailable)? else {
            return Ok(None);
        };
        let thresholds = app.settings.autosend;
        let rows = store
            .outcomes(app_id, Some(category), thresholds.since_ms(now_ms))
            .await
            .map_err(unavailable)?;
        let trust = trust_of(&rows.iter().collect::<Vec<_>>(), now_ms);
        if trust.score >= thresholds.min_trust {
            return Ok(None);
        }
        let switch = AutosendSwitch {
            app_id: app_id.to_owned(),
            category: category.to_owned(),
            enabled: false,
            changed_by: "platform".into(),
            changed_at_ms: now_ms,
            reason: Some(format!(
                "trust fell to {:.2} over {} outcomes, below {:.2}",
                trust.score, trust.samples, thresholds.min_trust
            )),
        };
        if !store.set_autosend(&switch).await.map_err(unavailable)? {
            return Ok(None);
        }
        crate::people::audit(
            store,
            "auto-send off",
            json!({"by": "platform", "app": app_id, "category": category}),
            json!({"enabled": false, "trust": trust, "reason": switch.reason}),
            now_ms,
        )
        .await
        .map_err(unavailable)?;
        if let (Some(slack), Some(channel)) = (&services.slack, &app.settings.approval_channel) {
            let text = format!(
                "Auto-send is now off for {} in {}: {}. Its drafts wait for an approval again; an owner can switch it back on from the Trust page once trust recovers.",
                category, app.name, switch.reason.as_deref().unwrap_or("trust fell"),
            );
            // Plain text: the category and the app's name are shown as written.
            let block = support_slack::Block::Section {
                block_id: None,
                text: Some(support_slack::Text::Plain {
                    text: text.clone(),
                    emoji: Some(true),
                }),
                fields: Vec::new(),
                accessory: None,
            };
            let message = support_slack::PostMessage::new(
                channel.clone(),
                support_core::escape::mrkdwn(&text),
                vec![block],
            );
            if let Err(e) = slack.post_message(&message).await
            {
                (services.warn)(&format!(
                    "auto-send for {app_id} × {category} is off; telling Slack failed: {e}"
                ));
            }
        }
        Ok(Some(trust))
    }
    .await;
    if let Err(e) = result {
        (services.warn)(&format!(
            "could not recheck auto-send for {app_id} × {category}: {e}"
        ));
    }
}
