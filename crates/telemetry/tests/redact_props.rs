//! Properties of the redactor: what it must remove never survives, wherever it sits,
//! and redacting twice is redacting once.

use proptest::prelude::*;
use support_telemetry::Redactor;

fn email() -> impl Strategy<Value = String> {
    "[a-z]{1,10}@[a-z]{1,10}\\.(com|io|co\\.uk)"
}

/// Pieces of support text: sensitive ones, look-alikes that must stay, placeholders
/// and plain words.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        email(),
        Just("Dana Lee".to_owned()),
        Just("DANA".to_owned()),
        Just("lee".to_owned()),
        Just("+1 (555) 123-4567".to_owned()),
        Just("555-123-4567".to_owned()),
        Just("4242 4242 4242 4242".to_owned()),
        Just("4242 4242 4242 4241".to_owned()),
        Just("https://example.com/login/abc123?token=zz".to_owned()),
        Just("https://totaltypescript.com/tutorials/generics".to_owned()),
        Just("Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc".to_owned()),
        Just("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz".to_owned()),
        Just("12 Main Street".to_owned()),
        Just("2026-12-03".to_owned()),
        Just("19900".to_owned()),
        Just("order #12345678".to_owned()),
        Just("cnv_123 act_0123456789abcdef01234567".to_owned()),
        Just("[email]".to_owned()),
        Just("[redacted]".to_owned()),
        Just("password=hunter2".to_owned()),
        "[0-9]{1,12}",
        "[A-Za-z0-9_-]{1,40}",
        "\\PC{0,12}",
    ]
}

fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" ".to_owned()),
        Just(", ".to_owned()),
        Just("\n".to_owned()),
        Just("-".to_owned()),
        Just("".to_owned()),
        Just("/".to_owned()),
        Just("(".to_owned()),
        Just(").".to_owned()),
        "[^a-zA-Z0-9]{0,2}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec((fragment(), separator()), 0..8).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(fragment, separator)| fragment + &separator)
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn no_email_survives_in_arbitrary_text(
        before in "\\PC{0,40}",
        email in email(),
        after in "\\PC{0,40}",
    ) {
        let input = format!("{before}{email}{after}");
        for redactor in [Redactor::default(), Redactor::new(&["Dana Lee", "dana@example.com"])] {
            let output = redactor.text(&input);
            prop_assert!(!output.contains(&email), "{input:?} -> {output:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_known_name_survives_as_a_word(
        before in "\\PC{0,30}",
        first in "[A-Z][a-z]{2,8}",
        last in "[A-Z][a-z]{2,8}",
        which in 0..3usize,
        upper in any::<bool>(),
        after in "\\PC{0,30}",
    ) {
        let full = format!("{first} {last}");
        let redactor = Redactor::new(&[&full]);
        let said = [full.clone(), first.clone(), last.clone()][which].clone();
        let said = if upper { said.to_uppercase() } else { said };
        let input = format!("{before} {said} {after}");
        let output = redactor.text(&input);
        let said_lower = said.to_lowercase();
        let survived = output.to_lowercase().contains(&format!(" {said_lower} "));
        prop_assert!(!survived, "{input:?} -> {output:?}");
    }

    #[test]
    fn redacting_twice_is_redacting_once(input in text()) {
        let redactor = Redactor::new(&["Dana Lee", "dana@example.com"]);
        let once = redactor.text(&input);
        let twice = redactor.text(&once);
        prop_assert_eq!(&twice, &once, "input: {:?}", input);
    }

    #[test]
    fn json_redaction_is_idempotent_and_keeps_numbers(
        body in text(),
        amount in any::<u32>(),
        email in email(),
    ) {
        let redactor = Redactor::new(&["Dana Lee"]);
        let value = serde_json::json!({
            "amount": amount,
            "customer": {"email": email},
            "messages": [{"role": "user", "content": body}],
            "note": format!("from {email}"),
        });
        let once = redactor.value(&value);
        prop_assert_eq!(&once["amount"], &serde_json::json!(amount));
        prop_assert!(!once.to_string().contains(&email), "{}", once);
        prop_assert_eq!(redactor.value(&once), once);
    }
}
