//! Slack `v0` signatures.

use support_signing::{slack, FixedClock, SignatureError, Verified};

use crate::common::{bad_hex_signatures, one_byte_changed, BAD_TIMESTAMPS};

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const TS: i64 = 1_531_420_618;
const TS_TEXT: &str = "1531420618";
const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

fn verify(
    sig: Option<&str>,
    ts: Option<&str>,
    body: &[u8],
    secrets: &[&str],
) -> Result<Verified, SignatureError> {
    slack::verify(sig, ts, body, secrets, &FixedClock::from_secs(TS))
}

#[test]
fn official_vector() {
    assert_eq!(slack::sign(SECRET.as_bytes(), TS, BODY), SIG);
    assert_eq!(
        verify(Some(SIG), Some(TS_TEXT), BODY, &[SECRET]),
        Ok(Verified {
            secret_index: 0,
            timestamp: TS
        })
    );
    assert_eq!(
        verify(
            Some(&SIG.to_uppercase().replace("V0=", "v0=")),
            Some(TS_TEXT),
            BODY,
            &[SECRET]
        )
        .map(|v| v.secret_index),
        Ok(0)
    );
}

#[test]
fn header_names() {
    assert_eq!(slack::SIGNATURE_HEADER, "x-slack-signature");
    assert_eq!(slack::TIMESTAMP_HEADER, "x-slack-request-timestamp");
}

#[test]
fn tampered_body_wrong_secret_and_wrong_timestamp() {
    let reordered = b"team_id=T1DC2JH3J&token=xyzz0WbapA4vBCDEFasx0q6G";
    for body in [
        one_byte_changed(BODY),
        reordered.to_vec(),
        [BODY, b"&x=1"].concat(),
    ] {
        assert_eq!(
            verify(Some(SIG), Some(TS_TEXT), &body, &[SECRET]),
            Err(SignatureError::NoMatchingSignature)
        );
    }
    assert_eq!(
        verify(Some(SIG), Some(TS_TEXT), BODY, &["wrong"]),
        Err(SignatureError::NoMatchingSignature)
    );
    let clock = FixedClock::from_secs(TS);
    assert_eq!(
        slack::verify(Some(SIG), Some("1531420619"), BODY, &[SECRET], &clock),
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
        let result = slack::verify(
            Some(SIG),
            Some(TS_TEXT),
            BODY,
            &[SECRET],
            &FixedClock::from_secs(now),
        );
        assert_eq!(result.map(|_| ()), expected, "now = ts {:+}", now - TS);
    }
}

#[test]
fn malformed_and_missing() {
    assert_eq!(
        verify(None, Some(TS_TEXT), BODY, &[SECRET]),
        Err(SignatureError::MissingHeader("x-slack-signature"))
    );
    assert_eq!(
        verify(Some(SIG), None, BODY, &[SECRET]),
        Err(SignatureError::MissingHeader("x-slack-request-timestamp"))
    );
    let bare = &SIG[3..];
    for sig in ["", "garbage", bare, "v1=abcd", "V0=abcd", " v0=abcd"] {
        assert_eq!(
            verify(Some(sig), Some(TS_TEXT), BODY, &[SECRET]),
            Err(SignatureError::MalformedHeader("missing v0= prefix")),
            "{sig:?}"
        );
    }
}

#[test]
fn non_numeric_timestamps() {
    for ts in BAD_TIMESTAMPS {
        assert_eq!(
            verify(Some(SIG), Some(ts), BODY, &[SECRET]),
            Err(SignatureError::InvalidTimestamp),
            "{ts:?}"
        );
    }
}

#[test]
fn wrong_shape_signatures() {
    for sig in bad_hex_signatures(&SIG[3..]) {
        let header = format!("v0={sig}");
        assert_eq!(
            verify(Some(&header), Some(TS_TEXT), BODY, &[SECRET]),
            Err(SignatureError::NoMatchingSignature),
            "{header:?}"
        );
    }
    // Slack sends one signature: a second value is not a list.
    let two = format!("{SIG},{SIG}");
    assert_eq!(
        verify(Some(&two), Some(TS_TEXT), BODY, &[SECRET]),
        Err(SignatureError::NoMatchingSignature)
    );
}

#[test]
fn rotation_and_secret_errors() {
    assert_eq!(
        verify(Some(SIG), Some(TS_TEXT), BODY, &["new", SECRET]).map(|v| v.secret_index),
        Ok(1)
    );
    assert_eq!(
        verify(Some(SIG), Some(TS_TEXT), BODY, &["new"]),
        Err(SignatureError::NoMatchingSignature)
    );
    let none: [&str; 0] = [];
    assert_eq!(
        verify(Some(SIG), Some(TS_TEXT), BODY, &none),
        Err(SignatureError::NoSecretConfigured)
    );
    assert!(matches!(
        verify(Some(SIG), Some(TS_TEXT), BODY, &[""]),
        Err(SignatureError::InvalidSecret(_))
    ));
}

#[test]
fn utf8_body_and_millisecond_confusion() {
    let body = "text=caf%C3%A9 ☕ über&user_name=Zoë".as_bytes();
    let sig = slack::sign(SECRET.as_bytes(), TS, body);
    assert!(verify(Some(&sig), Some(TS_TEXT), body, &[SECRET]).is_ok());

    let ms = TS * 1000;
    let sig = slack::sign(SECRET.as_bytes(), ms, BODY);
    assert_eq!(
        verify(Some(&sig), Some(&ms.to_string()), BODY, &[SECRET]),
        Err(SignatureError::TimestampInFuture)
    );
}
