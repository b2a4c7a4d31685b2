//! A templated-notification function. The request is `name=value` lines, a line `---`, then
//! the template; every `{{name}}` in the template is replaced by its value:
//!
//! ```text
//! name=Ada
//! plan=Pro
//! ---
//! Hi {{name}}, your {{plan}} plan renews tomorrow.
//! ```
//!
//! A placeholder without a value, an unclosed `{{` or a value line without `=` is refused, so a
//! notification never goes out half-rendered.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::vec::Vec;
use core::fmt;

/// The line between the values and the template.
const SEPARATOR: &[u8] = b"---";

/// Why a notification cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// No `---` line between the values and the template.
    NoTemplate,
    /// A value line has no `=`; its 1-based line number.
    BadValue(usize),
    /// A placeholder has no value; its byte offset in the template.
    NoValue(usize),
    /// A `{{` is never closed; its byte offset in the template.
    Unclosed(usize),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoTemplate => f.write_str("no `---` line before the template"),
            Self::BadValue(line) => write!(f, "line {line}: expected name=value"),
            Self::NoValue(at) => write!(f, "template byte {at}: placeholder without a value"),
            Self::Unclosed(at) => write!(f, "template byte {at}: `{{{{` is never closed"),
        }
    }
}

/// `(name, value)` pairs, in request order.
type Values<'a> = Vec<(&'a [u8], &'a [u8])>;

/// Splits the request into its values and its template.
fn split(request: &[u8]) -> Result<(Values<'_>, &[u8]), RenderError> {
    let mut values = Vec::new();
    let mut rest = request;
    let mut line_number = 0;
    loop {
        line_number += 1;
        let end = rest.iter().position(|&b| b == b'\n');
        let line = &rest[..end.unwrap_or(rest.len())];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line == SEPARATOR {
            return Ok((values, end.map_or(&[][..], |end| &rest[end + 1..])));
        }
        let Some(end) = end else {
            return Err(RenderError::NoTemplate);
        };
        let eq = line
            .iter()
            .position(|&b| b == b'=')
            .ok_or(RenderError::BadValue(line_number))?;
        values.push((line[..eq].trim_ascii(), &line[eq + 1..]));
        rest = &rest[end + 1..];
    }
}

/// Renders `template` with `values` (the last value of a name wins).
pub fn render(template: &[u8], values: &[(&[u8], &[u8])]) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(template.len());
    let mut at = 0;
    while let Some(open) = find(&template[at..], b"{{") {
        let open = at + open;
        out.extend_from_slice(&template[at..open]);
        let close = find(&template[open + 2..], b"}}").ok_or(RenderError::Unclosed(open))?;
        let name = template[open + 2..open + 2 + close].trim_ascii();
        let (_, value) = values
            .iter()
            .rev()
            .find(|(key, _)| *key == name)
            .ok_or(RenderError::NoValue(open))?;
        out.extend_from_slice(value);
        at = open + 2 + close + 2;
    }
    out.extend_from_slice(&template[at..]);
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The handler: values and template in, the rendered message out.
pub fn handle(request: &[u8]) -> Result<Vec<u8>, RenderError> {
    let (values, template) = split(request)?;
    render(template, &values)
}

cloudless_function::function!(handle);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_by_their_values() {
        let request =
            "name=Ada\nplan= Pro\n---\nHi {{name}}, your {{ plan }} plan renews.\n{{name}}!";
        assert_eq!(
            handle(request.as_bytes()).unwrap(),
            b"Hi Ada, your  Pro plan renews.\nAda!"
        );
    }

    #[test]
    fn rendering_is_byte_exact_for_any_value() {
        let value: Vec<u8> = (0..=255u8).filter(|&b| b != b'\n').collect();
        let mut request = b"blob=".to_vec();
        request.extend_from_slice(&value);
        request.extend_from_slice(b"\r\n---\r\n<{{blob}}>");
        let mut expected = b"<".to_vec();
        expected.extend_from_slice(&value);
        expected.push(b'>');
        assert_eq!(handle(&request).unwrap(), expected);
    }

    #[test]
    fn a_template_without_placeholders_is_returned_as_is() {
        assert_eq!(handle(b"---\nplain } { text").unwrap(), b"plain } { text");
        assert_eq!(handle(b"---").unwrap(), b"");
    }

    #[test]
    fn incomplete_requests_are_refused_with_a_reason() {
        assert_eq!(handle(b"name=Ada\nHi"), Err(RenderError::NoTemplate));
        assert_eq!(
            handle(b"name=Ada\nnope\n---\n"),
            Err(RenderError::BadValue(2))
        );
        assert_eq!(handle(b"---\nHi {{who}}"), Err(RenderError::NoValue(3)));
        assert_eq!(
            handle(b"a=1\n---\n{{a}} {{a"),
            Err(RenderError::Unclosed(6))
        );
        assert_eq!(
            RenderError::Unclosed(6).to_string(),
            "template byte 6: `{{` is never closed"
        );
    }
}
