//! Routing: what the pipeline does with a classified message.
//!
//! [`route`] applies the original system's ordered rules, first match wins. Legal threats
//! are the only way to an urgent escalation; personal messages go to the instructor before
//! the low-confidence rule can send them to the queue; anger and refunds outside the
//! policy window go to a human before the support rule would let the agent answer.

use serde::{Deserialize, Serialize};

use crate::classify::{Category, Classification};

/// What to do with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteAction {
    /// The agent drafts a reply (a human approves it).
    Respond,
    /// Nothing to answer (automated mail, spam): archive.
    Silence,
    /// A teammate looks at it.
    EscalateHuman,
    /// The instructor looks at it.
    EscalateInstructor,
    /// A teammate looks at it now (legal threats).
    EscalateUrgent,
}

impl RouteAction {
    /// Every action, in declaration order.
    pub const ALL: [RouteAction; 5] = [
        RouteAction::Respond,
        RouteAction::Silence,
        RouteAction::EscalateHuman,
        RouteAction::EscalateInstructor,
        RouteAction::EscalateUrgent,
    ];

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteAction::Respond => "respond",
            RouteAction::Silence => "silence",
            RouteAction::EscalateHuman => "escalate_human",
            RouteAction::EscalateInstructor => "escalate_instructor",
            RouteAction::EscalateUrgent => "escalate_urgent",
        }
    }

    /// One of the escalations.
    pub fn is_escalation(self) -> bool {
        matches!(
            self,
            RouteAction::EscalateHuman
                | RouteAction::EscalateInstructor
                | RouteAction::EscalateUrgent
        )
    }
}

impl std::fmt::Display for RouteAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The routing decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    /// What to do.
    pub action: RouteAction,
    /// The rule that decided (`spam_silence`, ...; `default_escalate` when none matched).
    pub rule: String,
    /// Why, for the decision comment.
    pub reason: String,
}

struct Rule {
    name: &'static str,
    applies: fn(&Classification) -> bool,
    action: RouteAction,
    reason: &'static str,
}

// The confidence a classification needs to be routed on its own. NaN counts as low.
const MIN_CONFIDENCE: f32 = 0.5;

const RULES: [Rule; 12] = [
    Rule {
        name: "system_silence",
        applies: |c| c.category == Category::System,
        action: RouteAction::Silence,
        reason: "automated or system message: nothing to answer",
    },
    Rule {
        name: "spam_silence",
        applies: |c| c.category == Category::Spam,
        action: RouteAction::Silence,
        reason: "vendor or spam outreach: nothing to answer",
    },
    Rule {
        name: "legal_threat_urgent",
        applies: |c| c.signals.has_legal_threat,
        action: RouteAction::EscalateUrgent,
        reason: "legal threat: urgent human review",
    },
    Rule {
        name: "fan_mail_instructor",
        applies: |c| c.category == Category::FanMail,
        action: RouteAction::EscalateInstructor,
        reason: "personal message for the instructor",
    },
    Rule {
        name: "personal_to_instructor",
        applies: |c| c.signals.is_personal_to_instructor,
        action: RouteAction::EscalateInstructor,
        reason: "personal message addressed to the instructor",
    },
    Rule {
        name: "unknown_escalate",
        applies: |c| {
            c.category == Category::Unknown
                || c.confidence.is_nan()
                || c.confidence < MIN_CONFIDENCE
        },
        action: RouteAction::EscalateHuman,
        reason: "not confidently classified: needs human review",
    },
    Rule {
        name: "refund_policy_violation",
        applies: |c| {
            c.category == Category::SupportRefund && c.signals.has_outside_policy_timeframe
        },
        action: RouteAction::EscalateHuman,
        reason: "refund request outside the policy window: needs human approval",
    },
    Rule {
        name: "angry_escalate",
        applies: |c| c.signals.has_angry_sentiment,
        action: RouteAction::EscalateHuman,
        reason: "frustrated customer: needs human attention",
    },
    Rule {
        name: "support_respond",
        applies: |c| c.category.is_support(),
        action: RouteAction::Respond,
        reason: "support request: the agent drafts a reply",
    },
    Rule {
        name: "presales_faq_respond",
        applies: |c| c.category == Category::PresalesFaq,
        action: RouteAction::Respond,
        reason: "presales question the knowledge base answers",
    },
    Rule {
        name: "presales_team_escalate",
        applies: |c| c.category == Category::PresalesTeam,
        action: RouteAction::EscalateHuman,
        reason: "team or enterprise inquiry: needs the sales process",
    },
    Rule {
        name: "presales_consult_escalate",
        applies: |c| c.category == Category::PresalesConsult,
        action: RouteAction::EscalateInstructor,
        reason: "presales consultation: the instructor advises",
    },
];

/// The rule names, in the order they are tried.
pub const RULE_NAMES: [&str; 12] = [
    "system_silence",
    "spam_silence",
    "legal_threat_urgent",
    "fan_mail_instructor",
    "personal_to_instructor",
    "unknown_escalate",
    "refund_policy_violation",
    "angry_escalate",
    "support_respond",
    "presales_faq_respond",
    "presales_team_escalate",
    "presales_consult_escalate",
];

/// The name of the fallback when no rule matches.
pub const DEFAULT_RULE: &str = "default_escalate";

/// Route a classification: the first matching rule decides; none → a human.
pub fn route(classification: &Classification) -> Route {
    RULES
        .iter()
        .find(|rule| (rule.applies)(classification))
        .map(|rule| Route {
            action: rule.action,
            rule: rule.name.to_owned(),
            reason: rule.reason.to_owned(),
        })
        .unwrap_or_else(|| Route {
            action: RouteAction::EscalateHuman,
            rule: DEFAULT_RULE.to_owned(),
            reason: "no routing rule matched: needs human review".to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_follow_the_rules() {
        let names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        assert_eq!(names, RULE_NAMES);
    }
}
