//! An API-endpoint function: a price quote. The request is a flat JSON object, e.g.
//! `{"sku": "gpu", "qty": 12, "region": "eu"}`; the response is the quote as JSON:
//! `{"sku":"gpu","qty":12,"region":"eu","unit_price":27000,"discount_bps":500,"total":307800,
//! "quote_id":"…"}`.
//!
//! Prices are integers (cents): the regional unit price is the list price times the region's
//! factor (basis points, rounded down), and the total takes the volume discount off
//! `qty × unit_price` (rounded down). Unknown fields are ignored; string values have no escapes.
//! `quote_id` is the first 8 bytes of keccak256 of the request, in hex: the same request always
//! gets the same id, so a quote can be referred to and checked again.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{format, string::String, vec::Vec};
use core::fmt;

/// List prices in cents per unit.
const SKUS: [(&str, u64); 3] = [("cpu-small", 1_200), ("cpu-large", 4_500), ("gpu", 25_000)];
/// Regional price factors in basis points.
const REGIONS: [(&str, u64); 3] = [("us", 10_000), ("eu", 10_800), ("ap", 11_500)];
/// Volume discounts: (least quantity, basis points off), largest first.
const DISCOUNTS: [(u64, u64); 2] = [(100, 1_000), (10, 500)];
/// The largest quantity quoted.
pub const MAX_QTY: u64 = 1_000_000;

/// Why a request gets no quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteError {
    /// Not a flat JSON object of strings and integers; the byte offset where parsing stopped.
    Malformed(usize),
    /// A required field is absent.
    Missing(&'static str),
    /// A field has the wrong type (string where a number belongs, or the reverse).
    WrongType(&'static str),
    /// The SKU is not in the price list.
    UnknownSku,
    /// The region is not served.
    UnknownRegion,
    /// The quantity is 0 or above [`MAX_QTY`].
    Quantity,
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(at) => write!(f, "malformed JSON at byte {at}"),
            Self::Missing(field) => write!(f, "missing field `{field}`"),
            Self::WrongType(field) => write!(f, "field `{field}` has the wrong type"),
            Self::UnknownSku => f.write_str("unknown sku: use cpu-small, cpu-large or gpu"),
            Self::UnknownRegion => f.write_str("unknown region: use us, eu or ap"),
            Self::Quantity => write!(f, "qty must be between 1 and {MAX_QTY}"),
        }
    }
}

/// A JSON value of a flat object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value<'a> {
    Text(&'a str),
    Number(u64),
}

/// The fields of a flat JSON object, in order.
fn parse(json: &str) -> Result<Vec<(&str, Value<'_>)>, QuoteError> {
    let bytes = json.as_bytes();
    let mut at = 0;
    let skip = |at: &mut usize| {
        while bytes.get(*at).is_some_and(u8::is_ascii_whitespace) {
            *at += 1;
        }
    };
    let expect = |at: &mut usize, byte: u8| {
        skip(at);
        if bytes.get(*at) == Some(&byte) {
            *at += 1;
            Ok(())
        } else {
            Err(QuoteError::Malformed(*at))
        }
    };
    let string = |at: &mut usize| {
        expect(at, b'"')?;
        let start = *at;
        let len = bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .filter(|&len| bytes[start + len] == b'"')
            .ok_or(QuoteError::Malformed(start))?;
        *at = start + len + 1;
        Ok(&json[start..start + len])
    };
    let mut fields = Vec::new();
    expect(&mut at, b'{')?;
    skip(&mut at);
    if bytes.get(at) == Some(&b'}') {
        at += 1;
    } else {
        loop {
            let key = string(&mut at)?;
            expect(&mut at, b':')?;
            skip(&mut at);
            let value = if bytes.get(at) == Some(&b'"') {
                Value::Text(string(&mut at)?)
            } else {
                let digits = bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let number = json[at..at + digits]
                    .parse()
                    .map_err(|_| QuoteError::Malformed(at))?;
                at += digits;
                Value::Number(number)
            };
            fields.push((key, value));
            skip(&mut at);
            match bytes.get(at) {
                Some(b',') => at += 1,
                Some(b'}') => {
                    at += 1;
                    break;
                }
                _ => return Err(QuoteError::Malformed(at)),
            }
        }
    }
    skip(&mut at);
    if at != bytes.len() {
        return Err(QuoteError::Malformed(at));
    }
    Ok(fields)
}

fn field<'a>(fields: &[(&str, Value<'a>)], name: &'static str) -> Result<Value<'a>, QuoteError> {
    fields
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| *value)
        .ok_or(QuoteError::Missing(name))
}

fn text<'a>(fields: &[(&str, Value<'a>)], name: &'static str) -> Result<&'a str, QuoteError> {
    match field(fields, name)? {
        Value::Text(text) => Ok(text),
        Value::Number(_) => Err(QuoteError::WrongType(name)),
    }
}

fn lookup<T: Copy>(table: &[(&'static str, T)], key: &str) -> Option<(&'static str, T)> {
    table.iter().find(|(name, _)| *name == key).copied()
}

/// The handler: a quote request in, the quote as JSON out.
pub fn handle(request: &[u8]) -> Result<Vec<u8>, QuoteError> {
    let json = core::str::from_utf8(request)
        .map_err(|error| QuoteError::Malformed(error.valid_up_to()))?;
    let fields = parse(json)?;
    let (sku, list_price) = lookup(&SKUS, text(&fields, "sku")?).ok_or(QuoteError::UnknownSku)?;
    let (region, factor) =
        lookup(&REGIONS, text(&fields, "region")?).ok_or(QuoteError::UnknownRegion)?;
    let qty = match field(&fields, "qty")? {
        Value::Number(qty @ 1..=MAX_QTY) => qty,
        Value::Number(_) => return Err(QuoteError::Quantity),
        Value::Text(_) => return Err(QuoteError::WrongType("qty")),
    };
    let unit_price = list_price * factor / 10_000;
    let discount_bps = DISCOUNTS
        .iter()
        .find(|(least, _)| qty >= *least)
        .map_or(0, |(_, bps)| *bps);
    let total = qty * unit_price * (10_000 - discount_bps) / 10_000;
    let quote_id = hex(&cloudless_function::keccak256(request)[..8]);
    Ok(format!(
        r#"{{"sku":"{sku}","qty":{qty},"region":"{region}","unit_price":{unit_price},"discount_bps":{discount_bps},"total":{total},"quote_id":"{quote_id}"}}"#
    )
    .into_bytes())
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0xf])
        .map(|nibble| char::from(DIGITS[usize::from(nibble)]))
        .collect()
}

cloudless_function::function!(handle);

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(request: &str) -> Result<String, QuoteError> {
        handle(request.as_bytes()).map(|bytes| String::from_utf8(bytes).unwrap())
    }

    /// The number after `"name":` in a JSON response.
    fn number(json: &str, name: &str) -> u64 {
        let start = json.find(&format!("\"{name}\":")).unwrap() + name.len() + 3;
        json[start..]
            .split([',', '}'])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    #[test]
    fn a_volume_order_gets_the_regional_price_less_the_discount() {
        let response = quote(r#"{"sku": "gpu", "qty": 12, "region": "eu"}"#).unwrap();
        // 250.00 × 1.08 = 270.00 a unit; 12 units = 3,240.00, less 5% = 3,078.00.
        assert_eq!(number(&response, "unit_price"), 27_000);
        assert_eq!(number(&response, "discount_bps"), 500);
        assert_eq!(number(&response, "total"), 307_800);
        assert!(response.starts_with(r#"{"sku":"gpu","qty":12,"region":"eu""#));
    }

    #[test]
    fn the_quote_id_is_the_requests_hash_prefix() {
        let request = r#"{"sku": "gpu", "qty": 12, "region": "eu"}"#;
        let response = quote(request).unwrap();
        let hash = cloudless_function::keccak256(request.as_bytes());
        let expected: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        assert!(
            response.ends_with(&format!(r#","quote_id":"{expected}"}}"#)),
            "{response}"
        );
        let other = quote(r#"{"sku":"gpu","qty":12,"region":"eu"}"#).unwrap();
        assert_ne!(response, other, "another request, another id");
    }

    #[test]
    fn totals_round_down_and_discounts_start_at_their_threshold() {
        // 12.00 × 1.15 = 13.80; 9 units: 124.20, no discount.
        let small = quote(r#"{"region":"ap","sku":"cpu-small","qty":9}"#).unwrap();
        assert_eq!(number(&small, "total"), 12_420);
        // 45.00 × 1.15 = 51.75; 100 units: 5,175.00, less 10% = 4,657.50.
        let large = quote(r#"{"region":"ap","sku":"cpu-large","qty":100,"note":"x"}"#).unwrap();
        assert_eq!(number(&large, "total"), 465_750);
        // 12.00 × 1.08 = 12.96; 7 × 12.96 = 90.72.
        let eu = quote(r#"{"region":"eu","sku":"cpu-small","qty":7}"#).unwrap();
        assert_eq!(number(&eu, "total"), 9_072);
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        assert_eq!(
            quote(r#"{"sku":"gpu","qty":1}"#),
            Err(QuoteError::Missing("region"))
        );
        assert_eq!(
            quote(r#"{"sku":"tpu","qty":1,"region":"us"}"#),
            Err(QuoteError::UnknownSku)
        );
        assert_eq!(
            quote(r#"{"sku":"gpu","qty":1,"region":"mars"}"#),
            Err(QuoteError::UnknownRegion)
        );
        assert_eq!(
            quote(r#"{"sku":"gpu","qty":0,"region":"us"}"#),
            Err(QuoteError::Quantity)
        );
        assert_eq!(
            quote(r#"{"sku":"gpu","qty":"3","region":"us"}"#),
            Err(QuoteError::WrongType("qty"))
        );
        assert_eq!(
            quote(r#"{"sku":"gpu" "qty":1}"#),
            Err(QuoteError::Malformed(13))
        );
        assert_eq!(quote(r#"{"sku":"g\"pu"}"#), Err(QuoteError::Malformed(8)));
        assert_eq!(quote("{} x"), Err(QuoteError::Malformed(3)));
        assert_eq!(
            QuoteError::Missing("qty").to_string(),
            "missing field `qty`"
        );
    }
}
