//! The tools that run when the agent calls them, over the app's SDK endpoint and its
//! Stripe connected account. Every failure comes back as a short message for the model
//! (never a secret, never shown to the customer: validation keeps it out of drafts).

use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Map, Value};
use support_http::Transport;
use support_sdk::{IntegrationClient, Request};
use support_stripe::StripeClient;

/// What the tools reach.
pub struct Toolbox {
    /// The app's SDK endpoint, signed with its current secret.
    pub sdk: Option<IntegrationClient<Arc<dyn Transport>>>,
    /// Stripe, with the app's connected account.
    pub stripe: Option<(Arc<StripeClient>, String)>,
}

fn to_value(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn field<'a>(input: &'a Value, name: &str) -> Result<&'a str, String> {
    input
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("{name} is required"))
}

impl Toolbox {
    /// Run the tool `name` with `input`.
    pub async fn run(&self, name: &str, input: &Value) -> Result<Value, String> {
        match name {
            "lookupUser" => self.lookup_user(input).await,
            "searchKnowledge" => Ok(json!({"results": [], "note": "the knowledge base is empty"})),
            "escalateToHuman" => {
                Ok(json!({"escalated": true, "note": "A teammate will take over. Write no reply."}))
            }
            "getPaymentHistory" | "getSubscriptionStatus" | "lookupCharge" | "verifyRefund" => {
                self.stripe_read(name, input).await
            }
            "getPurchases"
            | "getProductStatus"
            | "searchContent"
            | "getCouponInfo"
            | "getActivePromotions"
            | "getRefundPolicy"
            | "generateMagicLink" => {
                let mut body = input.as_object().cloned().unwrap_or_default();
                if name == "generateMagicLink" && !body.contains_key("expiresIn") {
                    body.insert("expiresIn".into(), json!(86_400));
                }
                self.sdk_call(name, body).await
            }
            other => Err(format!("{other} cannot run here")),
        }
    }

    /// One SDK action; `501` means the app does not offer it (a fact, not an error).
    pub async fn sdk_call(
        &self,
        action: &str,
        mut params: Map<String, Value>,
    ) -> Result<Value, String> {
        let sdk = self.sdk.as_ref().ok_or("the app has no SDK endpoint")?;
        params.insert("action".into(), json!(action));
        let request: Request = serde_json::from_value(Value::Object(params))
            .map_err(|e| format!("bad input for {action}: {e}"))?;
        match sdk.call_raw(&request).await {
            Ok((status, body)) if (200..300).contains(&status) => Ok(body),
            Ok((501, _)) => Ok(json!({"offered": false})),
            Ok((404, _)) if action == "lookupUser" => Ok(Value::Null),
            Ok((status, _)) => Err(format!("{action} failed (the app answered {status})")),
            Err(e) => Err(format!("{action} failed ({e})")),
        }
    }

    async fn lookup_user(&self, input: &Value) -> Result<Value, String> {
        let email = field(input, "email")?;
        let mut params = Map::new();
        params.insert("email".into(), json!(email));
        let user = self.sdk_call("lookupUser", params).await?;
        let Some(user_id) = user.get("id").and_then(Value::as_str) else {
            return Ok(json!({"found": false}));
        };
        let mut params = Map::new();
        params.insert("userId".into(), json!(user_id));
        let purchases = self.sdk_call("getPurchases", params).await?;
        Ok(json!({"found": true, "user": user, "purchases": purchases}))
    }

    async fn stripe_read(&self, name: &str, input: &Value) -> Result<Value, String> {
        let (stripe, account) = self
            .stripe
            .as_ref()
            .ok_or("payments are not connected for this app")?;
        let result = match name {
            "getPaymentHistory" => {
                let limit = input
                    .get("limit")
                    .and_then(Value::as_u64)
                    .unwrap_or(10)
                    .clamp(1, 25) as u8;
                stripe
                    .list_charges(account, field(input, "customerId")?, limit)
                    .await
                    .map(to_value)
            }
            "getSubscriptionStatus" => stripe
                .list_subscriptions(account, field(input, "customerId")?)
                .await
                .map(to_value),
            "lookupCharge" => stripe
                .retrieve_charge(account, field(input, "chargeId")?)
                .await
                .map(to_value),
            _ => stripe
                .retrieve_refund(account, field(input, "refundId")?)
                .await
                .map(to_value),
        };
        result.map_err(|e| format!("{name} failed ({e})"))
    }
}
