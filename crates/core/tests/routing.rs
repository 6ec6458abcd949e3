//! Routing: every rule in order, the confidence floor, tags.

use support_core::classify::*;
use support_core::routing::*;
use support_core::tags::{tag_for, tag_for_route};

fn classified(category: Category, confidence: f32, signals: Signals) -> Classification {
    Classification {
        category,
        confidence,
        reasoning: String::new(),
        signals,
        source: Source::Llm,
    }
}

fn none() -> Signals {
    Signals::default()
}

#[test]
fn every_rule_in_order() {
    let legal = Signals {
        has_legal_threat: true,
        ..none()
    };
    let personal = Signals {
        is_personal_to_instructor: true,
        ..none()
    };
    let late = Signals {
        has_outside_policy_timeframe: true,
        ..none()
    };
    let angry = Signals {
        has_angry_sentiment: true,
        ..none()
    };
    let everything = Signals {
        has_legal_threat: true,
        is_personal_to_instructor: true,
        has_outside_policy_timeframe: true,
        has_angry_sentiment: true,
        ..none()
    };
    // (case, classification, action, rule)
    let cases = [
        (
            "system",
            classified(Category::System, 0.95, everything),
            RouteAction::Silence,
            "system_silence",
        ),
        (
            "spam beats legal",
            classified(Category::Spam, 0.9, everything),
            RouteAction::Silence,
            "spam_silence",
        ),
        (
            "legal on any category",
            classified(Category::SupportTechnical, 0.9, legal),
            RouteAction::EscalateUrgent,
            "legal_threat_urgent",
        ),
        (
            "legal beats low confidence",
            classified(Category::Unknown, 0.0, everything),
            RouteAction::EscalateUrgent,
            "legal_threat_urgent",
        ),
        (
            "fan mail",
            classified(Category::FanMail, 0.9, none()),
            RouteAction::EscalateInstructor,
            "fan_mail_instructor",
        ),
        (
            "fan mail at low confidence",
            classified(Category::FanMail, 0.2, angry),
            RouteAction::EscalateInstructor,
            "fan_mail_instructor",
        ),
        (
            "personal beats unknown",
            classified(Category::Unknown, 0.0, personal),
            RouteAction::EscalateInstructor,
            "personal_to_instructor",
        ),
        (
            "personal beats support",
            classified(Category::SupportRefund, 0.85, personal),
            RouteAction::EscalateInstructor,
            "personal_to_instructor",
        ),
        (
            "unknown",
            classified(Category::Unknown, 0.9, none()),
            RouteAction::EscalateHuman,
            "unknown_escalate",
        ),
        (
            "confidence below 0.5",
            classified(Category::SupportAccess, 0.49, none()),
            RouteAction::EscalateHuman,
            "unknown_escalate",
        ),
        (
            "NaN confidence is low",
            classified(Category::SupportAccess, f32::NAN, none()),
            RouteAction::EscalateHuman,
            "unknown_escalate",
        ),
        (
            "refund outside the timeframe",
            classified(Category::SupportRefund, 0.85, late),
            RouteAction::EscalateHuman,
            "refund_policy_violation",
        ),
        (
            "late, not a refund",
            classified(Category::SupportAccess, 0.85, late),
            RouteAction::Respond,
            "support_respond",
        ),
        (
            "angry",
            classified(Category::SupportAccess, 0.85, angry),
            RouteAction::EscalateHuman,
            "angry_escalate",
        ),
        (
            "confidence 0.5 is enough",
            classified(Category::SupportAccess, 0.5, none()),
            RouteAction::Respond,
            "support_respond",
        ),
        (
            "refund in policy",
            classified(Category::SupportRefund, 0.85, none()),
            RouteAction::Respond,
            "support_respond",
        ),
        (
            "transfer",
            classified(Category::SupportTransfer, 0.8, none()),
            RouteAction::Respond,
            "support_respond",
        ),
        (
            "technical",
            classified(Category::SupportTechnical, 0.8, none()),
            RouteAction::Respond,
            "support_respond",
        ),
        (
            "billing",
            classified(Category::SupportBilling, 0.85, none()),
            RouteAction::Respond,
            "support_respond",
        ),
        (
            "presales faq",
            classified(Category::PresalesFaq, 0.8, none()),
            RouteAction::Respond,
            "presales_faq_respond",
        ),
        (
            "presales team",
            classified(Category::PresalesTeam, 0.8, none()),
            RouteAction::EscalateHuman,
            "presales_team_escalate",
        ),
        (
            "presales consult",
            classified(Category::PresalesConsult, 0.8, none()),
            RouteAction::EscalateInstructor,
            "presales_consult_escalate",
        ),
    ];
    for (name, c, action, rule) in cases {
        let r = route(&c);
        assert_eq!((r.action, r.rule.as_str()), (action, rule), "{name}");
        assert!(!r.reason.is_empty(), "{name}");
    }
}

#[test]
fn every_rule_is_reachable_and_named_in_order() {
    assert_eq!(RULE_NAMES.len(), 12);
    assert_eq!(RULE_NAMES[0], "system_silence");
    assert_eq!(RULE_NAMES[5], "unknown_escalate");
    assert_eq!(RULE_NAMES[11], "presales_consult_escalate");
    // Every category has a rule of its own, so the default is a safety net only.
    for category in Category::ALL {
        assert_ne!(
            route(&classified(category, 0.9, none())).rule,
            DEFAULT_RULE,
            "{category}"
        );
    }
}

#[test]
fn without_llm_end_to_end() {
    let cases = [
        (
            "Refund",
            "I bought it 3 months ago and want a refund",
            RouteAction::EscalateHuman,
            "refund_policy_violation",
        ),
        (
            "Refund",
            "I want a refund, my lawyer says so",
            RouteAction::EscalateUrgent,
            "legal_threat_urgent",
        ),
        (
            "",
            "which course should I start with?",
            RouteAction::EscalateHuman,
            "unknown_escalate",
        ),
        (
            "Out of office",
            "back Monday",
            RouteAction::Silence,
            "system_silence",
        ),
    ];
    for (subject, body, action, rule) in cases {
        let i = ClassifyInput::with_default_instructors(subject, body);
        let r = route(&without_llm(&i, signals(&i)));
        assert_eq!((r.action, r.rule.as_str()), (action, rule), "{body}");
    }
}

#[test]
fn actions_serialize_snake_case() {
    let names: Vec<String> = RouteAction::ALL
        .iter()
        .map(|a| {
            serde_json::to_value(a)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "respond",
            "silence",
            "escalate_human",
            "escalate_instructor",
            "escalate_urgent"
        ]
    );
    for a in RouteAction::ALL {
        assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
    }
    let route = route(&classified(Category::Spam, 0.9, none()));
    let v = serde_json::to_value(&route).unwrap();
    assert_eq!(
        (v["action"].as_str(), v["rule"].as_str()),
        (Some("silence"), Some("spam_silence"))
    );
}

#[test]
fn tag_names() {
    let expected = [
        (Category::SupportAccess, "access-issue"),
        (Category::SupportRefund, "refund"),
        (Category::SupportTransfer, "transfer"),
        (Category::SupportTechnical, "technical"),
        (Category::SupportBilling, "billing"),
        (Category::FanMail, "fan-mail"),
        (Category::Spam, "spam"),
        (Category::System, "system"),
        (Category::Unknown, "needs-review"),
        (Category::PresalesFaq, "presales"),
        (Category::PresalesConsult, "presales"),
        (Category::PresalesTeam, "presales-enterprise"),
    ];
    for (category, tag) in expected {
        assert_eq!(tag_for(category), tag, "{category}");
    }
    assert_eq!(tag_for_route(RouteAction::EscalateHuman), Some("escalated"));
    assert_eq!(
        tag_for_route(RouteAction::EscalateInstructor),
        Some("instructor")
    );
    assert_eq!(tag_for_route(RouteAction::EscalateUrgent), Some("urgent"));
    assert_eq!(tag_for_route(RouteAction::Respond), None);
    assert_eq!(tag_for_route(RouteAction::Silence), None);
}
