//! A scripted run of a few hundred messages through the stand-ins, decided the way a
//! team might (most approved as written, some edited a little or rewritten, some
//! rejected, some sent from Front, a few left waiting), then `skill stats`: the figures
//! the issue's closing note asks for. Not part of the suite (it takes minutes):
//!
//! ```sh
//! SIMULATE_MESSAGES=300 SKIP_NATIVE=1 E2E_ARGS="--test simulate -- --ignored --nocapture" scripts/test
//! ```

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::flow::*;
use common::*;
use serde_json::json;

/// What customers ask, across the categories the agent drafts for.
const QUESTIONS: &[(&str, &str)] = &[
    ("Invoice", "Where can I download my invoice?"),
    ("Receipt", "Can I get a receipt for my last purchase?"),
    (
        "Certificate",
        "Do I get a certificate when I finish the course?",
    ),
    ("Discount", "Do you have a student discount?"),
    (
        "Login",
        "I can't log in to my account, the magic link never arrives.",
    ),
    (
        "Access",
        "I lost access to the course after changing my password.",
    ),
    (
        "Refund",
        "I'd like a refund please, the course is not for me.",
    ),
    ("Offline", "Can I watch the lessons offline?"),
];

/// What the team does with a draft, by share of drafts (out of 100).
#[derive(Clone, Copy, Debug)]
enum Verdict {
    Approve,
    MinorEdit,
    Rewrite,
    Reject,
    SendFromFront,
    Leave,
}

fn verdict(n: usize) -> Verdict {
    // A fixed spread (no randomness: the same run gives the same mix).
    match (n * 37) % 100 {
        0..=54 => Verdict::Approve,
        55..=69 => Verdict::MinorEdit,
        70..=77 => Verdict::Rewrite,
        78..=84 => Verdict::Reject,
        85..=94 => Verdict::SendFromFront,
        _ => Verdict::Leave,
    }
}

async fn one(n: usize) -> Option<&'static str> {
    let (subject, question) = QUESTIONS[n % QUESTIONS.len()];
    let from = ["dana@example.com", "sam@example.com"][n % 2];
    let conversation = customer_writes(
        "cha_dev",
        from,
        subject,
        &format!("{question} {}", unique("sim")),
    )
    .await;
    // Routed elsewhere (a person, silence): no draft, and no respond run to wait for.
    let route = finished_run("support-pipeline", &conversation).await;
    if route["output"]["action"] != "respond" {
        return Some("no draft");
    }
    let respond = finished_run("support-pipeline", &conversation).await;
    if respond["output"]["outcome"] != "proposed" {
        return Some("no draft");
    }
    let action_id = respond["output"]["actionId"].as_str()?.to_owned();
    // The card is posted before anyone decides.
    slack_message(&action_id).await;
    let decided = match verdict(n) {
        Verdict::Approve => {
            api_post(&format!("/api/approvals/{action_id}/approve"), json!({})).await
        }
        Verdict::MinorEdit | Verdict::Rewrite => {
            let pending = api_get("/api/approvals?limit=500").await;
            let reply = pending["approvals"]
                .as_array()?
                .iter()
                .find(|a| a["actionId"] == action_id.as_str())?["reply"]
                .as_str()?
                .to_owned();
            let edited = match verdict(n) {
                Verdict::MinorEdit => format!("{reply}\n\nHave a good day."),
                _ => {
                    "Hi,\n\nA teammate will take this one personally and write back shortly.\n\nSam"
                        .into()
                }
            };
            api_post(
                &format!("/api/approvals/{action_id}/edit"),
                json!({"reply": edited}),
            )
            .await
        }
        Verdict::Reject => {
            api_post(
                &format!("/api/approvals/{action_id}/reject"),
                json!({"reason": "not how we answer this"}),
            )
            .await
        }
        Verdict::SendFromFront => {
            let messages = front_messages(&conversation).await;
            let draft = drafts(&messages).first()?["id"].as_str()?.to_owned();
            post(&format!("/_devkit/front/drafts/{draft}/send"), json!({})).await;
            (200, json!({}))
        }
        Verdict::Leave => (200, json!({})),
    };
    (decided.0 == 200).then_some("decided")
}

#[tokio::test]
#[ignore = "minutes long: run by hand for the figures (see the module's docs)"]
async fn a_few_hundred_messages_then_skill_stats() {
    inngest_sync().await;
    let total: usize = std::env::var("SIMULATE_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..12 {
        let (next, done) = (next.clone(), done.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= total {
                    break;
                }
                if one(n).await.is_some() {
                    done.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    // Let the last sends and decisions land.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let handled = done.load(Ordering::SeqCst);
    eprintln!(
        "{total} messages, {handled} handled, in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        handled * 10 >= total * 9,
        "only {handled} of {total} went through"
    );
    let stats = skill(&["stats", "--app", "total-typescript", "--since", "1"]);
    eprintln!("{stats}");
    figure(&format!(
        "skill stats after {total} scripted messages:\n{stats}"
    ));
    assert!(stats.contains("got a draft"), "{stats}");
}
