//! One table of cases, run against every scheme.
//!
//! [`SCHEMES`] has one row per scheme: how to sign a request, how to call its
//! `verify`, and the few results that are the scheme's own (header names,
//! malformed values, the empty-secret message). [`cases`] builds the same
//! cases for each of them, each with the exact result expected. A new scheme
//! gets every case by adding one row to [`SCHEMES`]; a new case is one more row
//! in [`cases`].

use support_signing::{
    front, inngest, sdk, slack, standard_webhooks as sw, stripe, FixedClock, SignatureError,
    Verified,
};

use crate::common::one_byte_changed;

/// Header values, in the order the scheme's `verify` takes them.
type Headers = Vec<Option<String>>;

/// What a `verify` call returned: the index of the matching secret and, for a
/// scheme with timestamps, the verified timestamp.
type Outcome = Result<(usize, Option<i64>), SignatureError>;

/// A scheme under test.
struct Scheme {
    name: &'static str,
    /// The names of the headers, in the order of [`Headers`].
    headers: &'static [&'static str],
    /// `[current, previous]`: two different, valid secrets.
    secrets: [&'static str; 2],
    /// `Some((header index, milliseconds per unit))` for a scheme with a
    /// timestamp: which header carries it, and its unit (1000 for seconds).
    timestamp: Option<(usize, i64)>,
    /// The headers of a request signed with `secret` at `timestamp` (in the
    /// scheme's unit).
    sign: fn(secret: &str, timestamp: i64, body: &[u8]) -> Headers,
    verify: fn(headers: &Headers, body: &[u8], secrets: &[&str], clock: &FixedClock) -> Outcome,
    /// Header values that do not parse: `(header index, value, reason)`.
    malformed: &'static [(usize, &'static str, &'static str)],
    /// What an empty secret is reported as.
    empty_secret: SignatureError,
}

fn timed(verified: Verified) -> (usize, Option<i64>) {
    (verified.secret_index, Some(verified.timestamp))
}

fn header(headers: &Headers, index: usize) -> Option<&str> {
    headers[index].as_deref()
}

const SW_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";

const SCHEMES: &[Scheme] = &[
    Scheme {
        name: "sdk",
        headers: &[sdk::HEADER],
        secrets: ["sdk-current", "sdk-previous"],
        timestamp: Some((0, 1000)),
        sign: |secret, ts, body| vec![Some(sdk::sign(secret.as_bytes(), ts, body))],
        verify: |h, body, secrets, clock| {
            sdk::verify(header(h, 0), body, secrets, clock).map(timed)
        },
        malformed: &[
            (0, "garbage", "missing timestamp"),
            (0, "timestamp=1700000000", "missing v1"),
            (0, "timestamp=1,timestamp=1,v1=00", "duplicate timestamp"),
        ],
        empty_secret: SignatureError::InvalidSecret("secret is empty"),
    },
    Scheme {
        name: "front app",
        headers: &[front::SIGNATURE_HEADER, front::TIMESTAMP_HEADER],
        secrets: ["front-app-current", "front-app-previous"],
        timestamp: Some((1, 1)),
        sign: |secret, ts, body| {
            vec![
                Some(front::sign_app(secret.as_bytes(), ts, body)),
                Some(ts.to_string()),
            ]
        },
        verify: |h, body, secrets, clock| {
            front::verify_app(header(h, 0), header(h, 1), body, secrets, clock).map(timed)
        },
        malformed: &[(0, "", "empty signature")],
        empty_secret: SignatureError::InvalidSecret("secret is empty"),
    },
    Scheme {
        name: "front rule",
        headers: &[front::SIGNATURE_HEADER],
        secrets: ["front-rule-current", "front-rule-previous"],
        timestamp: None,
        sign: |secret, _, body| vec![Some(front::sign_rule(secret.as_bytes(), body))],
        verify: |h, body, secrets, _| {
            front::verify_rule(header(h, 0), body, secrets).map(|index| (index, None))
        },
        malformed: &[(0, "", "empty signature")],
        empty_secret: SignatureError::InvalidSecret("secret is empty"),
    },
    Scheme {
        name: "slack",
        headers: &[slack::SIGNATURE_HEADER, slack::TIMESTAMP_HEADER],
        secrets: ["slack-current", "slack-previous"],
        timestamp: Some((1, 1000)),
        sign: |secret, ts, body| {
            vec![
                Some(slack::sign(secret.as_bytes(), ts, body)),
                Some(ts.to_string()),
            ]
        },
        verify: |h, body, secrets, clock| {
            slack::verify(header(h, 0), header(h, 1), body, secrets, clock).map(timed)
        },
        malformed: &[
            (0, "garbage", "missing v0= prefix"),
            (0, "v1=00", "missing v0= prefix"),
        ],
        empty_secret: SignatureError::InvalidSecret("secret is empty"),
    },
    Scheme {
        name: "stripe",
        headers: &[stripe::HEADER],
        secrets: ["whsec_current", "whsec_previous"],
        timestamp: Some((0, 1000)),
        sign: |secret, ts, body| vec![Some(stripe::sign(secret.as_bytes(), ts, body))],
        verify: |h, body, secrets, clock| {
            stripe::verify(header(h, 0), body, secrets, clock).map(timed)
        },
        malformed: &[
            (0, "garbage", "missing t"),
            (0, "t=1700000000", "missing v1"),
            (0, "t=1,t=1,v1=00", "duplicate t"),
        ],
        empty_secret: SignatureError::InvalidSecret("secret is empty"),
    },
    Scheme {
        name: "standard webhooks",
        headers: &[sw::ID_HEADER, sw::TIMESTAMP_HEADER, sw::SIGNATURE_HEADER],
        secrets: [
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        ],
        timestamp: Some((1, 1000)),
        sign: |secret, ts, body| {
            vec![
                Some(SW_ID.to_owned()),
                Some(ts.to_string()),
                Some(sw::sign(secret, SW_ID, ts, body).expect("valid secret")),
            ]
        },
        verify: |h, body, secrets, clock| {
            sw::verify(
                header(h, 0),
                header(h, 1),
                header(h, 2),
                body,
                secrets,
                clock,
            )
            .map(timed)
        },
        malformed: &[
            (0, "", "empty webhook-id"),
            (2, "garbage", "missing v1"),
            (2, "v1a,abc v2,abc", "missing v1"),
        ],
        empty_secret: SignatureError::InvalidSecret("secret is empty"),
    },
    Scheme {
        name: "inngest",
        headers: &[inngest::HEADER],
        secrets: [
            "signkey-test-f00f3005a3666b359a79c2bc3380ce2715e62727ac461ae1a2618f8766029c9f",
            "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff",
        ],
        timestamp: Some((0, 1000)),
        sign: |secret, ts, body| vec![Some(inngest::sign(secret, ts, body))],
        verify: |h, body, secrets, clock| {
            inngest::verify(header(h, 0), body, secrets, clock).map(timed)
        },
        malformed: &[
            (0, "garbage", "missing t"),
            (0, "t=1700000000", "missing s"),
            (0, "t=1&t=1&s=00", "duplicate t"),
        ],
        empty_secret: SignatureError::InvalidSecret("signing key is empty"),
    },
];

const BODY: &[u8] = br#"{"event":"table","text":"caf\u00e9 \u2615"}"#;
/// The signing time, in milliseconds (every unit divides it).
const SIGNED_AT_MS: i64 = 1_700_000_000_000;
/// The default tolerance, in milliseconds.
const TOLERANCE_MS: i64 = 300_000;
/// Timestamps that are not plain decimal numbers. None has whitespace, which
/// `key=value` list headers would trim.
const NOT_NUMBERS: &[&str] = &[
    "abc",
    "-1",
    "+1",
    "1e9",
    "12.5",
    "0x10",
    "99999999999999999999",
];

/// One request and the exact result expected.
struct Case {
    name: String,
    headers: Headers,
    body: Vec<u8>,
    secrets: Vec<&'static str>,
    /// The clock, in the scheme's unit, relative to the signing time.
    now: i64,
    expected: Outcome,
}

impl Case {
    /// A request signed with the current secret, verified with `[current,
    /// previous]` at the signing time.
    fn new(scheme: &Scheme, name: impl Into<String>, expected: Outcome) -> Self {
        let (_, unit) = scheme.timestamp.unwrap_or((0, 1000));
        Case {
            name: name.into(),
            headers: (scheme.sign)(scheme.secrets[0], SIGNED_AT_MS / unit, BODY),
            body: BODY.to_vec(),
            secrets: scheme.secrets.to_vec(),
            now: 0,
            expected,
        }
    }

    fn signed_with_previous(mut self, scheme: &Scheme) -> Self {
        let (_, unit) = scheme.timestamp.unwrap_or((0, 1000));
        self.headers = (scheme.sign)(scheme.secrets[1], SIGNED_AT_MS / unit, BODY);
        self
    }

    fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    fn secrets(mut self, secrets: &[&'static str]) -> Self {
        self.secrets = secrets.to_vec();
        self
    }

    fn now(mut self, now: i64) -> Self {
        self.now = now;
        self
    }

    fn header(mut self, index: usize, value: Option<&str>) -> Self {
        self.headers[index] = value.map(str::to_owned);
        self
    }

    fn run(&self, scheme: &Scheme) -> Outcome {
        let (_, unit) = scheme.timestamp.unwrap_or((0, 1000));
        let clock = FixedClock(SIGNED_AT_MS + self.now * unit);
        (scheme.verify)(&self.headers, &self.body, &self.secrets, &clock)
    }
}

/// Every case for `scheme`, with its exact expected result.
fn cases(scheme: &Scheme) -> Vec<Case> {
    use SignatureError::*;
    let timestamp = scheme.timestamp.map(|(_, unit)| SIGNED_AT_MS / unit);
    let ok = |secret_index| Ok((secret_index, timestamp));
    // The tolerance in the scheme's unit, and what a timestamp outside it gives.
    // A scheme without a timestamp accepts a request at any time.
    let tolerance = scheme
        .timestamp
        .map_or(TOLERANCE_MS, |(_, unit)| TOLERANCE_MS / unit);
    let window = |error: SignatureError| match scheme.timestamp {
        Some(_) => Err(error),
        None => ok(0),
    };
    let [current, _] = scheme.secrets;
    let c = |name: &str, expected: Outcome| Case::new(scheme, name, expected);

    let mut cases = vec![
        c("valid", ok(0)),
        c("rotation: signed with the previous secret", ok(1)).signed_with_previous(scheme),
        c("tampered body", Err(NoMatchingSignature)).body(one_byte_changed(BODY)),
        c("empty body", Err(NoMatchingSignature)).body(Vec::new()),
        c("wrong secret", Err(NoMatchingSignature))
            .signed_with_previous(scheme)
            .secrets(&[current]),
        c("oldest accepted", ok(0)).now(tolerance),
        c("stale", window(TimestampTooOld)).now(tolerance + 1),
        c("newest accepted", ok(0)).now(-tolerance),
        c("future", window(TimestampInFuture)).now(-tolerance - 1),
        c("empty secrets", Err(NoSecretConfigured)).secrets(&[]),
        c("empty secret", Err(scheme.empty_secret.clone())).secrets(&[current, ""]),
        // Check order: secrets, header, timestamp, window, MAC.
        c("secrets before headers", Err(NoSecretConfigured))
            .secrets(&[])
            .body(one_byte_changed(BODY)),
        c(
            "window before MAC",
            match scheme.timestamp {
                Some(_) => Err(TimestampTooOld),
                None => Err(NoMatchingSignature),
            },
        )
        .now(tolerance + 1)
        .body(one_byte_changed(BODY)),
    ];
    for (index, name) in scheme.headers.iter().enumerate() {
        cases.push(c(&format!("missing {name}"), Err(MissingHeader(name))).header(index, None));
        cases.push(
            c(
                &format!("missing {name}, no secrets"),
                Err(NoSecretConfigured),
            )
            .header(index, None)
            .secrets(&[]),
        );
        cases.push(
            c(
                &format!("missing {name}, empty secret"),
                Err(scheme.empty_secret.clone()),
            )
            .header(index, None)
            .secrets(&[current, ""]),
        );
    }
    for &(index, value, reason) in scheme.malformed {
        cases.push(
            c(
                &format!("malformed {value:?}"),
                Err(MalformedHeader(reason)),
            )
            .header(index, Some(value)),
        );
    }
    if let (Some((index, _)), Some(ts)) = (scheme.timestamp, timestamp) {
        for bad in NOT_NUMBERS {
            let case = c(&format!("timestamp {bad:?}"), Err(InvalidTimestamp));
            let value = case.headers[index].as_deref().expect("signed header");
            let value = value.replacen(&ts.to_string(), bad, 1);
            cases.push(case.header(index, Some(&value)));
        }
        // A non-numeric timestamp is reported before the window is looked at.
        let case = c(
            "non-numeric timestamp on a stale clock",
            Err(InvalidTimestamp),
        );
        let value = case.headers[index].as_deref().expect("signed header");
        let value = value.replacen(&ts.to_string(), "abc", 1);
        cases.push(case.header(index, Some(&value)).now(tolerance + 1));
    }
    cases
}

#[test]
fn every_scheme_gives_the_exact_result_for_every_case() {
    let mut failures = Vec::new();
    let mut count = 0;
    for scheme in SCHEMES {
        for case in cases(scheme) {
            count += 1;
            let got = case.run(scheme);
            if got != case.expected {
                failures.push(format!(
                    "{} / {}: expected {:?}, got {:?}",
                    scheme.name, case.name, case.expected, got
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every scheme has at least the fixed cases, one per header and one per
    // malformed value: the table is not silently empty.
    assert!(count >= SCHEMES.len() * 15, "only {count} cases");
}
