//! Request bodies and answer shapes as the TypeScript SDK writes and reads them.

use serde_json::{json, Value};
use support_sdk::action::*;
use support_sdk::types::*;

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.to_body()).unwrap()
}

#[test]
fn requests_spread_their_params_next_to_the_action() {
    assert_eq!(
        body(&Request::LookupUser {
            email: "a@b.c".into()
        }),
        json!({"action": "lookupUser", "email": "a@b.c"})
    );
    assert_eq!(
        body(&Request::GetPurchases {
            user_id: "u1".into()
        }),
        json!({"action": "getPurchases", "userId": "u1"})
    );
    assert_eq!(
        body(&Request::RevokeAccess(RevokeAccessParams {
            purchase_id: "p".into(),
            reason: "r".into(),
            refund_id: "re".into()
        })),
        json!({"action": "revokeAccess", "purchaseId": "p", "reason": "r", "refundId": "re"})
    );
    assert_eq!(
        body(&Request::TransferPurchase(TransferPurchaseParams {
            purchase_id: "p".into(),
            from_user_id: "u".into(),
            to_email: "t@x.y".into()
        })),
        json!({"action": "transferPurchase", "purchaseId": "p", "fromUserId": "u", "toEmail": "t@x.y"})
    );
    assert_eq!(
        body(&Request::GenerateMagicLink(MagicLinkParams {
            email: "e".into(),
            expires_in: 3600
        })),
        json!({"action": "generateMagicLink", "email": "e", "expiresIn": 3600})
    );
    assert_eq!(
        body(&Request::GetClaimedSeats {
            bulk_coupon_id: "b".into()
        }),
        json!({"action": "getClaimedSeats", "bulkCouponId": "b"})
    );
    assert_eq!(
        body(&Request::GetActivePromotions),
        json!({"action": "getActivePromotions"})
    );
    assert_eq!(
        body(&Request::GetRefundPolicy),
        json!({"action": "getRefundPolicy"})
    );
    assert_eq!(body(&Request::GetAppInfo), json!({"action": "getAppInfo"}));
    assert_eq!(
        body(&Request::UpdateEmail(UpdateEmailParams {
            user_id: "u".into(),
            new_email: "n@x.y".into()
        })),
        json!({"action": "updateEmail", "userId": "u", "newEmail": "n@x.y"})
    );
    assert_eq!(
        body(&Request::SearchContent(ContentSearchRequest {
            query: "generics".into(),
            types: Some(vec![ContentType::Lesson]),
            limit: Some(5),
            customer: Some(SearchCustomer {
                email: Some("a@b.c".into()),
                has_purchased: Some(true),
                purchased_products: None
            }),
        })),
        json!({"action": "searchContent", "query": "generics", "types": ["lesson"], "limit": 5,
               "customer": {"email": "a@b.c", "hasPurchased": true}})
    );
}

#[test]
fn every_action_name_round_trips() {
    for action in Action::ALL {
        assert_eq!(Action::from_name(action.name()), Some(action));
    }
    assert_eq!(Action::ALL.iter().filter(|a| a.is_required()).count(), 5);
}

#[test]
fn parsing_typescript_bodies_tolerates_extra_keys_and_nulls() {
    let r: Request =
        serde_json::from_value(json!({"action": "getRefundPolicy", "extra": 1})).unwrap();
    assert_eq!(r, Request::GetRefundPolicy);
    let r: Request =
        serde_json::from_value(json!({"action": "searchContent", "query": "q", "types": null}))
            .unwrap();
    assert_eq!(
        r,
        Request::SearchContent(ContentSearchRequest {
            query: "q".into(),
            ..Default::default()
        })
    );
}

#[test]
fn dates_read_any_rfc3339_and_write_like_to_iso_string() {
    let user: User = serde_json::from_value(
        json!({"id": "u", "email": "e", "createdAt": "2024-01-15T12:30:00+02:00"}),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&user).unwrap()["createdAt"],
        "2024-01-15T10:30:00.000Z"
    );
    assert!(serde_json::from_value::<User>(
        json!({"id": "u", "email": "e", "createdAt": "yesterday"})
    )
    .is_err());
}

#[test]
fn enums_use_the_typescript_spellings() {
    let activity: UserActivity = serde_json::from_value(json!({
        "userId": "u", "lessonsCompleted": 3, "totalLessons": 10, "completionPercent": 30,
        "recentItems": [{"type": "lesson_completed", "title": "Generics", "timestamp": "2024-01-01T00:00:00.000Z"}]
    }))
    .unwrap();
    assert_eq!(
        activity.recent_items[0].activity_type,
        ActivityType::LessonCompleted
    );
    let license: LicenseInfo = serde_json::from_value(json!({
        "purchaseId": "p", "licenseType": "enterprise", "totalSeats": 10, "claimedSeats": 2, "availableSeats": 8,
        "claimedBy": [{"email": "a@b.c", "claimedAt": "2024-01-01"}]
    }))
    .unwrap();
    assert_eq!(license.license_type, LicenseType::Enterprise);
    assert!(serde_json::from_value::<Purchase>(json!({
        "id": "p", "productId": "x", "productName": "X", "purchasedAt": "2024-01-01T00:00:00Z",
        "amount": 1, "currency": "usd", "status": "stolen"
    }))
    .is_err());
}

#[test]
fn content_metadata_keeps_unknown_keys() {
    let hit: ContentSearchResult = serde_json::from_value(json!({
        "id": "l1", "type": "lesson", "title": "T", "url": "https://x",
        "metadata": {"difficulty": "advanced", "module": "m3"}
    }))
    .unwrap();
    let meta = hit.metadata.as_ref().unwrap();
    assert_eq!(meta.difficulty, Some(Difficulty::Advanced));
    assert_eq!(meta.extra["module"], "m3");
    assert_eq!(
        serde_json::to_value(&hit).unwrap()["metadata"]["module"],
        "m3"
    );
}
