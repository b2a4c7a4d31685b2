//! Output: one JSON document with `--json`, aligned tables and lines otherwise.

use serde_json::{Value, json};

use harness::artifact::PurityError;

use super::{revert::Reverted, send::Sent};
use crate::contracts::deploy::Untrusted;

/// The JSON form of a failed command: `{"error", "detail"?, "hint"?, "action"?}`.
pub fn error_json(error: &anyhow::Error) -> Value {
    match error.downcast_ref::<Reverted>() {
        Some(reverted) => json!({
            "error": reverted.name,
            "detail": reverted.detail,
            "hint": reverted.hint,
            "action": reverted.action,
        }),
        None => match error.downcast_ref::<Untrusted>() {
            Some(untrusted) => json!({
                "error": untrusted.name(),
                "detail": untrusted.to_string(),
                "hint": untrusted.hint(),
            }),
            None => match error.downcast_ref::<PurityError>() {
                Some(PurityError::ImpureFunction { import, .. }) => json!({
                    "error": "ImpureFunction",
                    "import": import,
                    "detail": format!("{error:#}"),
                    "hint": "remove the call: a function may import only vm_hooks::read_args, write_result, pay_for_memory_grow and native_keccak256; nothing was sent",
                }),
                _ => json!({ "error": format!("{error:#}") }),
            },
        },
    }
}

/// Prints `value` as JSON.
pub fn print_json(value: &Value) {
    println!("{value}");
}

/// Reports the transactions of a command: JSON `{"transactions": […], …extra}` or one block
/// per transaction followed by the `extra` fields.
pub fn report(json: bool, sent: &[Sent], extra: Value) {
    if json {
        let mut value =
            json!({ "transactions": sent.iter().map(Sent::to_json).collect::<Vec<_>>() });
        if let Value::Object(fields) = extra {
            value.as_object_mut().expect("an object").extend(fields);
        }
        print_json(&value);
    } else {
        for tx in sent {
            tx.print();
        }
        if let Value::Object(fields) = extra {
            for (key, value) in fields {
                println!("{key}: {}", plain(&value));
            }
        }
    }
}

/// Prints rows under `headers`, columns padded to their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|header| header.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    if rows.is_empty() {
        println!("(none)");
    }
}

/// A JSON value as plain text (strings without quotes).
pub fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Prints `value` as JSON, or its fields as `key: value` lines.
pub fn fields(json: bool, value: &Value) {
    if json {
        print_json(value);
    } else if let Value::Object(fields) = value {
        for (key, value) in fields {
            println!("{key}: {}", plain(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::revert;

    #[test]
    fn errors_become_json() {
        let reverted = revert::decode("claim", &[]);
        let value = error_json(&anyhow::Error::new(reverted));
        assert_eq!(value["error"], "revert");
        assert_eq!(value["action"], "claim");
        let value = error_json(&anyhow::anyhow!("plain").context("outer"));
        assert_eq!(value["error"], "outer: plain");
    }
}
