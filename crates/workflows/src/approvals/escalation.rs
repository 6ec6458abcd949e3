//! `support-escalation-notice`: `support/inbound.escalated` → a notice in the app's
//! escalation channel (instructor and urgent escalations in theirs when set; urgent
//! ones with `<!here>`).

use std::sync::Arc;

use serde_json::{json, Value};
use support_core::events::{Escalated, Stage};
use support_inngest::serve::{FunctionConfig, Input, ServeFunction, Step, Trigger};
use support_store::{AuditKind, Store};
use web_time::Instant;

use super::{blocks, slack_error};
use crate::pipeline::{load_app, names, Audit, AuditRow, Services};

/// The function's id.
pub const ID: &str = "support-escalation-notice";

/// The function.
pub fn function(store: Arc<dyn Store>, services: Arc<Services>) -> ServeFunction {
    let config = FunctionConfig::new(ID)
        .name("Tell the team about an escalation")
        .trigger(Trigger::event(names::ESCALATED))
        .retries(3);
    ServeFunction::new(config, move |input: Input, step: Step| {
        let (store, services) = (store.clone(), services.clone());
        async move {
            let Stage {
                message: e,
                data: Escalated {
                    priority, reason, ..
                },
                ..
            } = crate::pipeline::event_data(&input)?;
            let posted: Value = step
                .run("notify", || async {
                    let started = Instant::now();
                    let Some(slack) = &services.slack else {
                        return Ok(json!({"skipped": "Slack is not configured"}));
                    };
                    let app = load_app(store.as_ref(), &e.app_id).await?;
                    let settings = &app.settings;
                    let channel = match priority.as_str() {
                        "urgent" => settings
                            .urgent_channel
                            .clone()
                            .or(settings.escalation_channel.clone()),
                        "instructor" => settings
                            .instructor_channel
                            .clone()
                            .or(settings.escalation_channel.clone()),
                        _ => settings.escalation_channel.clone(),
                    };
                    let Some(channel) = channel else {
                        return Ok(json!({"skipped": "the app has no escalation channel"}));
                    };
                    let message = blocks::escalation(
                        &channel,
                        &app.name,
                        &e.conversation_id,
                        &e.subject,
                        &priority,
                        &reason,
                    );
                    let posted = slack.post_message(&message).await.map_err(slack_error)?;
                    let audit = Audit {
                        store: store.as_ref(),
                        services: &services,
                        run_id: &input.run_id,
                        app_id: &e.app_id,
                        conversation_id: &e.conversation_id,
                    };
                    let mut row = AuditRow::new(
                        AuditKind::Step,
                        "escalation notice",
                        json!({"priority": priority, "channel": channel}),
                        started,
                    );
                    row.output = Some(json!({"ts": posted.ts}));
                    audit.write("notify", row).await?;
                    Ok(json!({"channel": posted.channel, "ts": posted.ts}))
                })
                .await?;
            Ok(json!({"conversationId": e.conversation_id, "posted": posted}))
        }
    })
}
