//! Trust in the agent, per app and category, computed from the outcomes of its drafts
//! ([`crate::outcome`]), and whether a draft may go out without a human.
//!
//! Trust is a pure function of the outcome rows, recomputed whenever it is read: never a
//! counter that can drift. Each outcome counts with its value (1 sent as written, 0.5 a
//! minor edit, 0 rewritten, rejected or deleted) and a weight that halves every
//! [`HALF_LIFE_DAYS`] days: `0.5^(age / half-life)`. (The original system wrote
//! `exp(-age / half-life)`, which halves every 0.69 half-lives; the name says what it
//! should do.)

use serde::{Deserialize, Serialize};

use crate::classify::Category;

/// An outcome's weight halves every this many days.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// Auto-send needs at least this trust, by default.
pub const DEFAULT_MIN_TRUST: f64 = 0.9;
/// And at least this many outcomes in the window.
pub const DEFAULT_MIN_SAMPLES: u32 = 50;

/// Replies an app may auto-send per day, by default.
pub const DEFAULT_DAILY_CAP: u32 = 200;
/// Outcomes older than this many days are not counted, by default (their weight is
/// below 1/8 by then).
pub const DEFAULT_WINDOW_DAYS: u32 = 90;

const DAY_MS: f64 = 86_400_000.0;

/// An app's auto-send thresholds (its settings' `autosend`; unset fields default).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Thresholds {
    /// Least trust for auto-send.
    pub min_trust: f64,
    /// Fewest outcomes in the window.
    pub min_samples: u32,
    /// Most replies auto-sent per day (UTC).
    pub daily_cap: u32,
    /// The window outcomes are read over, in days.
    pub window_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_trust: DEFAULT_MIN_TRUST,
            min_samples: DEFAULT_MIN_SAMPLES,
            daily_cap: DEFAULT_DAILY_CAP,
            window_days: DEFAULT_WINDOW_DAYS,
        }
    }
}

impl Thresholds {
    /// Whether every field has its default (then settings leave it out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The window's start for `now_ms`.
    pub fn since_ms(&self, now_ms: i64) -> i64 {
        now_ms - i64::from(self.window_days) * DAY_MS as i64
    }
}

/// Trust in one app × category.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trust {
    /// The weighted mean of the outcomes' values, 0 to 1 (0 with none).
    pub score: f64,
    /// How many outcomes it stands on.
    pub samples: u32,
}

/// Trust at `now_ms` from outcomes `(at_ms, value)`; outcomes without a value (expired,
/// superseded, auto-sent) are left out by the caller ([`crate::outcome::Outcome::value`]).
pub fn trust(outcomes: &[(i64, f64)], now_ms: i64) -> Trust {
    let (mut weighted, mut weights) = (0.0, 0.0);
    for &(at_ms, value) in outcomes {
        let age_days = ((now_ms - at_ms) as f64 / DAY_MS).max(0.0);
        let weight = 0.5f64.powf(age_days / HALF_LIFE_DAYS);
        weighted += weight * value.clamp(0.0, 1.0);
        weights += weight;
    }
    Trust {
        score: if weights > 0.0 {
            weighted / weights
        } else {
            0.0
        },
        samples: outcomes.len() as u32,
    }
}

/// Categories a human always answers, whatever the trust: the original's
/// angry-customer, legal, team-licence and "other" (here: team purchases and the
/// unclassifiable; anger and legal threats are signals, see [`Draft`]), and questions
/// that need the instructor's judgment.
pub fn always_human(category: Category) -> bool {
    matches!(
        category,
        Category::PresalesTeam | Category::Unknown | Category::PresalesConsult
    )
}

/// What the auto-send decision looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Its category.
    pub category: Category,
    /// Whether an owner switched auto-send on for this app × category.
    pub enabled: bool,
    /// The platform-wide kill switch.
    pub killed: bool,
    /// Trust in this app × category.
    pub trust: Trust,
    /// The app's thresholds.
    pub min_trust: f64,
    /// The app's minimum samples.
    pub min_samples: u32,
    /// Whether the draft proposes anything that needs an approval.
    pub proposes_action: bool,
    /// Whether its grounding check passed.
    pub grounded: bool,
    /// Whether the validator warned about it.
    pub validator_warns: bool,
    /// Whether the classifier saw anger or a legal threat.
    pub angry_or_legal: bool,
    /// Replies auto-sent for this app today, and its daily cap.
    pub sent_today: u32,
    /// The cap.
    pub daily_cap: u32,
}

/// Why a draft waits for a human.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    /// Auto-send is stopped everywhere.
    KillSwitch,
    /// Not switched on for this category.
    Off,
    /// A human always answers this category.
    HumanCategory,
    /// Anger or a legal threat.
    AngryOrLegal,
    /// It proposes an action that needs an approval.
    ProposesAction,
    /// Its grounding check did not pass.
    Ungrounded,
    /// The validator warned.
    ValidatorWarns,
    /// Trust is below the threshold.
    LowTrust {
        /// The trust.
        score: f64,
        /// The threshold.
        min: f64,
    },
    /// Too few outcomes.
    FewSamples {
        /// How many.
        samples: u32,
        /// How many are needed.
        min: u32,
    },
    /// The app's daily cap is reached.
    DailyCap {
        /// The cap.
        cap: u32,
    },
}

impl Refusal {
    /// Why, in a sentence for the approvers and the dashboard.
    pub fn reason(&self) -> String {
        match self {
            Refusal::KillSwitch => "auto-send is stopped everywhere (the kill switch)".into(),
            Refusal::Off => "auto-send is off for this category".into(),
            Refusal::HumanCategory => "a person always answers this category".into(),
            Refusal::AngryOrLegal => "the customer is angry or mentions legal action".into(),
            Refusal::ProposesAction => "the draft proposes an action that needs an approval".into(),
            Refusal::Ungrounded => "the reply states something its sources do not".into(),
            Refusal::ValidatorWarns => "the validator warned about the reply".into(),
            Refusal::LowTrust { score, min } => {
                format!("trust is {score:.2}, below {min:.2}")
            }
            Refusal::FewSamples { samples, min } => {
                format!("{samples} outcomes so far, {min} needed")
            }
            Refusal::DailyCap { cap } => format!("the daily cap of {cap} is reached"),
        }
    }
}

/// Whether an owner may switch auto-send on for a category: every refusal that is about
/// the category, not a particular draft.
pub fn may_enable(
    category: Category,
    trust: Trust,
    min_trust: f64,
    min_samples: u32,
) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    if always_human(category) {
        refusals.push(Refusal::HumanCategory);
    }
    if trust.samples < min_samples {
        refusals.push(Refusal::FewSamples {
            samples: trust.samples,
            min: min_samples,
        });
    }
    if trust.score < min_trust {
        refusals.push(Refusal::LowTrust {
            score: trust.score,
            min: min_trust,
        });
    }
    refusals
}

/// Every reason `draft` may not go out alone; empty: it may.
pub fn refusals(draft: &Draft) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    if draft.killed {
        refusals.push(Refusal::KillSwitch);
    }
    if !draft.enabled {
        refusals.push(Refusal::Off);
    }
    if draft.angry_or_legal {
        refusals.push(Refusal::AngryOrLegal);
    }
    if draft.proposes_action {
        refusals.push(Refusal::ProposesAction);
    }
    if !draft.grounded {
        refusals.push(Refusal::Ungrounded);
    }
    if draft.validator_warns {
        refusals.push(Refusal::ValidatorWarns);
    }
    refusals.extend(may_enable(
        draft.category,
        draft.trust,
        draft.min_trust,
        draft.min_samples,
    ));
    if draft.sent_today >= draft.daily_cap {
        refusals.push(Refusal::DailyCap {
            cap: draft.daily_cap,
        });
    }
    refusals
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const DAY: i64 = 86_400_000;

    #[test]
    fn trust_is_the_decayed_mean_of_the_outcomes() {
        // (outcomes as (days ago, value), expected score)
        let table: &[(&[(i64, f64)], f64)] = &[
            (&[], 0.0),
            (&[(0, 1.0)], 1.0),
            (&[(0, 1.0), (0, 0.0)], 0.5),
            (&[(0, 1.0), (0, 0.5), (0, 0.0), (0, 1.0)], 0.625),
            // A 30-day-old rejection weighs half a fresh acceptance: (1 + 0) / 1.5.
            (&[(0, 1.0), (30, 0.0)], 1.0 / 1.5),
            // Sixty days: a quarter.
            (&[(0, 1.0), (60, 0.0)], 1.0 / 1.25),
            // Old good outcomes do not hide fresh bad ones.
            (&[(90, 1.0), (90, 1.0), (90, 1.0), (0, 0.0)], 0.375 / 1.375),
        ];
        for (outcomes, expected) in table {
            let rows: Vec<(i64, f64)> = outcomes
                .iter()
                .map(|&(days, v)| (NOW - days * DAY, v))
                .collect();
            let t = trust(&rows, NOW);
            assert!(
                (t.score - expected).abs() < 1e-9,
                "{outcomes:?}: {} != {expected}",
                t.score
            );
            assert_eq!(t.samples, outcomes.len() as u32);
        }
    }

    fn good_draft() -> Draft {
        Draft {
            category: Category::SupportAccess,
            enabled: true,
            killed: false,
            trust: Trust {
                score: 0.95,
                samples: 80,
            },
            min_trust: DEFAULT_MIN_TRUST,
            min_samples: DEFAULT_MIN_SAMPLES,
            proposes_action: false,
            grounded: true,
            validator_warns: false,
            angry_or_legal: false,
            sent_today: 3,
            daily_cap: 50,
        }
    }

    #[test]
    fn a_trusted_grounded_plain_reply_may_go_and_each_reason_refuses_it() {
        assert_eq!(refusals(&good_draft()), []);
        let cases: Vec<(Draft, Refusal)> = vec![
            (
                Draft {
                    killed: true,
                    ..good_draft()
                },
                Refusal::KillSwitch,
            ),
            (
                Draft {
                    enabled: false,
                    ..good_draft()
                },
                Refusal::Off,
            ),
            (
                Draft {
                    category: Category::PresalesTeam,
                    ..good_draft()
                },
                Refusal::HumanCategory,
            ),
            (
                Draft {
                    category: Category::Unknown,
                    ..good_draft()
                },
                Refusal::HumanCategory,
            ),
            (
                Draft {
                    angry_or_legal: true,
                    ..good_draft()
                },
                Refusal::AngryOrLegal,
            ),
            (
                Draft {
                    proposes_action: true,
                    ..good_draft()
                },
                Refusal::ProposesAction,
            ),
            (
                Draft {
                    grounded: false,
                    ..good_draft()
                },
                Refusal::Ungrounded,
            ),
            (
                Draft {
                    validator_warns: true,
                    ..good_draft()
                },
                Refusal::ValidatorWarns,
            ),
            (
                Draft {
                    trust: Trust {
                        score: 0.89,
                        samples: 80,
                    },
                    ..good_draft()
                },
                Refusal::LowTrust {
                    score: 0.89,
                    min: 0.9,
                },
            ),
            (
                Draft {
                    trust: Trust {
                        score: 0.99,
                        samples: 49,
                    },
                    ..good_draft()
                },
                Refusal::FewSamples {
                    samples: 49,
                    min: 50,
                },
            ),
            (
                Draft {
                    sent_today: 50,
                    ..good_draft()
                },
                Refusal::DailyCap { cap: 50 },
            ),
        ];
        for (draft, refusal) in cases {
            assert_eq!(
                refusals(&draft),
                std::slice::from_ref(&refusal),
                "{draft:?}"
            );
            assert!(!refusal.reason().is_empty());
        }
    }

    #[test]
    fn an_owner_may_enable_only_a_trusted_category_a_human_does_not_keep() {
        let trusted = Trust {
            score: 0.93,
            samples: 60,
        };
        assert_eq!(may_enable(Category::SupportAccess, trusted, 0.9, 50), []);
        assert_eq!(
            may_enable(Category::PresalesTeam, trusted, 0.9, 50),
            [Refusal::HumanCategory]
        );
        assert_eq!(
            may_enable(
                Category::SupportBilling,
                Trust {
                    score: 0.5,
                    samples: 10
                },
                0.9,
                50
            )
            .len(),
            2
        );
    }
}
