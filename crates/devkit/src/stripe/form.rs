//! Form bodies and query strings in Stripe's bracket notation, parsed into JSON:
//! `a=1&metadata[k]=v&expand[]=x&expand[]=y` is
//! `{"a": "1", "metadata": {"k": "v"}, "expand": ["x", "y"]}`. Every leaf stays a
//! string, as on the wire; each endpoint converts what it reads.

use serde_json::{Map, Value};

/// Why a form did not parse (answered as a 400 `invalid_request_error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError(pub String);

/// Parse `input` (`+` and `%XX` decoded, as `application/x-www-form-urlencoded`).
pub fn parse(input: &[u8]) -> Result<Map<String, Value>, FormError> {
    let mut root = Map::new();
    for (name, value) in form_urlencoded::parse(input) {
        if name.is_empty() {
            continue;
        }
        let path = split_name(&name)?;
        insert(&mut root, &path, value.into_owned(), &name)?;
    }
    Ok(root)
}

/// `metadata[k]` → `["metadata", "k"]`; `expand[]` → `["expand", ""]`.
fn split_name(name: &str) -> Result<Vec<String>, FormError> {
    let invalid = || FormError(format!("Invalid parameter name: {name}"));
    let (base, mut rest) = match name.find('[') {
        Some(i) => (&name[..i], &name[i..]),
        None => (name, ""),
    };
    if base.is_empty() || base.contains(']') {
        return Err(invalid());
    }
    let mut path = vec![base.to_owned()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').ok_or_else(invalid)?;
        let close = inner.find(']').ok_or_else(invalid)?;
        let part = &inner[..close];
        if part.contains('[') {
            return Err(invalid());
        }
        path.push(part.to_owned());
        rest = &inner[close + 1..];
    }
    Ok(path)
}

fn insert(
    target: &mut Map<String, Value>,
    path: &[String],
    value: String,
    name: &str,
) -> Result<(), FormError> {
    let conflict = || {
        FormError(format!(
            "Invalid parameter: {name} mixes a value and a hash"
        ))
    };
    let Some((first, rest)) = path.split_first() else {
        return Ok(());
    };
    match rest {
        // `a=v`: the last value wins, as in Stripe's parser.
        [] => match target.get(first) {
            Some(Value::Object(_) | Value::Array(_)) => Err(conflict()),
            _ => {
                target.insert(first.clone(), Value::String(value));
                Ok(())
            }
        },
        // `a[]=v`: append to an array of strings.
        [last] if last.is_empty() => {
            let entry = target
                .entry(first.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            match entry {
                Value::Array(items) => {
                    items.push(Value::String(value));
                    Ok(())
                }
                _ => Err(conflict()),
            }
        }
        [key, ..] if key.is_empty() => Err(FormError(format!(
            "Invalid parameter: {name} (arrays of hashes are not supported here)"
        ))),
        _ => {
            let entry = target
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            match entry {
                Value::Object(inner) => insert(inner, rest, value, name),
                _ => Err(conflict()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(input: &str) -> Value {
        Value::Object(parse(input.as_bytes()).unwrap())
    }

    #[test]
    fn brackets_nest_and_append() {
        assert_eq!(
            parsed(
                "charge=ch_1&amount=500&metadata[k]=v&metadata[a%20b]=c+d&expand[]=x&expand[]=y"
            ),
            json!({"charge": "ch_1", "amount": "500", "metadata": {"k": "v", "a b": "c d"},
                   "expand": ["x", "y"]})
        );
        assert_eq!(
            parsed("metadata%5Bk%5D=%26%3D"),
            json!({"metadata": {"k": "&="}})
        );
        assert_eq!(parsed("a[b][c]=1"), json!({"a": {"b": {"c": "1"}}}));
        assert_eq!(parsed(""), json!({}));
        assert_eq!(parsed("a=1&a=2"), json!({"a": "2"}));
    }

    #[test]
    fn malformed_names_are_errors() {
        for bad in [
            "a=1&a[b]=2",
            "a[b]=1&a=2",
            "a[]=1&a[b]=2",
            "[x]=1",
            "a[b=1",
            "a]=1",
            "a[][b]=1",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
