//! The live figures of one app (and category) over a window, computed from outcome rows
//! ([`crate::outcome`]) whenever they are read, next to the targets the original system
//! set itself and never measured: a draft for 80 % of messages, an edit rate under
//! 30 %, more than half sent unedited, a draft within 30 s of the webhook.
//!
//! Definitions (each share names its denominator, so a reader can recount it):
//! - **messages**: messages that needed an answer (every outcome row: drafted or not);
//! - **draft share**: messages that got a draft / messages;
//! - **sent unedited**: drafts that went as written (sent from Front unchanged,
//!   approved, or edited so little it counts as unchanged) / drafts with a verdict
//!   (a reply went, or it was rejected or deleted);
//! - **edit rate**: replies a person changed (a minor edit or a rewrite) / replies a
//!   person sent or approved;
//! - **rejection rate**: rejected / drafts with a verdict;
//! - **time to draft**: webhook → draft, over drafts; **time to reply**: webhook →
//!   the reply sent, over replies (p50 and p90, nearest rank).
//!
//! Auto-sent replies count as sent and unedited for the customer's view (time to reply)
//! and are left out of the verdicts: the agent does not grade itself.

use serde::Serialize;

use crate::outcome::{Edit, Outcome};
use crate::trust::{self, Trust};

/// One message's outcome, as the figures read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// What became of it.
    pub outcome: Outcome,
    /// When its webhook came (ms).
    pub received_at_ms: Option<i64>,
    /// When its draft was made (ms).
    pub drafted_at_ms: Option<i64>,
    /// When the outcome happened (ms).
    pub at_ms: i64,
}

/// The original's targets.
pub mod targets {
    /// Share of messages with a draft, at least.
    pub const DRAFT_SHARE: f64 = 0.80;
    /// Edit rate, below.
    pub const EDIT_RATE: f64 = 0.30;
    /// Share sent unedited, above.
    pub const SENT_UNEDITED: f64 = 0.50;
    /// Time from the webhook to the draft (p90), at most (ms).
    pub const TIME_TO_DRAFT_MS: i64 = 30_000;
}

/// p50 and p90 of some durations (ms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Percentiles {
    /// Median.
    pub p50_ms: i64,
    /// 90th percentile.
    pub p90_ms: i64,
    /// How many durations.
    pub count: u32,
}

/// Nearest-rank percentiles; `None` without durations.
pub fn percentiles(mut durations: Vec<i64>) -> Option<Percentiles> {
    if durations.is_empty() {
        return None;
    }
    durations.sort_unstable();
    let rank = |p: f64| {
        let n = durations.len();
        let index = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        durations[index]
    };
    Some(Percentiles {
        p50_ms: rank(0.50),
        p90_ms: rank(0.90),
        count: durations.len() as u32,
    })
}

/// A share with its counts and, where the original set one, its target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    /// Numerator.
    pub count: u32,
    /// Denominator.
    pub of: u32,
    /// count / of; `None` when `of` is 0.
    pub value: Option<f64>,
    /// The target.
    pub target: Option<f64>,
    /// Whether it meets the target (`None`: no target or no data).
    pub met: Option<bool>,
}

/// How a share meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goal {
    /// At least the target.
    AtLeast,
    /// More than the target.
    Above,
    /// Less than the target.
    Below,
}

impl Share {
    fn new(count: u32, of: u32, target: Option<(f64, Goal)>) -> Self {
        let value = (of > 0).then(|| f64::from(count) / f64::from(of));
        let met = match (value, target) {
            (Some(v), Some((t, goal))) => Some(match goal {
                Goal::AtLeast => v >= t,
                Goal::Above => v > t,
                Goal::Below => v < t,
            }),
            _ => None,
        };
        Self {
            count,
            of,
            value,
            target: target.map(|(t, _)| t),
            met,
        }
    }
}

/// How many of each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mix {
    /// Sent (from Front or approved) as written.
    pub unchanged: u32,
    /// Sent with a minor edit.
    pub minor_edit: u32,
    /// Sent rewritten.
    pub major_rewrite: u32,
    /// Rejected.
    pub rejected: u32,
    /// Deleted in Front.
    pub deleted: u32,
    /// Expired.
    pub expired: u32,
    /// Superseded.
    pub superseded: u32,
    /// Sent by the agent alone.
    pub auto_sent: u32,
    /// Waiting for a decision.
    pub pending: u32,
    /// No draft (went to a person, or silence).
    pub no_draft: u32,
}

impl Mix {
    /// Add one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Approved => self.unchanged += 1,
            Outcome::Sent { edit } | Outcome::EditedApproved { edit } => match edit {
                Edit::Unchanged => self.unchanged += 1,
                Edit::MinorEdit => self.minor_edit += 1,
                Edit::MajorRewrite => self.major_rewrite += 1,
            },
            Outcome::Rejected => self.rejected += 1,
            Outcome::Deleted => self.deleted += 1,
            Outcome::Expired => self.expired += 1,
            Outcome::Superseded => self.superseded += 1,
            Outcome::AutoSent => self.auto_sent += 1,
            Outcome::Pending => self.pending += 1,
            Outcome::NoDraft => self.no_draft += 1,
        }
    }

    /// Every message counted.
    pub fn total(&self) -> u32 {
        self.drafts() + self.no_draft
    }

    /// Messages that got a draft.
    pub fn drafts(&self) -> u32 {
        self.human_sent()
            + self.rejected
            + self.deleted
            + self.expired
            + self.superseded
            + self.auto_sent
            + self.pending
    }

    /// Replies a person sent or approved.
    pub fn human_sent(&self) -> u32 {
        self.unchanged + self.minor_edit + self.major_rewrite
    }

    /// Drafts a person judged: a reply went, or it was rejected or deleted.
    pub fn verdicts(&self) -> u32 {
        self.human_sent() + self.rejected + self.deleted
    }
}

/// The figures of a set of outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    /// The outcome counts.
    pub mix: Mix,
    /// Messages that got a draft.
    pub draft_share: Share,
    /// Drafts that went as written.
    pub sent_unedited: Share,
    /// Replies a person changed.
    pub edit_rate: Share,
    /// Drafts rejected.
    pub rejection_rate: Share,
    /// Webhook → draft.
    pub time_to_draft: Option<Percentiles>,
    /// Whether the p90 time to draft is within the original's 30 s.
    pub time_to_draft_met: Option<bool>,
    /// Webhook → reply sent.
    pub time_to_reply: Option<Percentiles>,
    /// Trust from the same outcomes.
    pub trust: Trust,
}

/// The figures of `observations` at `now_ms`.
pub fn figures(observations: &[Observation], now_ms: i64) -> Figures {
    let mut mix = Mix::default();
    let (mut to_draft, mut to_reply, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for o in observations {
        mix.add(&o.outcome);
        if let (Some(received), Some(drafted)) = (o.received_at_ms, o.drafted_at_ms) {
            to_draft.push((drafted - received).max(0));
        }
        if let (Some(received), Some(_)) = (o.received_at_ms, o.outcome.sent()) {
            to_reply.push((o.at_ms - received).max(0));
        }
        if let Some(value) = o.outcome.value() {
            values.push((o.at_ms, value));
        }
    }
    let time_to_draft = percentiles(to_draft);
    Figures {
        draft_share: Share::new(
            mix.drafts(),
            mix.total(),
            Some((targets::DRAFT_SHARE, Goal::AtLeast)),
        ),
        sent_unedited: Share::new(
            mix.unchanged,
            mix.verdicts(),
            Some((targets::SENT_UNEDITED, Goal::Above)),
        ),
        edit_rate: Share::new(
            mix.minor_edit + mix.major_rewrite,
            mix.human_sent(),
            Some((targets::EDIT_RATE, Goal::Below)),
        ),
        rejection_rate: Share::new(mix.rejected, mix.verdicts(), None),
        time_to_draft_met: time_to_draft.map(|t| t.p90_ms <= targets::TIME_TO_DRAFT_MS),
        time_to_draft,
        time_to_reply: percentiles(to_reply),
        trust: trust::trust(&values, now_ms),
        mix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(outcome: Outcome, received: i64, drafted: Option<i64>, at: i64) -> Observation {
        Observation {
            outcome,
            received_at_ms: Some(received),
            drafted_at_ms: drafted,
            at_ms: at,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentiles(vec![]), None);
        let p = percentiles(vec![5, 1, 4, 2, 3, 10, 9, 8, 7, 6]).unwrap();
        assert_eq!((p.p50_ms, p.p90_ms, p.count), (5, 9, 10));
        let one = percentiles(vec![42]).unwrap();
        assert_eq!((one.p50_ms, one.p90_ms), (42, 42));
    }

    #[test]
    fn every_share_counts_what_its_definition_says() {
        let unchanged = Outcome::Sent {
            edit: Edit::Unchanged,
        };
        let minor = Outcome::EditedApproved {
            edit: Edit::MinorEdit,
        };
        let rewrite = Outcome::Sent {
            edit: Edit::MajorRewrite,
        };
        let observations = [
            seen(unchanged.clone(), 0, Some(2_000), 60_000),
            seen(Outcome::Approved, 0, Some(4_000), 30_000),
            seen(minor, 0, Some(6_000), 90_000),
            seen(rewrite, 0, Some(8_000), 120_000),
            seen(Outcome::Rejected, 0, Some(40_000), 50_000),
            seen(Outcome::Expired, 0, Some(1_000), 1_000_000),
            seen(Outcome::Pending, 0, Some(1_000), 1_000),
            seen(Outcome::AutoSent, 0, Some(1_000), 1_500),
            seen(Outcome::NoDraft, 0, None, 3_000),
            seen(Outcome::NoDraft, 0, None, 3_000),
        ];
        let f = figures(&observations, 200_000);
        assert_eq!(f.mix.total(), 10);
        // 8 of 10 messages got a draft: the 80 % target is met exactly.
        assert_eq!((f.draft_share.count, f.draft_share.of), (8, 10));
        assert_eq!(f.draft_share.met, Some(true));
        // Verdicts: 4 sent by a person + 1 rejected; 2 of them as written.
        assert_eq!((f.sent_unedited.count, f.sent_unedited.of), (2, 5));
        assert_eq!(f.sent_unedited.met, Some(false));
        // Edits: 2 of the 4 a person sent.
        assert_eq!((f.edit_rate.count, f.edit_rate.of), (2, 4));
        assert_eq!(f.edit_rate.met, Some(false));
        assert_eq!((f.rejection_rate.count, f.rejection_rate.of), (1, 5));
        assert_eq!(f.rejection_rate.met, None);
        // Time to draft over the 8 drafts: 1 s ×3, 2, 4, 6, 8, 40 s.
        let t = f.time_to_draft.unwrap();
        assert_eq!((t.p50_ms, t.p90_ms, t.count), (2_000, 40_000, 8));
        assert_eq!(f.time_to_draft_met, Some(false));
        // Time to reply over the 5 replies that went (the auto-sent one included).
        let r = f.time_to_reply.unwrap();
        assert_eq!((r.p50_ms, r.p90_ms, r.count), (60_000, 120_000, 5));
        // Trust from the 5 verdicts, all recent: (1 + 1 + 0.5 + 0 + 0) / 5.
        assert_eq!(f.trust.samples, 5);
        assert!((f.trust.score - 0.5).abs() < 0.01, "{}", f.trust.score);
    }

    #[test]
    fn exactly_half_sent_unedited_is_not_more_than_half() {
        let f = figures(
            &[
                seen(Outcome::Approved, 0, Some(1), 2),
                seen(Outcome::Rejected, 0, Some(1), 2),
            ],
            10,
        );
        assert_eq!(f.sent_unedited.value, Some(0.5));
        assert_eq!(f.sent_unedited.met, Some(false));
    }

    #[test]
    fn no_outcomes_give_no_shares_and_no_verdict_on_the_targets() {
        let f = figures(&[], 0);
        assert_eq!(f.draft_share.value, None);
        assert_eq!(f.draft_share.met, None);
        assert_eq!(f.time_to_draft, None);
        assert_eq!(f.trust.samples, 0);
    }
}
