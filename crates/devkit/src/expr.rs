//! The subset of Inngest's CEL expressions the local executor understands:
//! comparisons (`==`, `!=`) of paths (`event.data.id`, `async.data.id`) and literals
//! (strings in single or double quotes, numbers, `true`, `false`, `null`), joined with
//! `&&`. Enough for trigger filters, `waitForEvent` matches and `cancelOn`.

use serde_json::Value;

/// Evaluate `expr` with `event` (the run's trigger) and `async_event` (the incoming
/// event, for waits and cancellations) in scope. An expression it cannot parse is an
/// error, never a silent match.
pub fn eval(expr: &str, event: &Value, async_event: Option<&Value>) -> Result<bool, String> {
    let mut all = true;
    for clause in expr.split("&&") {
        let clause = clause.trim();
        if clause.is_empty() {
            return Err(format!("empty clause in {expr:?}"));
        }
        let (left, right, equal) = if let Some((l, r)) = clause.split_once("!=") {
            (l, r, false)
        } else if let Some((l, r)) = clause.split_once("==") {
            (l, r, true)
        } else {
            return Err(format!(
                "unsupported expression {clause:?} (only ==, != and && are supported)"
            ));
        };
        let l = operand(left.trim(), event, async_event)?;
        let r = operand(right.trim(), event, async_event)?;
        all &= (l == r) == equal;
    }
    Ok(all)
}

fn operand(text: &str, event: &Value, async_event: Option<&Value>) -> Result<Value, String> {
    if let Some(s) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Ok(Value::String(s.to_owned()));
    }
    if let Some(s) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return Ok(Value::String(s.to_owned()));
    }
    match text {
        "true" => return Ok(Value::Bool(true)),
        "false" => return Ok(Value::Bool(false)),
        "null" => return Ok(Value::Null),
        _ => {}
    }
    if let Ok(n) = text.parse::<f64>() {
        return Ok(serde_json::json!(n));
    }
    let mut parts = text.split('.');
    let root = match parts.next() {
        Some("event") => event,
        Some("async") => async_event.ok_or_else(|| format!("{text:?}: no async event here"))?,
        _ => return Err(format!("unsupported operand {text:?}")),
    };
    let mut value = root;
    for part in parts {
        value = value.get(part).unwrap_or(&Value::Null);
    }
    // Numbers compare by value whatever their JSON spelling.
    Ok(match value.as_f64() {
        Some(n) if value.is_number() => serde_json::json!(n),
        _ => value.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_literals_and_conjunctions() {
        let event = json!({"name": "a/x", "data": {"id": "1", "n": 3, "ok": true}});
        let incoming = json!({"data": {"id": "1", "n": 3.0}});
        assert_eq!(
            eval("event.data.id == async.data.id", &event, Some(&incoming)),
            Ok(true)
        );
        assert_eq!(
            eval(
                "event.data.n == async.data.n && event.data.ok == true",
                &event,
                Some(&incoming)
            ),
            Ok(true)
        );
        assert_eq!(eval("event.data.id == 'x'", &event, None), Ok(false));
        assert_eq!(eval("event.data.id != \"x\"", &event, None), Ok(true));
        assert_eq!(eval("event.data.missing == null", &event, None), Ok(true));
        assert!(eval("event.data.n > 2", &event, None).is_err());
        assert!(eval("async.data.id == '1'", &event, None).is_err());
    }
}
