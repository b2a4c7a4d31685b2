//! Receipt logs decoded by the marketplace's ABI — the JSON ABI of the `sol!` interfaces (the
//! registry, the market, its court, governance) and the token's `Transfer`/`Approval` — so
//! every event and field is named as in the contracts. Every field is also a JSON field:
//! snake_case names, integers up to 64 bits as numbers and wider ones as decimal strings,
//! the marketplace's enums by name, structs as objects.

use std::{collections::HashMap, sync::LazyLock};

use alloy::rpc::types::Log;
use alloy_dyn_abi::{DynSolValue, EventExt};
use alloy_json_abi::{Event as AbiEvent, Param};
use alloy_primitives::{Address, B256};
use cloudless_abi::{
    court::{DisputeKind, ICourt},
    market::{EndReason, IGoverned, IMarket, IRegistry, OfferStatus},
};
use serde_json::{Map, Value};

/// One decoded log.
#[derive(Clone, Debug)]
pub struct Event {
    /// The emitting contract.
    pub address: Address,
    /// The event's name.
    pub name: String,
    /// Its fields, as text (`placementId: 1, epoch: 3, …`).
    pub detail: String,
    /// Its fields, as JSON.
    pub fields: Map<String, Value>,
}

impl Event {
    /// `{"event", "address", "detail", …fields}`.
    pub fn to_json(&self) -> Value {
        let mut object = self.fields.clone();
        object.insert("event".into(), self.name.clone().into());
        object.insert("address".into(), self.address.to_string().into());
        object.insert("detail".into(), self.detail.clone().into());
        Value::Object(object)
    }
}

/// Every event the CLI decodes, by its topic 0.
static EVENTS: LazyLock<HashMap<B256, AbiEvent>> = LazyLock::new(|| {
    let token = [
        "event Transfer(address indexed from, address indexed to, uint256 value)",
        "event Approval(address indexed owner, address indexed spender, uint256 value)",
    ]
    .map(|text| AbiEvent::parse(text).expect("a valid event signature"));
    [
        IMarket::abi::events(),
        IRegistry::abi::events(),
        ICourt::abi::events(),
        IGoverned::abi::events(),
    ]
    .into_iter()
    .flat_map(|events| events.into_values().flatten())
    .chain(token)
    .map(|event| (event.selector(), event))
    .collect()
});

/// Decodes `log`, or `None` when it is none of the known events.
pub fn decode(log: &Log) -> Option<Event> {
    let event = EVENTS.get(log.topic0()?)?;
    let decoded = event.decode_log(&log.inner.data).ok()?;
    let (mut indexed, mut body) = (decoded.indexed.into_iter(), decoded.body.into_iter());
    let (mut fields, mut detail) = (Map::new(), Vec::new());
    for input in &event.inputs {
        let value = match input.indexed {
            true => indexed.next()?,
            false => body.next()?,
        };
        let json = match enum_name(&event.name, &input.name, &value) {
            Some(name) => name.into(),
            None => to_json(&input.components, &value),
        };
        detail.push(format!("{}: {}", input.name, text(&json)));
        fields.insert(snake_case(&input.name), json);
    }
    Some(Event {
        address: log.inner.address,
        name: event.name.clone(),
        detail: detail.join(", "),
        fields,
    })
}

/// `value` as JSON, given its type's struct `components`.
fn to_json(components: &[Param], value: &DynSolValue) -> Value {
    match value {
        DynSolValue::Uint(n, bits) if *bits <= 64 => n.saturating_to::<u64>().into(),
        DynSolValue::Uint(n, _) => n.to_string().into(),
        DynSolValue::Int(n, bits) if *bits <= 64 => n.as_i64().into(),
        DynSolValue::Int(n, _) => n.to_string().into(),
        DynSolValue::Bool(b) => (*b).into(),
        DynSolValue::Address(a) => a.to_string().into(),
        DynSolValue::FixedBytes(word, size) => {
            alloy_primitives::hex::encode_prefixed(&word[..*size]).into()
        }
        DynSolValue::Bytes(bytes) => alloy_primitives::hex::encode_prefixed(bytes).into(),
        DynSolValue::String(s) => s.clone().into(),
        DynSolValue::Tuple(values) => Value::Object(
            components
                .iter()
                .zip(values)
                .map(|(p, v)| (snake_case(&p.name), to_json(&p.components, v)))
                .collect(),
        ),
        DynSolValue::Array(values) | DynSolValue::FixedArray(values) => {
            // An array's elements share its components and internal type.
            values.iter().map(|v| to_json(components, v)).collect()
        }
        other => format!("{other:?}").into(),
    }
}

/// The variant name of `value` when field `field` of event `event` is one of the
/// marketplace's enums (the JSON ABI types them as `uint8`).
fn enum_name(event: &str, field: &str, value: &DynSolValue) -> Option<String> {
    let DynSolValue::Uint(n, 8) = value else {
        return None;
    };
    let n = n.saturating_to::<u8>();
    let name = match (event, field) {
        ("DisputeOpened" | "FraudProven", "kind") => {
            format!("{:?}", DisputeKind::try_from(n).ok()?)
        }
        ("OfferStatusChanged", "status") => format!("{:?}", OfferStatus::try_from(n).ok()?),
        ("PlacementEnded", "reason") => format!("{:?}", EndReason::try_from(n).ok()?),
        _ => return None,
    };
    Some(name)
}

/// A JSON value as detail text: strings bare, everything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `placementId` → `placement_id`, `metadataURI` → `metadata_uri`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let after_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
        if c.is_uppercase() && after_lower {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{LogData, U256};
    use alloy_sol_types::SolEvent;

    use super::*;

    fn log(address: Address, data: LogData) -> Log {
        Log {
            inner: alloy_primitives::Log { address, data },
            ..Log::default()
        }
    }

    #[test]
    fn every_field_is_named_as_in_the_contract_with_its_json_kind() {
        let market = Address::repeat_byte(2);
        let ended = IMarket::PlacementEnded {
            placementId: 7,
            reason: EndReason::Evicted,
            endEpoch: 9,
            slashed: U256::from(6_000_000u64),
            placed: 2,
            rate: U256::from(10u64).pow(U256::from(30)),
            balance: U256::ZERO,
        };
        let event = decode(&log(market, ended.encode_log_data())).unwrap();
        assert_eq!(event.name, "PlacementEnded");
        assert_eq!(event.address, market);
        let f = &event.fields;
        assert_eq!(f["placement_id"], 7, "an indexed u64: a number");
        assert_eq!(f["reason"], "Evicted", "an enum: its name");
        assert_eq!(f["slashed"], "6000000", "a uint256: a decimal string");
        assert_eq!(f["rate"], "1000000000000000000000000000000");
        assert!(
            event
                .detail
                .starts_with("placementId: 7, reason: Evicted, endEpoch: 9")
        );
    }

    #[test]
    fn structs_are_objects_and_names_become_snake_case() {
        let registered = IRegistry::ProviderRegistered {
            provider: Address::repeat_byte(5),
            metadataURI: "https://node".into(),
        };
        let event = decode(&log(Address::ZERO, registered.encode_log_data())).unwrap();
        assert_eq!(event.fields["metadata_uri"], "https://node");
        assert_eq!(snake_case("memMiB"), "mem_mi_b");
        assert_eq!(snake_case("cpuMilli"), "cpu_milli");
        assert!(
            decode(&log(
                Address::ZERO,
                LogData::new_unchecked(vec![B256::ZERO], Default::default())
            ))
            .is_none()
        );
    }
}
