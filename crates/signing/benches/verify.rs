//! How much `sdk::verify` costs on top of the HMAC it has to compute anyway.
//!
//! Run with `cargo bench -p support-signing --bench verify`. Compare
//! `sdk_verify/<size>` with `bare_hmac/<size>`. The difference is the cost of
//! header parsing, hex decoding, the timestamp check and the constant-time
//! comparison.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use support_signing::{sdk, FixedClock};

const SECRET: &[u8] = b"whsec-bench-secret";
const TIMESTAMP: i64 = 1_700_000_000;
const SIZES: [(&str, usize); 2] = [("1KiB", 1024), ("64KiB", 64 * 1024)];

fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

fn sdk_verify(c: &mut Criterion) {
    let clock = FixedClock::from_secs(TIMESTAMP);
    let secrets = [SECRET];
    let mut group = c.benchmark_group("sdk_verify");
    for (name, len) in SIZES {
        let body = body(len);
        let header = sdk::sign(SECRET, TIMESTAMP, &body);
        assert!(sdk::verify(Some(&header), &body, &secrets, &clock).is_ok());
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &body, |b, body| {
            b.iter(|| {
                sdk::verify(
                    black_box(Some(header.as_str())),
                    black_box(body),
                    &secrets,
                    &clock,
                )
            })
        });
    }
    group.finish();
}

fn bare_hmac(c: &mut Criterion) {
    let prefix = format!("{TIMESTAMP}.");
    let mut group = c.benchmark_group("bare_hmac");
    for (name, len) in SIZES {
        let body = body(len);
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &body, |b, body| {
            b.iter(|| {
                let mut mac =
                    <Hmac<Sha256> as Mac>::new_from_slice(SECRET).expect("any key length");
                mac.update(black_box(prefix.as_bytes()));
                mac.update(black_box(body));
                mac.finalize().into_bytes()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sdk_verify, bare_hmac);
criterion_main!(benches);
