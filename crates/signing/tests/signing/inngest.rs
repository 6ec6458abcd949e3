//! `X-Inngest-Signature` and the key helpers.

use support_signing::{inngest, FixedClock, SignatureError, Verified};

use crate::common::{bad_hex_signatures, bad_list_timestamps, one_byte_changed};

const KEY: &str = "signkey-test-f00f3005a3666b359a79c2bc3380ce2715e62727ac461ae1a2618f8766029c9f";
const TS: i64 = 1_687_306_735;
const BODY: &[u8] = br#"{"ctx":{"fn_id":"local-testing-local-cron","run_id":"01GQ3HTEZ01M7R8Z9PR1DMHDN1","step_id":"step"},"event":{"data":{},"id":"","name":"demo/event.sent","ts":1674082830001,"v":"1"},"events":[{"data":{},"id":"","name":"demo/event.sent","ts":1674082830001,"v":"1"}],"steps":{},"use_api":false}"#;
const S: &str = "a060f245a5d0c3c779ef65fd15b2ac06e4ab98dd8cc9860aa0722c8481ae02ab";

const KEY2: &str = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";
const TS2: i64 = 1_689_920_619;
const BODY2: &[u8] = br#"{"ctx":{"fn_id":"local-testing-local-cron","run_id":"01GQ3HTEZ01M7R8Z9PR1DMHDN1","step_id":"step"},"event":{"data":{},"id":"","name":"inngest/scheduled.timer","ts":1674082830001,"user":{},"v":"1"},"events":[{"data":{},"id":"","name":"inngest/scheduled.timer","ts":1674082830001,"user":{},"v":"1"}],"steps":{},"use_api":false}"#;
const S2: &str = "31df77f5b1b029de4bfce3a77e0517aa4ce0f5e2195a6467fc126a489ca2330b";

fn header() -> String {
    format!("t={TS}&s={S}")
}

fn verify(header: &str, body: &[u8], keys: &[&str]) -> Result<Verified, SignatureError> {
    inngest::verify(Some(header), body, keys, &FixedClock::from_secs(TS))
}

#[test]
fn vectors() {
    assert_eq!(inngest::sign(KEY, TS, BODY), header());
    assert_eq!(
        verify(&header(), BODY, &[KEY]),
        Ok(Verified {
            secret_index: 0,
            timestamp: TS
        })
    );

    assert_eq!(inngest::sign(KEY2, TS2, BODY2), format!("t={TS2}&s={S2}"));
    let clock = FixedClock::from_secs(TS2);
    assert!(inngest::verify(Some(&format!("t={TS2}&s={S2}")), BODY2, &[KEY2], &clock).is_ok());
    assert_eq!(inngest::HEADER, "x-inngest-signature");
}

#[test]
fn key_is_ascii_after_the_prefix_not_hex() {
    // Without its prefix the key signs the same way, because only the prefix is removed.
    let bare = inngest::strip_key_prefix(KEY);
    assert_eq!(
        bare,
        "f00f3005a3666b359a79c2bc3380ce2715e62727ac461ae1a2618f8766029c9f"
    );
    assert_eq!(inngest::sign(bare, TS, BODY), header());
    assert!(verify(&header(), BODY, &[bare]).is_ok());
    assert_eq!(
        inngest::sign(
            "signkey-prod-f00f3005a3666b359a79c2bc3380ce2715e62727ac461ae1a2618f8766029c9f",
            TS,
            BODY
        ),
        header()
    );
    // Keeping the prefix in the key does not match.
    assert_eq!(
        verify(&header(), BODY, &["signkey-test"]),
        Err(SignatureError::NoMatchingSignature)
    );
}

#[test]
fn hashed_signing_key() {
    assert_eq!(
        inngest::hashed_signing_key("signkey-prod-12345678").as_deref(),
        Ok("signkey-prod-b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c")
    );
    assert_eq!(
        inngest::hashed_signing_key(KEY2).as_deref(),
        Ok("signkey-test-e4bf4a2e7f55c7eb954b6e72f8f69628fbc409fe7da6d0f6958770987dcf0e02")
    );
    assert_eq!(
        inngest::hashed_signing_key("12345678").as_deref(),
        Ok("b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c")
    );
    for bad in [
        "",
        "signkey-prod-",
        "signkey-prod-xyz",
        "signkey-prod-123",
        "signkey-prod-1234é",
    ] {
        assert!(
            matches!(
                inngest::hashed_signing_key(bad),
                Err(SignatureError::InvalidSecret(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn event_key_hash() {
    // sha256("test") and sha256("")
    assert_eq!(
        inngest::event_key_hash("test"),
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert_eq!(
        inngest::event_key_hash(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn tampered_body_and_wrong_key() {
    let pretty = String::from_utf8(BODY.to_vec())
        .unwrap()
        .replace(",\"", ", \"");
    for body in [one_byte_changed(BODY), pretty.into_bytes(), BODY2.to_vec()] {
        assert_eq!(
            verify(&header(), &body, &[KEY]),
            Err(SignatureError::NoMatchingSignature)
        );
    }
    assert_eq!(
        verify(&header(), BODY, &[KEY2]),
        Err(SignatureError::NoMatchingSignature)
    );
}

#[test]
fn tolerance_is_two_sided_and_inclusive() {
    let cases = [
        (TS + 300, Ok(())),
        (TS - 300, Ok(())),
        (TS + 301, Err(SignatureError::TimestampTooOld)),
        (TS - 301, Err(SignatureError::TimestampInFuture)),
    ];
    for (now, expected) in cases {
        let result = inngest::verify(Some(&header()), BODY, &[KEY], &FixedClock::from_secs(now));
        assert_eq!(result.map(|_| ()), expected, "now = ts {:+}", now - TS);
    }
}

#[test]
fn malformed_headers() {
    let cases: &[(String, &str)] = &[
        (String::new(), "missing t"),
        ("garbage".into(), "missing t"),
        (format!("t={TS}"), "missing s"),
        (format!("s={S}"), "missing t"),
        (format!("t={TS},s={S}"), "missing s"),
        (format!("t={TS}&t={TS}&s={S}"), "duplicate t"),
    ];
    for (header, why) in cases {
        assert_eq!(
            verify(header, BODY, &[KEY]),
            Err(SignatureError::MalformedHeader(why)),
            "{header:?}"
        );
    }
    assert_eq!(
        inngest::verify(None, BODY, &[KEY], &FixedClock::from_secs(TS)),
        Err(SignatureError::MissingHeader("x-inngest-signature"))
    );
    // Order and unknown keys do not matter.
    assert!(verify(&format!("s={S}&x=1&t={TS}"), BODY, &[KEY]).is_ok());
    assert!(verify(&format!("t={TS}&s=00&s={S}"), BODY, &[KEY]).is_ok());
}

#[test]
fn non_numeric_timestamps_and_bad_signatures() {
    for ts in bad_list_timestamps() {
        assert_eq!(
            verify(&format!("t={ts}&s={S}"), BODY, &[KEY]),
            Err(SignatureError::InvalidTimestamp),
            "{ts:?}"
        );
    }
    for sig in bad_hex_signatures(S) {
        assert_eq!(
            verify(&format!("t={TS}&s={sig}"), BODY, &[KEY]),
            Err(SignatureError::NoMatchingSignature),
            "{sig:?}"
        );
    }
    assert!(verify(&format!("t={TS}&s={}", S.to_uppercase()), BODY, &[KEY]).is_ok());
}

#[test]
fn primary_and_fallback_keys() {
    assert_eq!(
        verify(&header(), BODY, &[KEY2, KEY]).map(|v| v.secret_index),
        Ok(1)
    );
    assert_eq!(
        verify(&header(), BODY, &[KEY2]),
        Err(SignatureError::NoMatchingSignature)
    );
    let owned = vec![KEY.to_owned()];
    assert!(inngest::verify(Some(&header()), BODY, &owned, &FixedClock::from_secs(TS)).is_ok());
}

#[test]
fn key_configuration_errors() {
    let none: [&str; 0] = [];
    assert_eq!(
        verify(&header(), BODY, &none),
        Err(SignatureError::NoSecretConfigured)
    );
    for key in ["", "signkey-test-"] {
        assert!(
            matches!(
                verify(&header(), BODY, &[KEY, key]),
                Err(SignatureError::InvalidSecret(_))
            ),
            "{key:?}"
        );
    }
}

#[test]
fn utf8_body_and_millisecond_confusion() {
    let body = r#"{"data":{"greeting":"こんにちは 🌸","name":"Ólafur"}}"#.as_bytes();
    assert!(verify(&inngest::sign(KEY, TS, body), body, &[KEY]).is_ok());
    assert_eq!(
        verify(&inngest::sign(KEY, TS * 1000, BODY), BODY, &[KEY]),
        Err(SignatureError::TimestampInFuture)
    );
}
