//! Route: the second stage of `support-pipeline`: tag, then silence, escalate or
//! respond.

use std::sync::Arc;

use serde_json::{json, Value};
use support_core::classify::Classification;
use support_core::events::Escalated;
use support_core::routing::{self, Route, RouteAction};
use support_core::tags;
use support_inngest::serve::{FnError, Step};
use support_store::{AuditKind, Store};
use web_time::Instant;

use super::{names, stage_event, Audit, AuditRow, FrontOps, Message, Services};

/// Routes a classified message: tags it, then silences (archives) or escalates it
/// here; a message to answer is left to the respond stage. The route and the tag.
pub(crate) async fn route(
    store: &Arc<dyn Store>,
    services: &Arc<Services>,
    audit: &Audit<'_>,
    message: &Message,
    classification: &Classification,
    step: &Step,
) -> Result<(Route, Value), FnError> {
    let route: Route = step
        .run("route", || async {
            let started = Instant::now();
            let route = routing::route(classification);
            let mut row = AuditRow::new(
                AuditKind::Step,
                "route",
                json!({"category": classification.category, "confidence": classification.confidence}),
                started,
            );
            row.output = Some(serde_json::to_value(&route).unwrap_or(Value::Null));
            audit.write("route", row).await?;
            Ok(route)
        })
        .await?;

    // Tagging is best effort: a Front hiccup must not keep a customer waiting.
    let tag_name = tags::tag_for(classification.category);
    let tagged: Value = step
        .run("tag", || async {
            let Some(front) = &services.front else {
                return Ok(json!({"tagged": false, "reason": "Front is not configured"}));
            };
            let ops = FrontOps {
                front,
                store: store.as_ref(),
                services,
            };
            Ok(match ops.tag(&message.conversation_id, tag_name).await {
                Ok(id) => json!({"tagged": true, "tag": tag_name, "tagId": id}),
                Err(e) => json!({"tagged": false, "tag": tag_name, "error": e.to_string()}),
            })
        })
        .await?;

    match route.action {
        RouteAction::Silence => {
            step.run("archive", || async {
                let started = Instant::now();
                if let Some(front) = &services.front {
                    FrontOps {
                        front,
                        store: store.as_ref(),
                        services,
                    }
                    .archive(&message.conversation_id)
                    .await?;
                }
                audit
                    .write(
                        "archive",
                        AuditRow::new(
                            AuditKind::Step,
                            "archive",
                            json!({"rule": route.rule}),
                            started,
                        ),
                    )
                    .await?;
                Ok(true)
            })
            .await?;
        }
        RouteAction::Respond => {}
        escalation => {
            escalate(
                step,
                store,
                services,
                audit,
                message,
                classification,
                &route.reason,
                escalation,
                "escalate",
            )
            .await?;
        }
    }
    Ok((route, tagged))
}

/// Hand a conversation to people: an internal comment saying why, the route's tag, and
/// `support/inbound.escalated` (the Slack notice listens to it).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn escalate(
    step: &Step,
    store: &Arc<dyn Store>,
    services: &Arc<Services>,
    audit: &Audit<'_>,
    message: &Message,
    classification: &Classification,
    reason: &str,
    action: RouteAction,
    step_id: &str,
) -> Result<(), FnError> {
    let priority = match action {
        RouteAction::EscalateUrgent => "urgent",
        RouteAction::EscalateInstructor => "instructor",
        _ => "normal",
    };
    step.run(step_id, || async {
        let started = Instant::now();
        if let Some(front) = &services.front {
            let ops = FrontOps {
                front,
                store: store.as_ref(),
                services,
            };
            // The reason may hold the model's words: markdown-escaped, never live.
            let comment = format!(
                "Escalated ({priority}): {}\nCategory: {} ({:.0}% confident)",
                support_core::escape::markdown(reason),
                classification.category.as_str(),
                classification.confidence * 100.0
            );
            ops.comment(&message.conversation_id, &comment).await?;
            if let Some(tag) = support_core::tags::tag_for_route(action) {
                ops.tag(&message.conversation_id, tag).await?;
            }
        }
        audit
            .write(
                step_id,
                AuditRow::new(
                    AuditKind::Step,
                    "escalate",
                    json!({"priority": priority, "reason": reason}),
                    started,
                ),
            )
            .await?;
        crate::outcomes::record_no_draft(
            store.as_ref(),
            services,
            message,
            classification.category,
            services.now_ms(),
        )
        .await;
        Ok(true)
    })
    .await?;
    let outgoing = stage_event(
        names::ESCALATED,
        format!("escalated-{}", message.front_event_id),
        message,
        &Escalated {
            priority: priority.into(),
            reason: reason.into(),
            classification: classification.clone(),
        },
    );
    step.send_event(&format!("{step_id} event"), vec![outgoing])
        .await?;
    Ok(())
}
