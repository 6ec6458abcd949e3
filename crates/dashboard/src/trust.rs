//! The Trust page: per app and category, what became of the agent's drafts over time
//! (a server-rendered SVG chart, no script), the live figures against the original's
//! targets, trust with its sample count, and the auto-send switch (owners only, with
//! every reason it may not go on).

use maud::{html, Markup};
use support_auth::Permission;
use support_core::stats::{Figures, Mix, Share};
use support_workflows::autosend::{AppStats, CategoryStats, Day};

use crate::page::{csrf_field, page, Frame, Nav};
use crate::time::{at, span};

/// What the page says above the tables after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Nothing.
    Nothing,
    /// A change was made (said how).
    Changed(String),
    /// A change was refused (said why).
    Error(String),
}

/// The chart's series, bottom first: name, colour (SVG presentation attributes, which
/// the page's CSP allows where a `style` would not), and the count of a day's mix.
type Series = (&'static str, &'static str, fn(&Mix) -> u32);

const SERIES: [Series; 7] = [
    ("unchanged", "#1f7a3d", |m| m.unchanged),
    ("auto-sent", "#2456d6", |m| m.auto_sent),
    ("minor edit", "#7fb08a", |m| m.minor_edit),
    ("rewritten", "#d08a1e", |m| m.major_rewrite),
    ("rejected or deleted", "#b3261e", |m| m.rejected + m.deleted),
    ("expired or superseded", "#9aa3b2", |m| {
        m.expired + m.superseded
    }),
    ("waiting", "#d9dde5", |m| m.pending),
];

const DAY_MS: i64 = 86_400_000;

/// One rectangle of the chart.
struct Bar {
    x: usize,
    y: usize,
    height: usize,
    colour: &'static str,
}

/// A stacked bar per day from `since_ms` to `until_ms`: each draft's outcome by colour.
pub fn chart(daily: &[Day], since_ms: i64, until_ms: i64) -> Markup {
    let first = since_ms - since_ms.rem_euclid(DAY_MS);
    let days = (((until_ms - first) / DAY_MS) + 1).clamp(1, 370) as usize;
    let (bar, gap, height) = (8usize, 2usize, 64usize);
    let width = days * (bar + gap);
    let total = |m: &Mix| SERIES.iter().map(|(_, _, f)| f(m)).sum::<u32>();
    let highest = daily
        .iter()
        .map(|d| total(&d.mix))
        .max()
        .unwrap_or(0)
        .max(1) as usize;
    let summary: u32 = daily.iter().map(|d| total(&d.mix)).sum();
    // Each day's bars, bottom up, scaled to the busiest day.
    let bars: Vec<(&Day, Vec<Bar>)> = daily
        .iter()
        .filter_map(|day| {
            let index = usize::try_from((day.day_ms - first) / DAY_MS).ok()?;
            (index < days).then_some((day, index))
        })
        .map(|(day, index)| {
            let mut top = height;
            let mut stack = Vec::new();
            for (_, colour, count) in SERIES {
                let n = count(&day.mix) as usize;
                if n == 0 {
                    continue;
                }
                let h = (n * height).div_ceil(highest).max(1).min(top);
                top -= h;
                stack.push(Bar {
                    x: index * (bar + gap),
                    y: top,
                    height: h,
                    colour,
                });
            }
            (day, stack)
        })
        .collect();
    html! {
        svg.chart role="img" width=(width) height=(height + 1) viewBox=(format!("0 0 {width} {}", height + 1)) {
            title { (summary) " drafts over " (days) " days, by outcome" }
            line x1="0" x2=(width) y1=(height) y2=(height) stroke="#d9dde5" {}
            @for (day, stack) in &bars {
                g {
                    title { (at(day.day_ms).get(..10).unwrap_or_default()) ": " (describe(&day.mix)) }
                    @for b in stack {
                        rect x=(b.x) y=(b.y) width=(bar) height=(b.height) fill=(b.colour) {}
                    }
                }
            }
        }
    }
}

/// "3 unchanged, 1 rewritten" for a day's mix.
fn describe(mix: &Mix) -> String {
    let parts: Vec<String> = SERIES
        .iter()
        .filter(|(_, _, f)| f(mix) > 0)
        .map(|(name, _, f)| format!("{} {name}", f(mix)))
        .collect();
    if parts.is_empty() {
        "no drafts".into()
    } else {
        parts.join(", ")
    }
}

fn legend() -> Markup {
    html! {
        p.legend.muted {
            @for (name, colour, _) in SERIES {
                svg width="10" height="10" aria-hidden="true" { rect width="10" height="10" fill=(colour) {} }
                " " (name) " "
            }
        }
    }
}

fn share(s: &Share) -> Markup {
    html! {
        @match s.value {
            Some(v) => { (format!("{:.0}%", v * 100.0)) span.muted { " (" (s.count) "/" (s.of) ")" } },
            None => { span.muted { "no data" } },
        }
    }
}

fn verdict(met: Option<bool>) -> Markup {
    html! {
        @match met {
            Some(true) => span.badge.ok { "met" },
            Some(false) => span.badge.bad { "missed" },
            None => span.muted { "–" },
        }
    }
}

fn seconds(ms: Option<i64>) -> String {
    ms.map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
        .unwrap_or_else(|| "–".into())
}

/// The figures of every category together, against the targets.
fn figures_table(f: &Figures) -> Markup {
    html! {
        div.table-wrap {
            table.figures {
                thead { tr { th { "Figure" } th { "Now" } th { "Target" } th { "" } } }
                tbody {
                    tr { td { "Messages that got a draft" } td { (share(&f.draft_share)) } td { "at least 80%" } td { (verdict(f.draft_share.met)) } }
                    tr { td { "Drafts sent unedited" } td { (share(&f.sent_unedited)) } td { "more than 50%" } td { (verdict(f.sent_unedited.met)) } }
                    tr { td { "Edit rate" } td { (share(&f.edit_rate)) } td { "under 30%" } td { (verdict(f.edit_rate.met)) } }
                    tr { td { "Rejection rate" } td { (share(&f.rejection_rate)) } td { "–" } td {} }
                    tr {
                        td { "Webhook to draft" }
                        td { "p50 " (seconds(f.time_to_draft.map(|t| t.p50_ms))) ", p90 " (seconds(f.time_to_draft.map(|t| t.p90_ms))) }
                        td { "p90 within 30 s" }
                        td { (verdict(f.time_to_draft_met)) }
                    }
                    tr {
                        td { "Webhook to reply sent" }
                        td { "p50 " (seconds(f.time_to_reply.map(|t| t.p50_ms))) ", p90 " (seconds(f.time_to_reply.map(|t| t.p90_ms))) }
                        td { "–" } td {}
                    }
                }
            }
        }
    }
}

/// The owner's button that turns auto-send `on` (or off) at `action`.
fn switch_form(frame: &Frame, action: &str, on: bool) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(frame))
            input type="hidden" name="enabled" value=(if on { "1" } else { "0" });
            button type="submit" class=(if on { "primary" } else { "danger" }) {
                (if on { "Switch on" } else { "Switch off" })
            }
        }
    }
}

fn switch(frame: &Frame, app: &AppStats, c: &CategoryStats) -> Markup {
    let action = format!("/trust/{}/{}", app.app_id, c.category.as_str());
    html! {
        @if c.autosend {
            span.badge.ok { "auto-send on" }
            @if let Some(s) = &c.switch { span.muted { " by " (s.changed_by) " " (span(s.changed_at_ms, app.until_ms)) " ago" } }
            @if frame.may(Permission::ManageApps) {
                (switch_form(frame, &action, false))
            }
        } @else {
            span.badge { "auto-send off" }
            @if let Some(s) = c.switch.as_ref().filter(|s| s.changed_by == "platform") {
                p.notice { "Switched off by the platform " (span(s.changed_at_ms, app.until_ms)) " ago" ": " (s.reason.as_deref().unwrap_or("trust fell")) }
            }
            @if c.refused_because.is_empty() {
                @if frame.may(Permission::ManageApps) {
                    (switch_form(frame, &action, true))
                } @else {
                    p.muted { "Trust allows it; an owner can switch it on." }
                }
            } @else {
                ul.refusals { @for why in &c.refused_because { li { (why) } } }
            }
        }
    }
}

/// The whole page.
pub fn trust_page(frame: &Frame, apps: &[AppStats], since_days: u32, shown: &Shown) -> Markup {
    let body = html! {
        main {
            h1 { "Trust" }
            p.muted {
                "What became of the agent's drafts over the last " (since_days) " days, and where it may send alone. "
                "Trust weighs each verdict (sent as written 1, a minor edit 0.5, rewritten, rejected or deleted 0), "
                "halving with every 30 days of age."
            }
            @match shown {
                Shown::Changed(m) => p.notice role="status" { (m) },
                Shown::Error(e) => p.error role="alert" { (e) },
                Shown::Nothing => {}
            }
            @if apps.iter().any(|a| a.killed) {
                p.error { "Auto-send is stopped everywhere by the platform's kill switch (AUTOSEND_KILL_SWITCH)." }
            }
            @if apps.is_empty() { p { "No apps yet." } }
            @for app in apps {
                section.card data-app=(app.app_id) {
                    h2 { (app.name) " " span.muted { "(" (app.app_id) ")" } }
                    p.muted {
                        "Auto-send needs trust of at least " (format!("{:.2}", app.thresholds.min_trust))
                        " over at least " (app.thresholds.min_samples) " verdicts in " (app.thresholds.window_days)
                        " days; at most " (app.thresholds.daily_cap) " replies a day (" (app.sent_today) " today)."
                    }
                    (figures_table(&app.all))
                    (legend())
                    @if app.categories.is_empty() { p.muted { "No drafts in this window." } }
                    @for c in &app.categories {
                        div.category data-category=(c.category.as_str()) {
                            h3 { (c.category.as_str()) }
                            p {
                                "Trust " strong { (format!("{:.2}", c.trust.score)) } " over " (c.trust.samples) " verdict(s); "
                                "sent unedited " (share(&c.figures.sent_unedited)) ", edit rate " (share(&c.figures.edit_rate))
                            }
                            (chart(&c.daily, app.since_ms, app.until_ms))
                            (switch(frame, app, c))
                        }
                    }
                }
            }
        }
    };
    page(frame, Nav::Trust, "Trust", body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use support_auth::Role;

    #[test]
    fn a_days_bars_stack_to_its_outcomes() {
        let mix = Mix {
            unchanged: 3,
            rejected: 1,
            ..Mix::default()
        };
        let day = Day { day_ms: 0, mix };
        let svg = chart(&[day], 0, DAY_MS * 2).into_string();
        assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
        assert!(svg.contains("3 unchanged, 1 rejected or deleted"), "{svg}");
        assert!(svg.contains("fill=\"#1f7a3d\""));
        assert!(!svg.contains("style="), "the CSP forbids inline styles");
    }

    #[test]
    fn only_owners_see_the_switch_and_everyone_sees_why_it_is_refused() {
        use support_core::classify::Category;
        use support_core::trust::{Refusal, Thresholds, Trust};
        let frame = |role| Frame {
            name: "A".into(),
            email: "a@example.com".into(),
            role,
            slack_user_id: None,
            csrf: "t".into(),
        };
        let category = |category, refusals: Vec<Refusal>| CategoryStats {
            category,
            figures: support_core::stats::figures(&[], 0),
            trust: Trust {
                score: 0.95,
                samples: 60,
            },
            autosend: false,
            switch: None,
            refused_because: refusals.iter().map(Refusal::reason).collect(),
            refusals,
            daily: Vec::new(),
        };
        let app = AppStats {
            app_id: "tt".into(),
            name: "Total TypeScript".into(),
            since_ms: 0,
            until_ms: DAY_MS,
            all: support_core::stats::figures(&[], 0),
            categories: vec![
                category(Category::SupportAccess, vec![]),
                category(Category::PresalesTeam, vec![Refusal::HumanCategory]),
            ],
            thresholds: Thresholds::default(),
            killed: false,
            sent_today: 0,
            targets: serde_json::Value::Null,
        };
        let owner = trust_page(
            &frame(Role::Owner),
            std::slice::from_ref(&app),
            30,
            &Shown::Nothing,
        )
        .into_string();
        assert_eq!(owner.matches("Switch on").count(), 1, "{owner}");
        assert!(
            owner.contains("action=\"/trust/tt/support_access\""),
            "{owner}"
        );
        assert!(
            owner.contains("a person always answers this category"),
            "{owner}"
        );
        let viewer = trust_page(&frame(Role::Viewer), &[app], 30, &Shown::Nothing).into_string();
        assert!(!viewer.contains("Switch on"), "{viewer}");
        assert!(viewer.contains("an owner can switch it on"), "{viewer}");
        assert!(
            viewer.contains("a person always answers this category"),
            "{viewer}"
        );
    }
}
