//! Receipt logs decoded against the marketplace's and the token's events, with the ids a user
//! needs next (offer, deployment and placement ids, amounts paid) as JSON fields.

use alloy::rpc::types::Log;
use alloy_primitives::Address;
use alloy_sol_types::SolEventInterface;
use cloudless_abi::{
    court::ICourt::ICourtEvents,
    erc20::IStylusToken::IStylusTokenEvents,
    market::{IGoverned::IGovernedEvents, IMarket::IMarketEvents, IRegistry::IRegistryEvents},
};
use serde_json::{Map, Value, json};

/// One decoded log.
#[derive(Clone, Debug)]
pub struct Event {
    /// The emitting contract.
    pub address: Address,
    /// The event's name.
    pub name: String,
    /// Its fields, as text.
    pub detail: String,
    /// Its key fields, as JSON.
    pub fields: Map<String, Value>,
}

impl Event {
    /// `{"event", "address", "detail", …key fields}`.
    pub fn to_json(&self) -> Value {
        let mut object = self.fields.clone();
        object.insert("event".into(), self.name.clone().into());
        object.insert("address".into(), self.address.to_string().into());
        object.insert("detail".into(), self.detail.clone().into());
        Value::Object(object)
    }
}

/// Decodes `log`, or `None` when it is none of the known events.
pub fn decode(log: &Log) -> Option<Event> {
    let inner = &log.inner;
    let (debug, fields) = if let Ok(event) = IMarketEvents::decode_log(inner) {
        (format!("{:?}", event.data), market_fields(&event.data))
    } else if let Ok(event) = IRegistryEvents::decode_log(inner) {
        (format!("{:?}", event.data), registry_fields(&event.data))
    } else if let Ok(event) = ICourtEvents::decode_log(inner) {
        (format!("{:?}", event.data), court_fields(&event.data))
    } else if let Ok(event) = IGovernedEvents::decode_log(inner) {
        (format!("{:?}", event.data), Value::Null)
    } else if let Ok(event) = IStylusTokenEvents::decode_log(inner) {
        (format!("{:?}", event.data), Value::Null)
    } else {
        return None;
    };
    let (name, rest) = debug.split_once('(').unwrap_or((&debug, ""));
    let inner = rest.strip_suffix(')').unwrap_or(rest);
    Some(Event {
        address: inner_address(log),
        name: name.to_owned(),
        detail: inner.strip_prefix(name).unwrap_or(inner).trim().to_owned(),
        fields: match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        },
    })
}

fn inner_address(log: &Log) -> Address {
    log.inner.address
}

fn registry_fields(event: &IRegistryEvents) -> Value {
    use IRegistryEvents as E;
    match event {
        E::OfferCreated(e) => json!({ "offer_id": e.offerId }),
        E::Staked(e) => json!({ "amount": e.amount.to_string(), "stake": e.stake.to_string() }),
        E::UnstakeRequested(e) => {
            json!({ "amount": e.amount.to_string(), "unlock_epoch": e.unlockEpoch })
        }
        E::StakeWithdrawn(e) => json!({ "amount": e.amount.to_string() }),
        _ => Value::Null,
    }
}

fn court_fields(event: &ICourtEvents) -> Value {
    use ICourtEvents as E;
    match event {
        E::DisputeOpened(e) => json!({
            "dispute_id": e.disputeId,
            "placement_id": e.placementId,
            "epoch": e.epoch,
            "index": e.index,
            "bond": e.bond.to_string(),
            "deadline": e.deadline,
        }),
        E::DisputeAnswered(e) => {
            json!({ "dispute_id": e.disputeId, "placement_id": e.placementId })
        }
        E::FraudProven(e) => json!({
            "dispute_id": e.disputeId,
            "placement_id": e.placementId,
            "slashed": e.slashed.to_string(),
            "reward": e.reward.to_string(),
            "refunded": e.refunded.to_string(),
        }),
        _ => Value::Null,
    }
}

fn market_fields(event: &IMarketEvents) -> Value {
    use IMarketEvents as E;
    match event {
        E::DeploymentCreated(e) => json!({
            "deployment_id": e.deploymentId,
            "balance": e.balance.to_string(),
            "created_epoch": e.createdEpoch,
        }),
        E::PlacementCreated(e) => json!({
            "placement_id": e.placementId,
            "deployment_id": e.deploymentId,
            "offer_id": e.offerId,
            "provider": e.provider.to_string(),
            "instances": e.instances,
            "price": e.price.to_string(),
            "start_epoch": e.startEpoch,
        }),
        E::EpochProven(e) => json!({
            "placement_id": e.placementId,
            "epoch": e.epoch,
            "paid": e.paid.to_string(),
            "fee": e.fee.to_string(),
        }),
        E::DeploymentMatched(e) => {
            json!({ "placed": e.placed, "keeper_fee": e.keeperFee.to_string() })
        }
        E::DeploymentFunded(e) => {
            json!({ "amount": e.amount.to_string(), "balance": e.balance.to_string() })
        }
        E::DeploymentWithdrawn(e) => {
            json!({ "amount": e.amount.to_string(), "balance": e.balance.to_string() })
        }
        E::DeploymentCancelled(e) => json!({ "end_epoch": e.endEpoch }),
        E::PlacementExiting(e) => json!({ "placement_id": e.placementId, "end_epoch": e.endEpoch }),
        E::Claimed(e) => {
            json!({ "account": e.account.to_string(), "amount": e.amount.to_string() })
        }
        _ => Value::Null,
    }
}
