//! Front application webhooks (HMAC-SHA256, millisecond timestamps) and rule
//! webhooks (HMAC-SHA1).

use support_signing::{front, FixedClock, SignatureError, Tolerance, Verified};

use crate::common::{bad_base64_signatures, one_byte_changed, BAD_TIMESTAMPS};

const BODY: &[u8] =
    br#"{"type":"inbound_received","authorization":{"id":"cmp_123"},"payload":{"id":"evt_1"}}"#;
const APP_SECRET: &str = "test_app_secret";
const RULE_SECRET: &str = "test_api_secret";
const TS_MS: i64 = 1_700_000_000_000;
const TS_MS_TEXT: &str = "1700000000000";
const APP_SIG: &str = "BpSrfrahcdPSSxSvLW+ClxnwJ/BXOm1iyH/4arM7iHQ=";
const RULE_SIG: &str = "c0Sj49ByX72bnENXG+yfcDqbIYk=";

fn verify_app(
    sig: Option<&str>,
    ts: Option<&str>,
    body: &[u8],
    secrets: &[&str],
) -> Result<Verified, SignatureError> {
    front::verify_app(sig, ts, body, secrets, &FixedClock(TS_MS))
}

#[test]
fn app_vector() {
    assert_eq!(front::sign_app(APP_SECRET.as_bytes(), TS_MS, BODY), APP_SIG);
    assert_eq!(
        verify_app(Some(APP_SIG), Some(TS_MS_TEXT), BODY, &[APP_SECRET]),
        Ok(Verified {
            secret_index: 0,
            timestamp: TS_MS
        })
    );
}

#[test]
fn rule_vector() {
    assert_eq!(front::sign_rule(RULE_SECRET.as_bytes(), BODY), RULE_SIG);
    assert_eq!(
        front::verify_rule(Some(RULE_SIG), BODY, &[RULE_SECRET]),
        Ok(0)
    );
}

#[test]
fn header_names() {
    assert_eq!(front::SIGNATURE_HEADER, "x-front-signature");
    assert_eq!(front::TIMESTAMP_HEADER, "x-front-request-timestamp");
}

#[test]
fn app_tampered_body_and_wrong_secret() {
    let reserialised = br#"{"type": "inbound_received", "authorization": {"id": "cmp_123"}, "payload": {"id": "evt_1"}}"#;
    for body in [one_byte_changed(BODY), reserialised.to_vec()] {
        assert_eq!(
            verify_app(Some(APP_SIG), Some(TS_MS_TEXT), &body, &[APP_SECRET]),
            Err(SignatureError::NoMatchingSignature)
        );
    }
    assert_eq!(
        verify_app(Some(APP_SIG), Some(TS_MS_TEXT), BODY, &[RULE_SECRET]),
        Err(SignatureError::NoMatchingSignature)
    );
    // The timestamp is part of the signed content.
    let other_ts = (TS_MS + 1).to_string();
    let clock = FixedClock(TS_MS);
    assert_eq!(
        front::verify_app(Some(APP_SIG), Some(&other_ts), BODY, &[APP_SECRET], &clock),
        Err(SignatureError::NoMatchingSignature)
    );
}

#[test]
fn app_tolerance_is_in_milliseconds_and_two_sided() {
    let cases = [
        (TS_MS + 300_000, Ok(())),
        (TS_MS - 300_000, Ok(())),
        (TS_MS + 300_001, Err(SignatureError::TimestampTooOld)),
        (TS_MS + 301_000, Err(SignatureError::TimestampTooOld)),
        (TS_MS - 300_001, Err(SignatureError::TimestampInFuture)),
        (TS_MS - 301_000, Err(SignatureError::TimestampInFuture)),
    ];
    for (now, expected) in cases {
        let result = front::verify_app(
            Some(APP_SIG),
            Some(TS_MS_TEXT),
            BODY,
            &[APP_SECRET],
            &FixedClock(now),
        );
        assert_eq!(
            result.map(|_| ()),
            expected,
            "now = ts {:+} ms",
            now - TS_MS
        );
    }
    let tight = Tolerance::from_secs(1);
    let clock = FixedClock(TS_MS + 1_000);
    assert!(front::verify_app_with_tolerance(
        Some(APP_SIG),
        Some(TS_MS_TEXT),
        BODY,
        &[APP_SECRET],
        &clock,
        tight
    )
    .is_ok());
    let clock = FixedClock(TS_MS + 1_001);
    assert_eq!(
        front::verify_app_with_tolerance(
            Some(APP_SIG),
            Some(TS_MS_TEXT),
            BODY,
            &[APP_SECRET],
            &clock,
            tight
        ),
        Err(SignatureError::TimestampTooOld)
    );
}

#[test]
fn seconds_instead_of_milliseconds_is_too_old() {
    let secs = TS_MS / 1000;
    let sig = front::sign_app(APP_SECRET.as_bytes(), secs, BODY);
    assert_eq!(
        verify_app(Some(&sig), Some(&secs.to_string()), BODY, &[APP_SECRET]),
        Err(SignatureError::TimestampTooOld)
    );
}

#[test]
fn app_missing_headers() {
    assert_eq!(
        verify_app(None, Some(TS_MS_TEXT), BODY, &[APP_SECRET]),
        Err(SignatureError::MissingHeader("x-front-signature"))
    );
    assert_eq!(
        verify_app(Some(APP_SIG), None, BODY, &[APP_SECRET]),
        Err(SignatureError::MissingHeader("x-front-request-timestamp"))
    );
    assert_eq!(
        verify_app(Some(""), Some(TS_MS_TEXT), BODY, &[APP_SECRET]),
        Err(SignatureError::MalformedHeader("empty signature"))
    );
}

#[test]
fn app_non_numeric_timestamps() {
    for ts in BAD_TIMESTAMPS {
        assert_eq!(
            verify_app(Some(APP_SIG), Some(ts), BODY, &[APP_SECRET]),
            Err(SignatureError::InvalidTimestamp),
            "{ts:?}"
        );
    }
}

#[test]
fn wrong_shape_signatures_are_mismatches() {
    for sig in bad_base64_signatures(APP_SIG) {
        assert_eq!(
            verify_app(Some(&sig), Some(TS_MS_TEXT), BODY, &[APP_SECRET]),
            Err(SignatureError::NoMatchingSignature),
            "{sig:?}"
        );
    }
    for sig in bad_base64_signatures(RULE_SIG) {
        assert_eq!(
            front::verify_rule(Some(&sig), BODY, &[RULE_SECRET]),
            Err(SignatureError::NoMatchingSignature),
            "{sig:?}"
        );
    }
    // The hex encoding of the right MAC is not accepted either.
    let hex_sig =
        "0694ab7eb6a171d3d24b14af2d6f8297 19f027f0573a6d62c87ff86ab33b8874".replace(' ', "");
    assert_eq!(
        verify_app(Some(&hex_sig), Some(TS_MS_TEXT), BODY, &[APP_SECRET]),
        Err(SignatureError::NoMatchingSignature)
    );
    // A SHA-1 rule signature in an application webhook has the wrong length.
    assert_eq!(
        verify_app(Some(RULE_SIG), Some(TS_MS_TEXT), BODY, &[RULE_SECRET]),
        Err(SignatureError::NoMatchingSignature)
    );
}

#[test]
fn rotation() {
    let new = "new_app_secret";
    let sig = front::sign_app(APP_SECRET.as_bytes(), TS_MS, BODY);
    assert_eq!(
        verify_app(Some(&sig), Some(TS_MS_TEXT), BODY, &[new, APP_SECRET]).map(|v| v.secret_index),
        Ok(1)
    );
    assert_eq!(
        verify_app(Some(&sig), Some(TS_MS_TEXT), BODY, &[new]),
        Err(SignatureError::NoMatchingSignature)
    );
    assert_eq!(
        front::verify_rule(Some(RULE_SIG), BODY, &["new_api_secret", RULE_SECRET]),
        Ok(1)
    );
    assert_eq!(
        front::verify_rule(Some(RULE_SIG), BODY, &["new_api_secret"]),
        Err(SignatureError::NoMatchingSignature)
    );
}

#[test]
fn rule_negative_cases() {
    let reserialised = br#"{"type":"inbound_received", "authorization":{"id":"cmp_123"},"payload":{"id":"evt_1"}}"#;
    for body in [one_byte_changed(BODY), reserialised.to_vec()] {
        assert_eq!(
            front::verify_rule(Some(RULE_SIG), &body, &[RULE_SECRET]),
            Err(SignatureError::NoMatchingSignature)
        );
    }
    assert_eq!(
        front::verify_rule(Some(RULE_SIG), BODY, &[APP_SECRET]),
        Err(SignatureError::NoMatchingSignature)
    );
    assert_eq!(
        front::verify_rule(None, BODY, &[RULE_SECRET]),
        Err(SignatureError::MissingHeader("x-front-signature"))
    );
    assert_eq!(
        front::verify_rule(Some(""), BODY, &[RULE_SECRET]),
        Err(SignatureError::MalformedHeader("empty signature"))
    );
}

#[test]
fn secret_configuration_errors() {
    let none: [&str; 0] = [];
    assert_eq!(
        verify_app(Some(APP_SIG), Some(TS_MS_TEXT), BODY, &none),
        Err(SignatureError::NoSecretConfigured)
    );
    assert_eq!(
        front::verify_rule(Some(RULE_SIG), BODY, &none),
        Err(SignatureError::NoSecretConfigured)
    );
    assert!(matches!(
        verify_app(Some(APP_SIG), Some(TS_MS_TEXT), BODY, &[""]),
        Err(SignatureError::InvalidSecret(_))
    ));
    assert!(matches!(
        front::verify_rule(Some(RULE_SIG), BODY, &[""]),
        Err(SignatureError::InvalidSecret(_))
    ));
}

#[test]
fn utf8_bodies_round_trip() {
    let body = "{\"subject\":\"Grüße 👋\",\"text\":\"naïve café — 東京\"}".as_bytes();
    let sig = front::sign_app(APP_SECRET.as_bytes(), TS_MS, body);
    assert!(verify_app(Some(&sig), Some(TS_MS_TEXT), body, &[APP_SECRET]).is_ok());
    let rule = front::sign_rule(RULE_SECRET.as_bytes(), body);
    assert_eq!(front::verify_rule(Some(&rule), body, &[RULE_SECRET]), Ok(0));
}
