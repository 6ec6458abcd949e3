//! Classification: every signal true and false, every fast-path branch and its order, the
//! no-LLM answer, and the LLM fallback's parts.

use serde_json::json;
use support_core::classify::*;

fn input(subject: &str, body: &str) -> ClassifyInput {
    ClassifyInput::with_default_instructors(subject, body)
}

fn from(subject: &str, body: &str, sender: &str) -> ClassifyInput {
    ClassifyInput {
        from: Some(sender.to_owned()),
        ..input(subject, body)
    }
}

/// (subject, body, expected)
type Case = (&'static str, &'static str, bool);

/// Per signal (by its wire name), its cases.
#[rustfmt::skip]
const SIGNAL_CASES: &[(&str, &[Case])] = &[
    ("hasEmailInBody", &[
        ("", "my other address is dana.k+tt@example.co.uk", true),
        ("dana@example.com", "only the subject has one", false),
        ("", "meet @ 5pm", false),
    ]),
    ("hasPurchaseDate", &[
        ("", "I bought it on March 3rd", true),
        ("", "charged on 3/14/2024", true),
        ("", "order from 2024-03-14", true),
        ("", "I purchased it last week", true),
        ("", "bought it 3 days ago", true),
        ("", "how do generics work", false),
    ]),
    ("hasErrorMessage", &[
        ("", "I get Error: 500 on the page", true),
        ("", "TypeError: x is undefined", true),
        ("", "here is the stack trace", true),
        ("", "it failed to load", true),
        ("", "the course is great", false),
    ]),
    ("isReply", &[
        ("Re: your invoice", "", true),
        ("  RE: hello", "", true),
        ("About re: invoice", "", false),
        ("", "re: this", false),
    ]),
    ("mentionsInstructor", &[
        ("", "Hi Matt, quick question", true),
        ("", "saw wes bos on stage", true),
        ("", "Kent's course rocks", true),
        // The original matched substrings: "matter" and "Kentucky" fired.
        ("", "it does not matter, I live in Kentucky", false),
    ]),
    ("hasAngrySentiment", &[
        ("", "This is unacceptable.", true),
        ("", "I’m furious about this", true),
        ("", "refund now please", true),
        ("", "worst service ever", true),
        ("", "could you help me with my login?", false),
    ]),
    ("isAutomated", &[
        ("Out of Office", "back on Monday", true),
        ("Auto-Reply: hello", "", true),
        ("Undeliverable: your message", "from MAILER-DAEMON", true),
        ("Question", "hello", false),
    ]),
    ("isVendorOutreach", &[
        ("Partnership opportunity", "we'd like to work with you", true),
        ("", "we sell high quality backlinks", true),
        ("", "earn 30% affiliate commission per sale", true),
        ("", "we want to sponsor your next video", true),
        ("", "we thought of you for this release", true),
        ("", "our production-ready SaaS boilerplate", true),
        ("Need help", "I cannot access my course", false),
    ]),
    ("hasLegalThreat", &[
        ("", "my lawyer will hear about this", true),
        ("", "I will sue you", true),
        ("", "I am reporting this to the FTC", true),
        ("", "see you in small claims", true),
        ("", "the law of demeter lesson", false),
    ]),
    ("hasOutsidePolicyTimeframe", &[
        ("", "bought 8 weeks ago", true),
        ("", "60 days ago", true),
        ("", "three months ago", true),
        ("", "I purchased last year", true),
        ("", "a year ago I bought it", true),
        ("", "bought 2 weeks ago", false),
        ("", "30 days ago", false),
        ("", "1 month ago", false),
    ]),
    ("isPersonalToInstructor", &[
        ("", "hey matt!", true),
        ("", "  Hello!", true),
        ("", "lol that tweet", true),
        ("", "big fan of the show", true),
        ("", "Kent, thank you so much for the course", true),
        ("", "thank you so much for the course", false),
        ("Matt", "can I get an invoice?\nThanks,\nJo", false),
        ("", "hi, where is my invoice", false),
    ]),
    ("isPresalesFaq", &[
        ("", "how much does it cost?", true),
        ("", "do you offer PPP?", true),
        ("", "is it lifetime access?", true),
        ("", "what’s included?", true),
        ("", "my video does not play", false),
    ]),
    ("isPresalesTeam", &[
        ("", "we are a team of 12 engineers", true),
        ("", "do you sell a site license", true),
        ("", "our PO number is 4411", true),
        ("", "we need 25 seats", true),
        ("", "I want to buy it for myself", false),
    ]),
];

#[test]
fn every_signal_true_and_false() {
    let mut failures = Vec::new();
    for (signal, cases) in SIGNAL_CASES {
        let (mut seen_true, mut seen_false) = (false, false);
        for (subject, body, expected) in *cases {
            let got =
                serde_json::to_value(signals(&input(subject, body))).unwrap()[signal].as_bool();
            if got != Some(*expected) {
                failures.push(format!(
                    "{signal} on {subject:?} / {body:?}: expected {expected}"
                ));
            }
            seen_true |= *expected;
            seen_false |= !*expected;
        }
        assert!(seen_true && seen_false, "{signal} has both kinds of case");
    }
    assert_eq!(SIGNAL_CASES.len(), 13, "every signal has cases");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn automated_senders() {
    for (sender, expected) in [
        ("noreply@stripe.com", true),
        ("no-reply@shop.example", true),
        ("MAILER-DAEMON@mx.example", true),
        ("dana@example.com", false),
    ] {
        let s = signals(&from("Your receipt", "thanks", sender));
        assert_eq!(s.is_automated, expected, "{sender}");
    }
}
#[test]
fn instructor_names_come_from_the_input() {
    let mut i = input("", "Thank you so much for everything, Sarah");
    assert!(!signals(&i).mentions_instructor, "not a default name");
    i.instructor_names = vec!["Sarah".into()];
    let s = signals(&i);
    assert!(s.mentions_instructor && s.is_personal_to_instructor);
    i.instructor_names = vec![" ".into(), String::new()];
    assert!(!signals(&i).mentions_instructor, "blank names never match");
}

#[test]
fn signals_serialize_in_camel_case_like_the_original() {
    let v = serde_json::to_value(Signals::default()).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "hasAngrySentiment",
            "hasEmailInBody",
            "hasErrorMessage",
            "hasLegalThreat",
            "hasOutsidePolicyTimeframe",
            "hasPurchaseDate",
            "isAutomated",
            "isPersonalToInstructor",
            "isPresalesFaq",
            "isPresalesTeam",
            "isReply",
            "isVendorOutreach",
            "mentionsInstructor",
        ]
    );
}

#[test]
fn fast_path_branches_in_order() {
    // (name, input, category, confidence)
    let cases: Vec<(&str, ClassifyInput, Category, f32)> = vec![
        (
            "automated",
            input("Automatic reply", "I am away"),
            Category::System,
            0.95,
        ),
        (
            "automated beats refund",
            input("Out of office", "re your refund"),
            Category::System,
            0.95,
        ),
        (
            "noreply sender",
            from("Receipt", "refund issued", "no-reply@shop.com"),
            Category::System,
            0.95,
        ),
        (
            "vendor",
            input("Partnership opportunity", "let's grow together"),
            Category::Spam,
            0.9,
        ),
        (
            "vendor beats refund",
            input("Affiliate program", "earn a commission, refund anytime"),
            Category::Spam,
            0.9,
        ),
        (
            "refund",
            input("", "I would like a refund"),
            Category::SupportRefund,
            0.85,
        ),
        (
            "money back",
            input("", "I want my money back"),
            Category::SupportRefund,
            0.85,
        ),
        (
            "cancel purchase",
            input("", "please cancel my purchase"),
            Category::SupportRefund,
            0.85,
        ),
        (
            "refund beats access",
            input("", "refund please, I can't log in"),
            Category::SupportRefund,
            0.85,
        ),
        (
            "access",
            input("Login", "I can't access the course"),
            Category::SupportAccess,
            0.85,
        ),
        (
            "lost access",
            input("", "I lost access to my account"),
            Category::SupportAccess,
            0.85,
        ),
        (
            "access beats transfer",
            input("", "cannot log in since I changed my email"),
            Category::SupportAccess,
            0.85,
        ),
        (
            "transfer",
            input("", "can you transfer my purchase to my work address"),
            Category::SupportTransfer,
            0.8,
        ),
        (
            "wrong email",
            input("", "I bought it with the wrong email"),
            Category::SupportTransfer,
            0.8,
        ),
        (
            "transfer beats billing",
            input("", "move my license, and send a receipt"),
            Category::SupportTransfer,
            0.8,
        ),
        (
            "invoice",
            input("Invoice", "can I get an invoice?"),
            Category::SupportBilling,
            0.85,
        ),
        (
            "receipt",
            input("", "I need a receipt for taxes"),
            Category::SupportBilling,
            0.85,
        ),
    ];
    for (name, i, category, confidence) in cases {
        let s = signals(&i);
        let c = fast_path(&i, &s).unwrap_or_else(|| panic!("{name}: fast path missed"));
        assert_eq!(
            (c.category, c.confidence, c.source),
            (category, confidence, Source::FastPath),
            "{name}"
        );
        assert_eq!(c.signals, s, "{name}: carries its signals");
    }
}

#[test]
fn fast_path_misses_go_to_the_llm() {
    let cases = [
        (
            "fan mail is not on the fast path",
            input("", "Matt, your course changed my life. Thank you!"),
        ),
        ("presales", input("Question", "how much does it cost?")),
        (
            "vendor pitch with an address",
            input("Partnership opportunity", "write to deals@agency.io"),
        ),
        ("technical", input("", "how do I narrow a union type?")),
        ("empty", input("", "")),
        (
            "refunds is not refund",
            input("", "do refunds take long to show up?"),
        ),
    ];
    for (name, i) in cases {
        assert_eq!(fast_path(&i, &signals(&i)), None, "{name}");
    }
}

#[test]
fn without_llm_is_the_fast_path_else_unknown_at_zero() {
    let i = input("", "I would like a refund");
    assert_eq!(
        without_llm(&i, signals(&i)).category,
        Category::SupportRefund
    );
    let i = input("", "is this the right course for a designer?");
    let c = without_llm(&i, signals(&i));
    assert_eq!(
        (c.category, c.confidence, c.source),
        (Category::Unknown, 0.0, Source::NoLlm)
    );
}

#[test]
fn categories_round_trip_their_wire_names() {
    assert_eq!(Category::ALL.len(), 12);
    for c in Category::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
        assert_eq!(Category::from_str(c.as_str()), Some(c));
    }
    assert_eq!(Category::from_str("technical_support"), None);
    assert_eq!(Category::from_str("SPAM"), None);
}

#[test]
fn classification_serializes_for_step_results() {
    let i = input("", "refund please");
    let c = without_llm(&i, signals(&i));
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["category"], "support_refund");
    assert_eq!(v["source"], "fast_path");
    assert_eq!(v["signals"]["hasAngrySentiment"], false);
    assert_eq!(serde_json::from_value::<Classification>(v).unwrap(), c);
}

#[test]
fn llm_parts() {
    assert_eq!(LLM_TOOL_NAME, "classify_message");
    let prompt = llm_system_prompt();
    for c in Category::ALL {
        assert!(prompt.contains(c.as_str()), "prompt defines {c}");
    }
    let schema = llm_tool_schema();
    let names: Vec<&str> = schema["properties"]["category"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names, Category::ALL.map(Category::as_str));
    assert_eq!(schema["properties"]["confidence"]["minimum"], 0);
    assert_eq!(schema["properties"]["confidence"]["maximum"], 1);
    assert_eq!(
        schema["required"],
        json!(["category", "confidence", "reasoning"])
    );

    assert_eq!(
        llm_user_message(&input("", "hello")),
        "Subject: (no subject)\n\nBody:\nhello"
    );
    assert_eq!(
        llm_user_message(&input("Hi", "")),
        "Subject: Hi\n\nBody:\n(empty body)"
    );
}

#[test]
fn llm_tool_input_parsing() {
    let s = Signals {
        has_legal_threat: true,
        ..Signals::default()
    };
    let ok = from_llm_tool_input(&json!({"category": "presales_consult", "confidence": 0.7, "reasoning": "asks which course"}), s).unwrap();
    assert_eq!(
        (ok.category, ok.confidence, ok.source),
        (Category::PresalesConsult, 0.7, Source::Llm)
    );
    assert_eq!(ok.reasoning, "asks which course");
    assert!(
        ok.signals.has_legal_threat,
        "keeps the signals it was given"
    );

    let edge = from_llm_tool_input(&json!({"category": "spam", "confidence": 1}), s).unwrap();
    assert_eq!((edge.confidence, edge.reasoning.as_str()), (1.0, ""));

    let cases = [
        (
            json!({"category": "voc_response", "confidence": 0.9}),
            ClassifyError::UnknownCategory("voc_response".into()),
        ),
        (
            json!({"category": "spam", "confidence": 1.5}),
            ClassifyError::Confidence(1.5),
        ),
        (
            json!({"category": "spam", "confidence": -0.1}),
            ClassifyError::Confidence(-0.1),
        ),
        (
            json!({"category": "spam", "confidence": "0.9"}),
            ClassifyError::Missing("confidence"),
        ),
        (
            json!({"confidence": 0.9}),
            ClassifyError::Missing("category"),
        ),
        (json!(["spam"]), ClassifyError::NotAnObject),
    ];
    for (value, err) in cases {
        assert_eq!(from_llm_tool_input(&value, s), Err(err), "{value}");
    }
}
