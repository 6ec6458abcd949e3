//! `X-Support-Signature`.

use support_signing::{sdk, Clock, FixedClock, SignatureError, Tolerance, Verified};

use crate::common::{bad_hex_signatures, bad_list_timestamps, one_byte_changed};

const SECRET: &str = "whsec-sdk-test";
const OLD_SECRET: &str = "whsec-sdk-old";
const TS: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"action":"lookupUser","email":"a@b.c"}"#;
/// python3: hmac.new(b"whsec-sdk-test", b'1700000000.{"action":"lookupUser","email":"a@b.c"}', sha256).hexdigest()
const GOLDEN: &str = "6abdea3639bc7516185eccf6cea789bbf638ad55c89c3cdbb1f98a1b847bbcbc";

fn at(secs: i64) -> FixedClock {
    FixedClock::from_secs(secs)
}

fn header_with(sigs: &[&str]) -> String {
    let mut header = format!("timestamp={TS}");
    for sig in sigs {
        header.push_str(",v1=");
        header.push_str(sig);
    }
    header
}

fn verify(header: &str, body: &[u8], secrets: &[&str]) -> Result<Verified, SignatureError> {
    sdk::verify(Some(header), body, secrets, &at(TS))
}

#[test]
fn golden_vector() {
    assert_eq!(
        sdk::sign(SECRET.as_bytes(), TS, BODY),
        format!("timestamp={TS},v1={GOLDEN}")
    );
    assert_eq!(
        verify(&header_with(&[GOLDEN]), BODY, &[SECRET]),
        Ok(Verified {
            secret_index: 0,
            timestamp: TS
        })
    );
}

#[test]
fn header_name_is_lowercase() {
    assert_eq!(sdk::HEADER, "x-support-signature");
}

#[test]
fn uppercase_hex_whitespace_and_unknown_keys_are_accepted() {
    let upper = GOLDEN.to_uppercase();
    for header in [
        header_with(&[&upper]),
        format!(" timestamp={TS} , v1={GOLDEN} "),
        format!("v0=abc,timestamp={TS},v2=def,v1={GOLDEN}"),
        format!("v1={GOLDEN},timestamp={TS}"),
        format!("timestamp={TS},,v1={GOLDEN},"),
    ] {
        assert_eq!(
            verify(&header, BODY, &[SECRET]).map(|v| v.secret_index),
            Ok(0),
            "{header}"
        );
    }
}

#[test]
fn several_v1_values_with_one_valid() {
    let wrong = sdk::sign(b"other", TS, BODY);
    let wrong = wrong.rsplit("v1=").next().unwrap();
    for sigs in [
        vec![wrong, GOLDEN],
        vec!["deadbeef", GOLDEN, "zz"],
        vec![GOLDEN, wrong],
    ] {
        assert!(
            verify(&header_with(&sigs), BODY, &[SECRET]).is_ok(),
            "{sigs:?}"
        );
    }
    assert_eq!(
        verify(&header_with(&[wrong, "deadbeef"]), BODY, &[SECRET]),
        Err(SignatureError::NoMatchingSignature)
    );
}

#[test]
fn tampered_body_is_rejected() {
    let reserialised = br#"{"action": "lookupUser", "email": "a@b.c"}"#;
    let reordered = br#"{"email":"a@b.c","action":"lookupUser"}"#;
    let trailing_newline = [BODY, b"\n"].concat();
    for body in [
        one_byte_changed(BODY),
        reserialised.to_vec(),
        reordered.to_vec(),
        trailing_newline,
        Vec::new(),
    ] {
        assert_eq!(
            verify(&header_with(&[GOLDEN]), &body, &[SECRET]),
            Err(SignatureError::NoMatchingSignature)
        );
    }
}

#[test]
fn wrong_secret_is_rejected() {
    for secret in ["whsec-sdk-tesT", "whsec-sdk-test ", "other"] {
        assert_eq!(
            verify(&header_with(&[GOLDEN]), BODY, &[secret]),
            Err(SignatureError::NoMatchingSignature)
        );
    }
}

#[test]
fn tolerance_is_two_sided_and_inclusive() {
    let header = header_with(&[GOLDEN]);
    let cases = [
        (TS + 300, Ok(())),
        (TS - 300, Ok(())),
        (TS, Ok(())),
        (TS + 301, Err(SignatureError::TimestampTooOld)),
        (TS - 301, Err(SignatureError::TimestampInFuture)),
        (TS + 86_400, Err(SignatureError::TimestampTooOld)),
    ];
    for (now, expected) in cases {
        let result = sdk::verify(Some(&header), BODY, &[SECRET], &at(now)).map(|_| ());
        assert_eq!(result, expected, "now = ts {:+}", now - TS);
    }
    // Millisecond precision: 300.999 s later still rounds to 300 s.
    assert!(sdk::verify(
        Some(&header),
        BODY,
        &[SECRET],
        &FixedClock((TS + 300) * 1000 + 999)
    )
    .is_ok());
}

#[test]
fn custom_tolerance() {
    let header = header_with(&[GOLDEN]);
    let tight = Tolerance::from_secs(10);
    assert!(
        sdk::verify_with_tolerance(Some(&header), BODY, &[SECRET], &at(TS + 10), tight).is_ok()
    );
    assert_eq!(
        sdk::verify_with_tolerance(Some(&header), BODY, &[SECRET], &at(TS + 11), tight),
        Err(SignatureError::TimestampTooOld)
    );
    assert_eq!(
        sdk::verify_with_tolerance(
            Some(&header),
            BODY,
            &[SECRET],
            &at(TS - 1),
            Tolerance::from_secs(-5)
        ),
        Err(SignatureError::TimestampInFuture)
    );
    assert_eq!(Tolerance::default().as_secs(), 300);
    assert_eq!(Tolerance::DEFAULT.as_millis(), 300_000);
}

#[test]
fn stale_check_comes_before_the_mac() {
    // A stale request with a bad signature reports the timestamp problem.
    let header = header_with(&["00"]);
    assert_eq!(
        sdk::verify(Some(&header), BODY, &[SECRET], &at(TS + 301)),
        Err(SignatureError::TimestampTooOld)
    );
}

#[test]
fn malformed_headers() {
    let cases: &[(&str, &str)] = &[
        ("", "missing timestamp"),
        ("   ", "missing timestamp"),
        ("garbage", "missing timestamp"),
        ("timestamp=", "missing v1"),
        ("timestamp=1700000000", "missing v1"),
        ("v1=abcd", "missing timestamp"),
        ("v0=abcd,v2=abcd", "missing timestamp"),
        ("timestamp=1700000000,v0=abcd", "missing v1"),
        ("timestamp=1700000000;v1=abcd", "missing v1"),
        ("t=1700000000,v1=abcd", "missing timestamp"),
        ("Timestamp=1700000000,v1=abcd", "missing timestamp"),
        (
            "timestamp=1700000000,timestamp=1700000000,v1=abcd",
            "duplicate timestamp",
        ),
        ("timestamp=1,v1=abcd,timestamp=2", "duplicate timestamp"),
    ];
    for (header, why) in cases {
        assert_eq!(
            verify(header, BODY, &[SECRET]),
            Err(SignatureError::MalformedHeader(why)),
            "{header:?}"
        );
    }
    assert_eq!(
        SignatureError::MalformedHeader("missing v1").to_string(),
        "signature header is malformed: missing v1"
    );
}

#[test]
fn duplicate_timestamp_is_malformed_even_when_a_signature_matches() {
    let header = format!("timestamp={TS},timestamp={TS},v1={GOLDEN}");
    assert_eq!(
        verify(&header, BODY, &[SECRET]),
        Err(SignatureError::MalformedHeader("duplicate timestamp"))
    );
}

#[test]
fn non_numeric_timestamps() {
    for ts in bad_list_timestamps() {
        let header = format!("timestamp={ts},v1={GOLDEN}");
        assert_eq!(
            verify(&header, BODY, &[SECRET]),
            Err(SignatureError::InvalidTimestamp),
            "{ts:?}"
        );
    }
}

#[test]
fn wrong_shape_signatures_are_mismatches_not_panics() {
    for sig in bad_hex_signatures(GOLDEN) {
        assert_eq!(
            verify(&header_with(&[&sig]), BODY, &[SECRET]),
            Err(SignatureError::NoMatchingSignature),
            "{sig:?}"
        );
    }
}

#[test]
fn missing_header() {
    assert_eq!(
        sdk::verify(None, BODY, &[SECRET], &at(TS)),
        Err(SignatureError::MissingHeader("x-support-signature"))
    );
}

#[test]
fn rotation_reports_the_matching_secret() {
    let signed_with_old = sdk::sign(OLD_SECRET.as_bytes(), TS, BODY);
    assert_eq!(
        verify(&signed_with_old, BODY, &[SECRET, OLD_SECRET]),
        Ok(Verified {
            secret_index: 1,
            timestamp: TS
        })
    );
    assert_eq!(
        verify(&signed_with_old, BODY, &[SECRET]),
        Err(SignatureError::NoMatchingSignature)
    );
    let signed_with_new = sdk::sign(SECRET.as_bytes(), TS, BODY);
    assert_eq!(
        verify(&signed_with_new, BODY, &[SECRET, OLD_SECRET]).map(|v| v.secret_index),
        Ok(0)
    );
}

#[test]
fn secrets_accept_bytes_strings_and_vecs() {
    let header = header_with(&[GOLDEN]);
    let owned: Vec<Vec<u8>> = vec![b"x".to_vec(), SECRET.as_bytes().to_vec()];
    assert_eq!(
        sdk::verify(Some(&header), BODY, &owned, &at(TS)).map(|v| v.secret_index),
        Ok(1)
    );
    let strings = vec![String::from(SECRET)];
    assert!(sdk::verify(Some(&header), BODY, &strings, &at(TS)).is_ok());
    assert!(sdk::verify(Some(&header), BODY, &[SECRET.as_bytes()], &at(TS)).is_ok());
}

#[test]
fn secret_configuration_errors() {
    let header = header_with(&[GOLDEN]);
    let none: [&str; 0] = [];
    assert_eq!(
        verify(&header, BODY, &none),
        Err(SignatureError::NoSecretConfigured)
    );
    assert_eq!(
        verify(&header, BODY, &[""]),
        Err(SignatureError::InvalidSecret("secret is empty"))
    );
    assert_eq!(
        verify(&header, BODY, &[SECRET, ""]),
        Err(SignatureError::InvalidSecret("secret is empty"))
    );
    // Configuration is checked before the request.
    assert_eq!(
        sdk::verify(None, BODY, &none, &at(TS)),
        Err(SignatureError::NoSecretConfigured)
    );
}

#[test]
fn utf8_and_binary_bodies_round_trip() {
    let bodies: [&[u8]; 5] = [
        "{\"name\":\"Zoë 🚀 — ünïcödé\",\"note\":\"a,b=c;d\\n\"}".as_bytes(),
        b"timestamp=1,v1=00",
        b"\x00\xff\xfe binary",
        b"",
        "日本語".as_bytes(),
    ];
    for body in bodies {
        let header = sdk::sign(SECRET.as_bytes(), TS, body);
        assert!(verify(&header, body, &[SECRET]).is_ok(), "{body:?}");
    }
}

#[test]
fn millisecond_timestamp_is_in_the_future() {
    let header = sdk::sign(SECRET.as_bytes(), TS * 1000, BODY);
    assert_eq!(
        verify(&header, BODY, &[SECRET]),
        Err(SignatureError::TimestampInFuture)
    );
}

#[test]
fn works_with_shared_and_borrowed_clocks() {
    use std::sync::Arc;
    let header = header_with(&[GOLDEN]);
    let shared: Arc<dyn Clock + Send + Sync> = Arc::new(at(TS));
    assert!(sdk::verify(Some(&header), BODY, &[SECRET], &*shared).is_ok());
    assert!(sdk::verify(Some(&header), BODY, &[SECRET], &shared).is_ok());
    let boxed: Box<dyn Clock> = Box::new(at(TS));
    assert!(sdk::verify(Some(&header), BODY, &[SECRET], &boxed).is_ok());
}

#[test]
fn errors_never_leak_secrets_or_signatures() {
    let header = header_with(&[GOLDEN]);
    let errors = [
        verify(&header, b"x", &[SECRET]),
        verify("timestamp=abc,v1=00", BODY, &[SECRET]),
        verify(&header, BODY, &[""]),
    ];
    for err in errors {
        let message = err.unwrap_err().to_string();
        assert!(
            !message.contains(SECRET) && !message.contains(GOLDEN),
            "{message}"
        );
    }
}

#[test]
fn whitespace_around_items_is_trimmed_but_not_inside_values() {
    // `timestamp=123 ` is the item `timestamp=123` plus trailing space: valid
    // (and far too old). `timestamp= 123` has a value starting with a space: invalid.
    assert_eq!(
        verify(&format!("timestamp=123 ,v1={GOLDEN}"), BODY, &[SECRET]),
        Err(SignatureError::TimestampTooOld)
    );
    assert_eq!(
        verify(&format!("timestamp= 123,v1={GOLDEN}"), BODY, &[SECRET]),
        Err(SignatureError::InvalidTimestamp)
    );
}
