//! Front webhooks → platform events, for every event type the platform acts on.

use serde_json::{json, Value};
use support_core::apps::AppRef;
use support_core::conversation::MessageKind;
use support_core::events::{InngestEvent, MAX_EVENT_BODY_BYTES, MAX_EVENT_BYTES};
use support_core::front::{Intake, Kind, Webhook};

fn inbound() -> Value {
    json!({
      "type": "inbound_received",
      "authorization": {"id": "cmp_9f2k1"},
      "payload": {
        "_links": {"self": "https://acme.api.frontapp.com/events/evt_5k2m9q1"},
        "id": "evt_5k2m9q1", "type": "inbound", "emitted_at": 1732690412.512,
        "conversation": {
          "_links": {"self": "https://acme.api.frontapp.com/conversations/cnv_8x1b2c3"},
          "id": "cnv_8x1b2c3", "subject": "Refund for order #4411", "status": "unassigned",
          "recipient": {"name": "Dana Lee", "handle": "dana@example.com", "role": "from"}
        },
        "source": {"_meta": {"type": "inboxes"}, "data": [{"id": "inb_4p0", "name": "Support"}, {"id": "inb_other"}]},
        "target": {"_meta": {"type": "message"}, "data": {
          "_links": {"self": "https://acme.api.frontapp.com/messages/msg_2a9z7y1"},
          "id": "msg_2a9z7y1", "type": "email", "is_inbound": true, "created_at": 1732690412.512,
          "subject": "Refund for order #4411", "blurb": "Hi, my order arrived broken",
          "body": "<p>Hi, my order arrived broken, can I get a refund?</p>",
          "text": "Hi, my order arrived broken, can I get a refund?", "author": null,
          "recipients": [{"name": "Dana Lee", "handle": "dana@example.com", "role": "from"},
                         {"name": null, "handle": "support@acme.com", "role": "to"}]
        }}
      }
    })
}

fn app(app_id: &str, inbox: Option<&str>) -> AppRef {
    AppRef {
        app_id: app_id.into(),
        inbox_id: inbox.map(str::to_owned),
    }
}

/// The event as Inngest gets it, attributed to `app_id` (and `inbox`).
fn event(
    i: &Intake,
    app_id: &str,
    inbox: Option<&str>,
    trace: &str,
    now: i64,
) -> InngestEvent<Value> {
    let app = app(app_id, inbox);
    let record = i.record(Some(app.clone()), trace, now);
    let e = record.to_event(&app);
    InngestEvent::new(
        e.id.clone(),
        &e.name,
        e.ts,
        serde_json::to_value(&e.data).unwrap(),
    )
}

fn intake(v: Value) -> Intake {
    let webhook: Webhook = serde_json::from_value(v).unwrap();
    let kind = Kind::from_webhook_type(&webhook.kind).expect("known kind");
    Intake::from_webhook(kind, webhook).unwrap()
}

#[test]
fn inbound_becomes_support_inbound_received() {
    let i = intake(inbound());
    assert_eq!(
        (i.event_id.as_str(), i.conversation_id.as_str()),
        ("evt_5k2m9q1", "cnv_8x1b2c3")
    );
    assert_eq!(i.inbox_ids, ["inb_4p0", "inb_other"]);
    let e = event(&i, "total-typescript", Some("inb_4p0"), "trace-1", 0);
    assert_eq!(
        (e.id.as_str(), e.name.as_str(), e.ts, e.v.as_str()),
        (
            "evt_5k2m9q1",
            "support/inbound.received",
            1732690412512,
            "1"
        )
    );
    let d = e.data;
    assert_eq!(d["version"], 1);
    assert_eq!(d["appId"], "total-typescript");
    assert_eq!(d["traceId"], "trace-1");
    assert_eq!(d["messageId"], "msg_2a9z7y1");
    assert_eq!(d["senderEmail"], "dana@example.com");
    assert_eq!(
        d["body"],
        "Hi, my order arrived broken, can I get a refund?"
    );
    assert_eq!(d["subject"], "Refund for order #4411");
    assert_eq!(
        d["_links"]["message"],
        "https://acme.api.frontapp.com/messages/msg_2a9z7y1"
    );

    let m = i.cached_message().unwrap();
    assert_eq!(
        (m.kind, m.author.as_deref(), m.created_at_ms),
        (
            MessageKind::Inbound,
            Some("dana@example.com"),
            Some(1732690412512)
        )
    );
    let meta = i.conversation_meta(Some(&app("total-typescript", Some("inb_4p0"))));
    assert_eq!(meta.customer_email.as_deref(), Some("dana@example.com"));
}

#[test]
fn reply_to_wins_over_from() {
    let mut v = inbound();
    v["payload"]["target"]["data"]["recipients"]
        .as_array_mut()
        .unwrap()
        .push(json!({"handle": "dana.billing@example.com", "role": "reply-to"}));
    let e = event(&intake(v), "a", None, "t", 0);
    assert_eq!(e.data["senderEmail"], "dana.billing@example.com");
}

#[test]
fn comments_snoozes_and_outbound_map_to_their_events() {
    let base = |kind: &str, target: Value, source: Value| {
        json!({"type": kind, "payload": {"id": format!("evt_{kind}"), "emitted_at": 1700000000.0,
               "conversation": {"id": "cnv_1"}, "target": target, "source": source}})
    };
    let teammate =
        json!({"id": "tea_1", "email": "sam@acme.com", "first_name": "Sam", "last_name": "Ops"});
    let comment = intake(base(
        "new_comment_added",
        json!({"_meta": {"type": "comment"}, "data": {"id": "com_1", "body": "lgtm", "posted_at": 1700000001.5, "author": teammate}}),
        json!({"_meta": {"type": "teammate"}, "data": teammate}),
    ));
    assert!(
        comment.inbox_ids.is_empty(),
        "a teammate source names no inbox"
    );
    let e = event(&comment, "app", None, "t", 0);
    assert_eq!(
        (e.name.as_str(), &e.data["commentId"], &e.data["postedAt"]),
        (
            "support/comment.received",
            &json!("com_1"),
            &json!(1700000001500_i64)
        )
    );
    assert_eq!(
        e.data["author"],
        json!({"id": "tea_1", "email": "sam@acme.com", "name": "Sam Ops"})
    );
    assert_eq!(comment.cached_message().unwrap().kind, MessageKind::Comment);

    let mut snoozed = base("conversation_snoozed", Value::Null, Value::Null);
    snoozed["payload"]["snooze_until"] = json!(1700003600.0);
    let e = event(&intake(snoozed), "app", None, "t", 0);
    assert_eq!(
        (
            e.name.as_str(),
            &e.data["snoozedAt"],
            &e.data["snoozedUntil"]
        ),
        (
            "support/conversation.snoozed",
            &json!(1700000000000_i64),
            &json!(1700003600000_i64)
        )
    );

    let expired = intake(base(
        "conversation_snooze_expired",
        Value::Null,
        Value::Null,
    ));
    assert!(expired.cached_message().is_none());
    assert_eq!(
        event(&expired, "app", None, "t", 0).name,
        "support/snooze.expired"
    );

    for kind in ["outbound", "outbound_sent"] {
        let out = intake(base(
            kind,
            json!({"_meta": {"type": "message"}, "data": {"id": "msg_out", "text": "Refunded!", "author": teammate, "created_at": 1700000002.0}}),
            Value::Null,
        ));
        let e = event(&out, "app", Some("inb_1"), "t", 0);
        assert_eq!(
            (e.name.as_str(), &e.data["body"], &e.data["inboxId"]),
            (
                "support/outbound.message",
                &json!("Refunded!"),
                &json!("inb_1")
            )
        );
        assert_eq!(out.cached_message().unwrap().kind, MessageKind::Outbound);
    }
}

#[test]
fn ignored_types_and_missing_ids() {
    for ignored in [
        "sync",
        "tag_added",
        "assignee_changed",
        "conversation_archived",
        "",
    ] {
        assert_eq!(Kind::from_webhook_type(ignored), None, "{ignored}");
    }
    let mut v = inbound();
    v["payload"].as_object_mut().unwrap().remove("id");
    let w: Webhook = serde_json::from_value(v).unwrap();
    assert_eq!(
        Intake::from_webhook(Kind::Inbound, w)
            .unwrap_err()
            .to_string(),
        "payload.id is missing"
    );
    let w: Webhook =
        serde_json::from_value(json!({"type": "inbound_received", "payload": {"id": "evt_1"}}))
            .unwrap();
    assert_eq!(
        Intake::from_webhook(Kind::Inbound, w)
            .unwrap_err()
            .to_string(),
        "payload.conversation.id is missing"
    );
}

#[test]
fn events_without_emitted_at_use_now() {
    let mut v = inbound();
    v["payload"].as_object_mut().unwrap().remove("emitted_at");
    v["payload"]["target"]["data"]
        .as_object_mut()
        .unwrap()
        .remove("created_at");
    let i = intake(v);
    assert_eq!(event(&i, "a", None, "t", 42).ts, 42);
    assert_eq!(i.cached_message().unwrap().created_at_ms, None);
}

#[test]
fn events_stay_under_inngests_size_limit_whatever_front_sends() {
    // A webhook near the intake's 512 KiB cap: a huge body and subject.
    let mut v = inbound();
    v["payload"]["target"]["data"]["text"] = json!("é".repeat(200 * 1024));
    v["payload"]["target"]["data"]["subject"] = json!("s".repeat(100 * 1024));
    v["payload"]["target"]["data"]["recipients"][0]["name"] = json!("n".repeat(50 * 1024));
    let i = intake(v);
    let e = event(&i, "app", Some("inb_4p0"), "t", 0);
    let size = serde_json::to_vec(&e).unwrap().len();
    assert!(size < MAX_EVENT_BYTES, "{size} bytes");
    assert_eq!(e.data["bodyTruncated"], true);
    assert!(e.data["body"].as_str().unwrap().len() <= MAX_EVENT_BODY_BYTES);
    // The cache keeps its own, shorter cut.
    assert!(i.cached_message().unwrap().body.chars().count() <= 8_000);
    // A short body is not marked.
    let e = event(&intake(inbound()), "app", None, "t", 0);
    assert!(e.data.get("bodyTruncated").is_none());
}

#[test]
fn a_record_survives_the_trip_to_the_conversation_object() {
    let i = intake(inbound());
    let record = i.record(None, "trace", 0);
    let wire = serde_json::to_string(&record).unwrap();
    let back: support_core::intake::IntakeRecord = serde_json::from_str(&wire).unwrap();
    assert_eq!(back, record);
    assert_eq!(
        back.meta.app_id, None,
        "no sentinel: an unknown app is None"
    );
    // Attributed later to the conversation's app, keeping the event's first inbox.
    let e = back.to_event(&app("tt", None));
    assert_eq!(
        (e.data.app_id.as_str(), e.data.inbox_id.as_deref()),
        ("tt", Some("inb_4p0"))
    );
}
