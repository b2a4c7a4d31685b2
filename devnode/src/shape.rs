//! What an HTTP request body holds, told apart before jsonrpsee reads it, where jsonrpsee's
//! answer would be wrong: a notification (jsonrpsee answers `null`; it must get no reply), and
//! JSON that is no request object (jsonrpsee says parse error; it is an invalid request).

use serde::{Deserialize, Deserializer, de::IgnoredAny};

/// The kind of a JSON-RPC HTTP body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A request object with an `id`, a batch, or not JSON at all: jsonrpsee answers it.
    ForJsonrpsee,
    /// A request object without an `id`.
    Notification,
    /// JSON, but neither an object nor an array.
    NotARequest,
}

/// Which members a request object has; `null` counts as present (an `id` of `null` asks for a
/// reply).
#[derive(Deserialize)]
struct Members {
    #[serde(default, deserialize_with = "present")]
    id: bool,
    #[serde(default, deserialize_with = "present")]
    method: bool,
}

fn present<'de, D: Deserializer<'de>>(value: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(value).map(|_| true)
}

/// The shape of `body`.
pub(crate) fn shape(body: &[u8]) -> Shape {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => match serde_json::from_slice::<Members>(body) {
            Ok(Members {
                id: false,
                method: true,
            }) => Shape::Notification,
            _ => Shape::ForJsonrpsee,
        },
        Some(b'[') => Shape::ForJsonrpsee,
        _ if serde_json::from_slice::<IgnoredAny>(body).is_ok() => Shape::NotARequest,
        _ => Shape::ForJsonrpsee,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_object_without_an_id_is_a_notification() {
        let shape = |s: &str| shape(s.as_bytes());
        assert_eq!(
            shape(r#" {"jsonrpc":"2.0","method":"eth_chainId","params":[]}"#),
            Shape::Notification
        );
        for answered in [
            r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"eth_chainId"}"#,
            // No method: an invalid request, which jsonrpsee answers.
            r#"{"jsonrpc":"2.0"}"#,
            r#"[{"jsonrpc":"2.0","method":"eth_chainId"}]"#,
            "{not json",
            "",
        ] {
            assert_eq!(shape(answered), Shape::ForJsonrpsee, "{answered}");
        }
    }

    #[test]
    fn json_that_is_no_object_or_array_is_not_a_request() {
        for body in ["1", r#""x""#, "true", "null", " 2.5 "] {
            assert_eq!(shape(body.as_bytes()), Shape::NotARequest, "{body}");
        }
    }
}
