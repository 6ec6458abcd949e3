//! `support-audit-retention`: once a day, what people wrote (edited replies, rejection
//! reasons) leaves the audit log when its retention window ends; the decisions and
//! outcomes stay.

use std::sync::Arc;

use serde_json::{json, Value};
use support_inngest::serve::{FnError, FunctionConfig, Input, ServeFunction, Step, Trigger};
use support_store::Store;

use crate::pipeline::{store_error, Services};

/// The function's id.
pub const ID: &str = "support-audit-retention";

/// The function.
pub fn function(store: Arc<dyn Store>, services: Arc<Services>) -> ServeFunction {
    let config = FunctionConfig::new(ID)
        .name("Clear what people wrote from the audit log after its window")
        .trigger(Trigger::cron("17 3 * * *"))
        .retries(3);
    ServeFunction::new(config, move |_input: Input, step: Step| {
        let (store, services) = (store.clone(), services.clone());
        async move {
            let cleared: u64 = step
                .run("scrub", || async {
                    store
                        .scrub_audit(services.now_ms())
                        .await
                        .map_err(store_error)
                })
                .await?;
            Ok::<Value, FnError>(json!({"cleared": cleared}))
        }
    })
}
