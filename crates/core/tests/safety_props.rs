//! Property tests of the two guards between the model and the world: binding a tool
//! call to the sender's records never yields a fact the records do not contain, and
//! escaping never lets markup through.

use proptest::prelude::*;
use serde_json::{json, Value};
use support_core::effect::{Account, Effect};
use support_core::escape;
use support_core::proposal::{bind, Bound, ChargeRecord, PurchaseRecord, Read, SenderRecords};
use support_core::tool::ToolCall;

/// Ids both the sender's records and the model draw from, so calls often hit the
/// sender's own ids and often someone else's.
fn id(prefix: &'static str) -> impl Strategy<Value = String> {
    (0u8..6).prop_map(move |n| format!("{prefix}_{n}"))
}

fn purchase() -> impl Strategy<Value = PurchaseRecord> {
    (
        id("pur"),
        prop::option::of(id("ch")),
        0i64..100_000,
        prop::sample::select(vec!["usd", "eur", "jpy"]),
        prop::sample::select(vec!["active", "active", "refunded", "transferred"]),
    )
        .prop_map(|(id, charge, amount, currency, status)| PurchaseRecord {
            product_id: format!("prod_{id}"),
            product_name: format!("Product {id}"),
            purchased_at: "2026-11-30T10:00:00.000Z".into(),
            id,
            amount,
            currency: currency.into(),
            charge_id: charge,
            status: status.into(),
        })
}

fn charge() -> impl Strategy<Value = ChargeRecord> {
    (
        id("ch"),
        0u64..100_000,
        0u64..100_000,
        prop::sample::select(vec!["usd", "eur"]),
        prop::option::of(id("cus")),
    )
        .prop_map(|(id, amount, refunded, currency, customer)| ChargeRecord {
            id,
            amount,
            amount_refunded: refunded.min(amount),
            currency: currency.into(),
            customer,
        })
}

fn records() -> impl Strategy<Value = SenderRecords> {
    (
        prop::option::of(id("usr")),
        prop::sample::select(vec!["dana@example.com", "DANA@example.com"]),
        prop::collection::vec(purchase(), 0..4),
        prop::collection::vec(charge(), 0..4),
    )
        .prop_map(|(user, email, purchases, charges)| SenderRecords {
            conversation_id: "cnv_1".into(),
            email: email.into(),
            account: user.map(|user_id| Account {
                user_id,
                email: "dana@example.com".into(),
                name: Some("Dana".into()),
            }),
            purchases,
            charges,
        })
}

fn email() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "dana@example.com",
        "Dana@Example.com",
        "sam@example.com",
        "attacker@evil.test",
    ])
    .prop_map(str::to_owned)
}

/// A tool call as a misbehaving model might write it.
fn call() -> impl Strategy<Value = ToolCall> {
    let input = prop_oneof![
        (id("pur"), prop::option::of(1u64..200_000)).prop_map(|(p, amount)| (
            "processRefund",
            json!({"purchaseId": p, "reason": "please", "amount": amount})
        )),
        (id("pur"), prop::option::of(id("usr")), email()).prop_map(|(p, from, to)| (
            "transferPurchase",
            json!({"purchaseId": p, "fromUserId": from, "toEmail": to})
        )),
        (prop::option::of(id("usr")), email())
            .prop_map(|(u, e)| ("updateEmail", json!({"userId": u, "newEmail": e}))),
        (prop::option::of(id("usr")), "[a-zA-Z][a-zA-Z ]{0,19}")
            .prop_map(|(u, n)| ("updateName", json!({"userId": u, "newName": n}))),
        email().prop_map(|e| ("generateMagicLink", json!({"email": e}))),
        email().prop_map(|e| ("lookupUser", json!({"email": e}))),
        id("usr").prop_map(|u| ("getPurchases", json!({"userId": u}))),
        id("cus").prop_map(|c| ("getPaymentHistory", json!({"customerId": c}))),
        id("cus").prop_map(|c| ("getSubscriptionStatus", json!({"customerId": c}))),
        id("ch").prop_map(|c| ("lookupCharge", json!({"chargeId": c}))),
    ];
    input.prop_map(|(name, input): (&str, Value)| ToolCall::parse(name, &input).unwrap())
}

fn is_senders_account(account: &Account, records: &SenderRecords) -> bool {
    records.account.as_ref() == Some(account)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Every id, amount, currency and address in a bound call is the sender's.
    #[test]
    fn a_bound_call_holds_nothing_the_senders_records_do_not(records in records(), call in call()) {
        let Ok(bound) = bind(&call, &records) else { return Ok(()) };
        match bound {
            Bound::Effect(Effect::Refund(r)) => {
                prop_assert!(is_senders_account(&r.customer, &records));
                let purchase = records.purchase(&r.purchase.purchase_id).expect("the sender's purchase");
                prop_assert_eq!(purchase.status.as_str(), "active");
                prop_assert_eq!(purchase.charge_id.as_deref(), Some(r.charge_id.as_str()));
                let charge = records.charge(&r.charge_id).expect("a charge that was read");
                prop_assert!(r.amount.amount >= 1);
                prop_assert!(r.amount.amount <= charge.refundable());
                prop_assert!(r.amount.amount <= purchase.amount as u64);
                prop_assert!(r.amount.currency.eq_ignore_ascii_case(&purchase.currency));
                prop_assert!(charge.currency.eq_ignore_ascii_case(&purchase.currency));
                prop_assert_eq!(&r.purchase.product_name, &purchase.product_name);
            }
            Bound::Effect(Effect::Transfer(t)) => {
                prop_assert!(is_senders_account(&t.from, &records));
                prop_assert!(records.purchase(&t.purchase.purchase_id).is_some());
                prop_assert!(!t.to_email.eq_ignore_ascii_case(&t.from.email));
            }
            Bound::Effect(Effect::UpdateEmail(u)) => prop_assert!(is_senders_account(&u.account, &records)),
            Bound::Effect(Effect::UpdateName(u)) => prop_assert!(is_senders_account(&u.account, &records)),
            Bound::Effect(Effect::LoginLink(l)) => {
                prop_assert!(is_senders_account(&l.account, &records));
                prop_assert!(l.account.email.eq_ignore_ascii_case(records.email.trim()));
            }
            Bound::Effect(Effect::Assign(a)) => prop_assert_eq!(&a.conversation_id, &records.conversation_id),
            Bound::Read(Read::Account { email }) => prop_assert_eq!(email, records.email.trim()),
            Bound::Read(Read::Purchases { user_id }) => {
                prop_assert_eq!(Some(user_id.as_str()), records.account.as_ref().map(|a| a.user_id.as_str()))
            }
            Bound::Read(Read::Charges { customer_id, .. }) | Bound::Read(Read::Subscriptions { customer_id }) => {
                prop_assert!(records.customer_ids().contains(&customer_id.as_str()))
            }
            Bound::Read(Read::Charge { charge_id }) => prop_assert!(records.charge_ids().contains(&charge_id.as_str())),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    /// No input yields a live Slack control sequence: what comes out has no `<` or `>`,
    /// and every `&` starts one of Slack's three entities.
    #[test]
    fn mrkdwn_escaping_leaves_no_live_markup(text in any::<String>()) {
        let escaped = escape::mrkdwn(&text);
        prop_assert!(!escaped.contains('<') && !escaped.contains('>'));
        for (i, _) in escaped.match_indices('&') {
            let rest = &escaped[i..];
            prop_assert!(rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;"));
        }
        // And it reads back as the text itself.
        let back = escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        prop_assert_eq!(back, text);
    }

    /// In a markdown body no input yields a tag, a link, an image or emphasis: every
    /// markdown-active character is escaped.
    #[test]
    fn markdown_escaping_leaves_no_live_markup(text in any::<String>()) {
        let escaped = escape::markdown(&text);
        prop_assert!(!escaped.contains('<') && !escaped.contains('>'));
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let next = chars.next();
                prop_assert!(next.is_some_and(|n| "\\[]*_`!#|~".contains(n)), "a lone backslash");
            } else {
                prop_assert!(!"[]*_`!#|~".contains(c), "unescaped {:?} in {:?}", c, escaped);
            }
        }
    }

    /// No input yields an HTML tag, attribute break or entity of its own.
    #[test]
    fn html_escaping_leaves_no_live_markup(text in any::<String>()) {
        for escaped in [escape::html(&text), escape::html_text(&text).replace("<br>", "")] {
            prop_assert!(!escaped.contains('<') && !escaped.contains('>'));
            prop_assert!(!escaped.contains('"') && !escaped.contains('\''));
            for (i, _) in escaped.match_indices('&') {
                let rest = &escaped[i..];
                prop_assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| rest.starts_with(e)));
            }
        }
    }
}
