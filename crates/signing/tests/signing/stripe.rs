//! `Stripe-Signature`.

use support_signing::{stripe, FixedClock, SignatureError, Verified};

use crate::common::{bad_hex_signatures, bad_list_timestamps, one_byte_changed};

const SECRET: &str = "whsec_test_secret";
const TS: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"id":"evt_test","object":"event","type":"charge.refunded"}"#;
const V1: &str = "8d4e2fb231fb0a725df78fd9375eaa5c41ea381c6c58b990507b10750fcf19af";

fn header() -> String {
    format!("t={TS},v1={V1}")
}

fn verify(header: &str, body: &[u8], secrets: &[&str]) -> Result<Verified, SignatureError> {
    stripe::verify(Some(header), body, secrets, &FixedClock::from_secs(TS))
}

#[test]
fn vector() {
    assert_eq!(stripe::sign(SECRET.as_bytes(), TS, BODY), header());
    assert_eq!(
        verify(&header(), BODY, &[SECRET]),
        Ok(Verified {
            secret_index: 0,
            timestamp: TS
        })
    );
    assert_eq!(stripe::HEADER, "stripe-signature");
}

#[test]
fn extra_v1_v0_and_unknown_items_are_tolerated() {
    for header in [
        format!("t={TS},v1={V1},v1=deadbeef"),
        format!("t={TS},v1=deadbeef,v1={V1}"),
        format!(
            "t={TS},v1={V1},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
        ),
        format!("t={TS},v0=00,v1=deadbeef,v1={V1},scheme=x"),
        format!("v1={V1},t={TS}"),
        format!("t={TS}, v1={}", V1.to_uppercase()),
    ] {
        assert!(verify(&header, BODY, &[SECRET]).is_ok(), "{header}");
    }
}

#[test]
fn the_whole_secret_string_is_the_key() {
    // The key includes `whsec_` and is not base64-decoded.
    assert_eq!(
        verify(&header(), BODY, &["test_secret"]),
        Err(SignatureError::NoMatchingSignature)
    );
}

#[test]
fn tampered_body_and_wrong_secret() {
    let pretty =
        b"{\n  \"id\": \"evt_test\",\n  \"object\": \"event\",\n  \"type\": \"charge.refunded\"\n}";
    for body in [one_byte_changed(BODY), pretty.to_vec()] {
        assert_eq!(
            verify(&header(), &body, &[SECRET]),
            Err(SignatureError::NoMatchingSignature)
        );
    }
    assert_eq!(
        verify(&header(), BODY, &["whsec_other"]),
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
        let result = stripe::verify(
            Some(&header()),
            BODY,
            &[SECRET],
            &FixedClock::from_secs(now),
        );
        assert_eq!(result.map(|_| ()), expected, "now = ts {:+}", now - TS);
    }
}

#[test]
fn malformed_headers() {
    let cases: &[(String, &str)] = &[
        (String::new(), "missing t"),
        ("garbage".into(), "missing t"),
        (format!("t={TS}"), "missing v1"),
        (format!("t={TS},v0={V1}"), "missing v1"),
        (format!("v1={V1}"), "missing t"),
        (format!("timestamp={TS},v1={V1}"), "missing t"),
        (format!("t={TS},t={TS},v1={V1}"), "duplicate t"),
    ];
    for (header, why) in cases {
        assert_eq!(
            verify(header, BODY, &[SECRET]),
            Err(SignatureError::MalformedHeader(why)),
            "{header:?}"
        );
    }
    assert_eq!(
        stripe::verify(None, BODY, &[SECRET], &FixedClock::from_secs(TS)),
        Err(SignatureError::MissingHeader("stripe-signature"))
    );
}

#[test]
fn non_numeric_timestamps_and_bad_signatures() {
    for ts in bad_list_timestamps() {
        assert_eq!(
            verify(&format!("t={ts},v1={V1}"), BODY, &[SECRET]),
            Err(SignatureError::InvalidTimestamp),
            "{ts:?}"
        );
    }
    for sig in bad_hex_signatures(V1) {
        assert_eq!(
            verify(&format!("t={TS},v1={sig}"), BODY, &[SECRET]),
            Err(SignatureError::NoMatchingSignature),
            "{sig:?}"
        );
    }
}

#[test]
fn rotation_and_secret_errors() {
    assert_eq!(
        verify(&header(), BODY, &["whsec_new", SECRET]).map(|v| v.secret_index),
        Ok(1)
    );
    assert_eq!(
        verify(&header(), BODY, &["whsec_new"]),
        Err(SignatureError::NoMatchingSignature)
    );
    let none: [&str; 0] = [];
    assert_eq!(
        verify(&header(), BODY, &none),
        Err(SignatureError::NoSecretConfigured)
    );
    assert!(matches!(
        verify(&header(), BODY, &[""]),
        Err(SignatureError::InvalidSecret(_))
    ));
}

#[test]
fn utf8_body_and_millisecond_confusion() {
    let body = r#"{"description":"Remboursé — 返金 ✓"}"#.as_bytes();
    assert!(verify(&stripe::sign(SECRET.as_bytes(), TS, body), body, &[SECRET]).is_ok());
    assert_eq!(
        verify(
            &stripe::sign(SECRET.as_bytes(), TS * 1000, BODY),
            BODY,
            &[SECRET]
        ),
        Err(SignatureError::TimestampInFuture)
    );
}
