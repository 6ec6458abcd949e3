//! Validation: each check with a passing and a failing draft, the score, the serialization.

use support_core::validate::*;

const GOOD: &str =
    "Your refund is on its way: it takes five to ten business days to show up on your card.";

fn ctx() -> ValidationContext {
    ValidationContext::default()
}

fn kinds(v: &Validation) -> Vec<IssueKind> {
    v.issues.iter().map(|i| i.kind).collect()
}

#[test]
fn a_good_draft_is_valid_with_a_perfect_score() {
    let v = validate(GOOD, &ctx());
    assert!(v.valid && v.issues.is_empty(), "{v:?}");
    assert_eq!(v.score, 1.0);
}

#[test]
fn each_check_fails_its_draft() {
    // (name, draft, kind, matched)
    let cases = [
        (
            "no instructor",
            "There is no instructor configured for this course, sorry.",
            IssueKind::InternalLeak,
            "no instructor configured",
        ),
        (
            "api error",
            "We hit an API error while looking you up, try later.",
            IssueKind::InternalLeak,
            "API error",
        ),
        (
            "internal process",
            "Our internal process requires a manager to approve this.",
            IssueKind::InternalLeak,
            "internal process",
        ),
        (
            "can't route",
            "I can’t route this to the right person right now.",
            IssueKind::InternalLeak,
            "can’t route",
        ),
        (
            "this is a",
            "This is a vendor email and does not need an answer.",
            IssueKind::MetaCommentary,
            "This is a ",
        ),
        (
            "here's a draft",
            "Here's a draft reply for the customer: hello there.",
            IssueKind::MetaCommentary,
            "Here's a draft reply",
        ),
        (
            "the customer is",
            "The customer is asking about their invoice from March.",
            IssueKind::MetaCommentary,
            "The customer is",
        ),
        (
            "won't respond",
            "I won't respond to this one because it is spam.",
            IssueKind::MetaCommentary,
            "I won't respond",
        ),
        (
            "great opener",
            "Great! Your access is restored and ready to go.",
            IssueKind::BannedPhrase,
            "Great!",
        ),
        (
            "hope this helps",
            "Your access is restored. I hope this helps!",
            IssueKind::BannedPhrase,
            "I hope this helps",
        ),
        (
            "em dash",
            "Your access is restored \u{2014} enjoy the course.",
            IssueKind::BannedPhrase,
            "\u{2014}",
        ),
        (
            "reach out",
            "Your access is restored. Please feel free to reach out anytime.",
            IssueKind::BannedPhrase,
            "Please feel free to reach out",
        ),
        (
            "module n",
            "Module 3 covers generics in depth, go there next.",
            IssueKind::Fabrication,
            "Module 3",
        ),
        (
            "fundamentals section",
            "Start with the fundamentals section and work forward from it.",
            IssueKind::Fabrication,
            "Start with the fundamentals section",
        ),
    ];
    for (name, draft, kind, matched) in cases {
        let v = validate(draft, &ctx());
        assert!(!v.valid, "{name}: {v:?}");
        let issue = v
            .issues
            .iter()
            .find(|i| i.kind == kind)
            .unwrap_or_else(|| panic!("{name}: {v:?}"));
        assert_eq!(
            (issue.severity, issue.matched.as_str()),
            (Severity::Error, matched),
            "{name}"
        );
        assert!(!issue.message.is_empty());
    }
}

#[test]
fn each_check_passes_its_neighbour() {
    let cases = [
        (
            "routes are not routing",
            "The routes in lesson files are listed in the sidebar on the left.",
        ),
        (
            "this is inside a sentence",
            "Yes, and this is a common question: the videos download from the course page.",
        ),
        (
            "great inside",
            "That sounds great! Your access is restored and ready to go.",
        ),
        (
            "hyphen, not em dash",
            "Your access is restored - enjoy the course and the exercises.",
        ),
        (
            "understand as a verb",
            "Once you understand generics, the next exercises get much easier.",
        ),
    ];
    for (name, draft) in cases {
        let v = validate(draft, &ctx());
        assert!(v.valid, "{name}: {v:?}");
    }
}

#[test]
fn fabrication_only_without_knowledge() {
    let draft = "Module 3 covers generics in depth, go there next.";
    assert_eq!(kinds(&validate(draft, &ctx())), [IssueKind::Fabrication]);
    let with = ValidationContext {
        has_knowledge: true,
        ..ctx()
    };
    assert!(validate(draft, &with).valid);
}

#[test]
fn company_names_are_leaks() {
    let ctx = ValidationContext {
        has_knowledge: false,
        company_names: vec!["Skill Recordings".into(), " ".into()],
    };
    let v = validate(
        "Skill Recordings processed your refund this morning, all set.",
        &ctx,
    );
    assert_eq!(kinds(&v), [IssueKind::InternalLeak]);
    assert_eq!(v.issues[0].matched, "Skill Recordings");
    assert!(
        validate(
            "Your refund went through this morning, you are all set.",
            &ctx
        )
        .valid
    );
    assert!(
        validate(
            "The skill recordingsless case is not a word match here.",
            &ctx
        )
        .valid
    );
}

#[test]
fn length_warnings_do_not_invalidate() {
    let short = validate("Done.", &ctx());
    assert!(short.valid);
    assert_eq!(kinds(&short), [IssueKind::TooShort]);
    assert_eq!(short.issues[0].severity, Severity::Warning);
    assert!((short.score - 0.9).abs() < 1e-6);

    let long = validate(&"word ".repeat(401), &ctx());
    assert_eq!(kinds(&long), [IssueKind::TooLong]);
    assert!(long.valid);

    assert!(
        validate(&"a".repeat(2000), &ctx()).issues.is_empty(),
        "2000 is allowed"
    );
    assert!(
        validate("Ten chars.", &ctx()).issues.is_empty(),
        "10 is allowed"
    );
}

#[test]
fn score_counts_every_issue_and_clamps() {
    // One issue per matching pattern; two errors: 1 - 0.6.
    let v = validate("I hope this helps!", &ctx());
    assert_eq!(kinds(&v), [IssueKind::BannedPhrase]);
    let v = validate("Great! I hope this helps", &ctx());
    assert_eq!(v.issues.len(), 2);
    assert!((v.score - 0.4).abs() < 1e-6, "{}", v.score);
    let info = Issue {
        kind: IssueKind::TooShort,
        severity: Severity::Info,
        matched: String::new(),
        message: String::new(),
    };
    assert!((score(&[info]) - 0.98).abs() < 1e-6);
    let terrible = "This is a draft. Great! I hope this helps, happy to help, I understand, \
        no instructor configured, API error, module 1, lesson 2 \u{2014} don't hesitate to ask.";
    let v = validate(terrible, &ctx());
    assert!(v.issues.len() > 4);
    assert_eq!(v.score, 0.0);
}

#[test]
fn serializes_snake_case_kinds() {
    let v = validate("Great! done", &ctx());
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["issues"][0]["kind"], "banned_phrase");
    assert_eq!(json["issues"][0]["severity"], "error");
    assert_eq!(serde_json::from_value::<Validation>(json).unwrap(), v);
}
