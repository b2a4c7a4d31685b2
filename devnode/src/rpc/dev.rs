//! anvil's dev methods: `evm_mine`, `evm_increaseTime`, `evm_setNextBlockTimestamp`,
//! `evm_snapshot`, `evm_revert`.

use alloy_primitives::U256;
use jsonrpsee::RpcModule;
use serde::Deserialize;
use serde_json::Value;

use super::{
    Shared,
    errors::{RpcError, RpcResult},
    node_method,
};
use crate::Error;

/// A number given as a JSON number or a (hex or decimal) string.
fn number(value: &Value) -> RpcResult<u64> {
    let parsed = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => s.parse().ok(),
        },
        _ => None,
    };
    parsed.ok_or_else(|| RpcError::params(format!("expected a number, got {value}")))
}

/// `evm_mine`'s optional argument: a timestamp, or `{timestamp, blocks}`.
#[derive(Deserialize)]
struct MineOptions {
    timestamp: Option<Value>,
    blocks: Option<Value>,
}

pub(super) fn register(module: &mut RpcModule<Shared>) -> Result<(), Error> {
    node_method(module, "evm_mine", |node, params| {
        let arg: Option<Value> = params.sequence().optional_next()?;
        let (timestamp, blocks) = match &arg {
            None | Some(Value::Null) => (None, 1),
            Some(Value::Object(_)) => {
                let opts: MineOptions = serde_json::from_value(arg.clone().unwrap_or_default())
                    .map_err(|e| RpcError::params(e.to_string()))?;
                let blocks = opts.blocks.as_ref().map(number).transpose()?.unwrap_or(1);
                (opts.timestamp.as_ref().map(number).transpose()?, blocks)
            }
            Some(v) => (Some(number(v)?), 1),
        };
        let mut first = true;
        for _ in 0..blocks.max(1) {
            let ts = if first { timestamp } else { None };
            first = false;
            node.mine(ts)?;
        }
        Ok("0x0")
    })?;
    node_method(module, "evm_increaseTime", |node, params| {
        let seconds: Value = params.sequence().next()?;
        let offset = node.increase_time(number(&seconds)?);
        Ok(U256::from(offset))
    })?;
    node_method(module, "evm_setNextBlockTimestamp", |node, params| {
        let timestamp: Value = params.sequence().next()?;
        node.set_next_timestamp(number(&timestamp)?)?;
        Ok(Value::Null)
    })?;
    node_method(module, "evm_snapshot", |node, _| {
        Ok(U256::from(node.snapshot()))
    })?;
    node_method(module, "evm_revert", |node, params| {
        let id: Value = params.sequence().next()?;
        Ok(node.revert(number(&id)?)?)
    })?;
    Ok(())
}
