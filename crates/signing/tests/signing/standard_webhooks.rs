//! Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).

use support_signing::{standard_webhooks as sw, FixedClock, SignatureError, Verified};

use crate::common::{one_byte_changed, BAD_TIMESTAMPS};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS: i64 = 1_614_265_330;
const TS_TEXT: &str = "1614265330";
const BODY: &[u8] = br#"{"test": 2432232314}"#;
const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

fn verify(
    id: Option<&str>,
    ts: Option<&str>,
    sig: Option<&str>,
    body: &[u8],
    secrets: &[&str],
) -> Result<Verified, SignatureError> {
    sw::verify(id, ts, sig, body, secrets, &FixedClock::from_secs(TS))
}

fn verify_sig(sig: &str) -> Result<Verified, SignatureError> {
    verify(Some(ID), Some(TS_TEXT), Some(sig), BODY, &[SECRET])
}

#[test]
fn vectors() {
    assert_eq!(sw::sign(SECRET, ID, TS, BODY).as_deref(), Ok(SIG));
    assert_eq!(
        verify_sig(SIG),
        Ok(Verified {
            secret_index: 0,
            timestamp: TS
        })
    );

    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let ts = 1_649_367_553;
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    let sig = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
    assert_eq!(sw::sign(secret, id, ts, body).as_deref(), Ok(sig));
    let clock = FixedClock::from_secs(ts);
    assert!(sw::verify(
        Some(id),
        Some("1649367553"),
        Some(sig),
        body,
        &[secret],
        &clock
    )
    .is_ok());
}

#[test]
fn header_names() {
    assert_eq!(
        (sw::ID_HEADER, sw::TIMESTAMP_HEADER, sw::SIGNATURE_HEADER),
        ("webhook-id", "webhook-timestamp", "webhook-signature")
    );
}

#[test]
fn negative_tokens_fail() {
    for token in [
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        "v1,",
        "v1,dawfeoifkpqwoekfpqoekf",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ",
        "v1,!!!!",
        "v1,836b0cf5",
    ] {
        assert_eq!(
            verify_sig(token),
            Err(SignatureError::NoMatchingSignature),
            "{token}"
        );
    }
}

#[test]
fn secret_with_or_without_prefix() {
    let bare = SECRET.strip_prefix("whsec_").unwrap();
    assert_eq!(sw::sign(bare, ID, TS, BODY).as_deref(), Ok(SIG));
    assert!(verify(Some(ID), Some(TS_TEXT), Some(SIG), BODY, &[bare]).is_ok());
    assert_eq!(sw::decode_secret(SECRET), sw::decode_secret(bare));
}

#[test]
fn other_versions_are_ignored() {
    for header in [
        format!("v1a,xxx v2,yyy {SIG}"),
        format!("{SIG} v1a,xxx"),
        format!("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {SIG}"),
        format!("  {SIG}  "),
        format!("garbage {SIG}"),
    ] {
        assert!(verify_sig(&header).is_ok(), "{header}");
    }
    // The right MAC under another version label is not a v1 signature.
    let relabelled = SIG.replacen("v1,", "v2,", 1);
    assert_eq!(
        verify_sig(&relabelled),
        Err(SignatureError::MalformedHeader("missing v1"))
    );
    for header in ["", "   ", "garbage", "v1a,xxx v2,yyy", "v1:abc", "V1,abc"] {
        assert_eq!(
            verify_sig(header),
            Err(SignatureError::MalformedHeader("missing v1")),
            "{header:?}"
        );
    }
}

#[test]
fn tampered_content() {
    let spaced = br#"{"test":2432232314}"#;
    for body in [one_byte_changed(BODY), spaced.to_vec()] {
        assert_eq!(
            verify(Some(ID), Some(TS_TEXT), Some(SIG), &body, &[SECRET]),
            Err(SignatureError::NoMatchingSignature)
        );
    }
    // The id is signed too.
    assert_eq!(
        verify(Some("msg_other"), Some(TS_TEXT), Some(SIG), BODY, &[SECRET]),
        Err(SignatureError::NoMatchingSignature)
    );
    assert_eq!(
        verify(
            Some(ID),
            Some(TS_TEXT),
            Some(SIG),
            BODY,
            &["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"]
        ),
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
        let result = sw::verify(
            Some(ID),
            Some(TS_TEXT),
            Some(SIG),
            BODY,
            &[SECRET],
            &FixedClock::from_secs(now),
        );
        assert_eq!(result.map(|_| ()), expected, "now = ts {:+}", now - TS);
    }
}

#[test]
fn missing_and_malformed_headers() {
    assert_eq!(
        verify(None, Some(TS_TEXT), Some(SIG), BODY, &[SECRET]),
        Err(SignatureError::MissingHeader("webhook-id"))
    );
    assert_eq!(
        verify(Some(ID), None, Some(SIG), BODY, &[SECRET]),
        Err(SignatureError::MissingHeader("webhook-timestamp"))
    );
    assert_eq!(
        verify(Some(ID), Some(TS_TEXT), None, BODY, &[SECRET]),
        Err(SignatureError::MissingHeader("webhook-signature"))
    );
    assert_eq!(
        verify(Some(""), Some(TS_TEXT), Some(SIG), BODY, &[SECRET]),
        Err(SignatureError::MalformedHeader("empty webhook-id"))
    );
    for ts in BAD_TIMESTAMPS {
        assert_eq!(
            verify(Some(ID), Some(ts), Some(SIG), BODY, &[SECRET]),
            Err(SignatureError::InvalidTimestamp),
            "{ts:?}"
        );
    }
}

#[test]
fn invalid_secrets() {
    for secret in ["", "whsec_", "whsec_not base64!", "whsec_abc", "%%%%"] {
        assert!(
            matches!(
                sw::sign(secret, ID, TS, BODY),
                Err(SignatureError::InvalidSecret(_))
            ),
            "{secret:?}"
        );
        assert!(
            matches!(
                verify(Some(ID), Some(TS_TEXT), Some(SIG), BODY, &[secret]),
                Err(SignatureError::InvalidSecret(_))
            ),
            "{secret:?}"
        );
    }
    assert_eq!(
        sw::decode_secret("whsec_"),
        Err(SignatureError::InvalidSecret("secret is empty"))
    );
    assert_eq!(
        sw::decode_secret("whsec_abc"),
        Err(SignatureError::InvalidSecret("secret is not valid base64"))
    );
    let none: [&str; 0] = [];
    assert_eq!(
        verify(Some(ID), Some(TS_TEXT), Some(SIG), BODY, &none),
        Err(SignatureError::NoSecretConfigured)
    );
}

#[test]
fn rotation() {
    let new = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    assert_eq!(
        verify(Some(ID), Some(TS_TEXT), Some(SIG), BODY, &[new, SECRET]).map(|v| v.secret_index),
        Ok(1)
    );
    assert_eq!(
        verify(Some(ID), Some(TS_TEXT), Some(SIG), BODY, &[new]),
        Err(SignatureError::NoMatchingSignature)
    );
    let owned = vec![String::from(new), String::from(SECRET)];
    let clock = FixedClock::from_secs(TS);
    assert_eq!(
        sw::verify(Some(ID), Some(TS_TEXT), Some(SIG), BODY, &owned, &clock)
            .map(|v| v.secret_index),
        Ok(1)
    );
}

#[test]
fn utf8_body_and_millisecond_confusion() {
    let body = r#"{"name":"Jürgen 🎉","city":"São Paulo"}"#.as_bytes();
    let sig = sw::sign(SECRET, ID, TS, body).unwrap();
    assert!(verify(Some(ID), Some(TS_TEXT), Some(&sig), body, &[SECRET]).is_ok());
    let ms = (TS * 1000).to_string();
    let sig = sw::sign(SECRET, ID, TS * 1000, BODY).unwrap();
    assert_eq!(
        verify(Some(ID), Some(&ms), Some(&sig), BODY, &[SECRET]),
        Err(SignatureError::TimestampInFuture)
    );
}
