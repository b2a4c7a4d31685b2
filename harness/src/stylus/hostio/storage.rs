//! Storage through the invocation's cache, and transient storage.

use alloy_primitives::{B256, U256};

use super::{
    env::{Env, Escape, HostioError},
    price::{COLD_SLOAD_GAS, EVM_API_INK, SSTORE_SENTRY_GAS, TRANSIENT_GAS, flat},
    suspend::Then,
};
use crate::stylus::{
    api::{ApiStatus, Request},
    cache::REQUIRED_ACCESS_GAS,
};

/// Gas a cache miss pays for the EVM API on top of the SLOAD (ArbOS ≥ 32).
fn api_gas(env: &Env<'_>) -> u64 {
    env.state().params.ink_to_gas(EVM_API_INK)
}

/// `storage_load_bytes32(key, dest)`: reads a slot through the cache; a miss asks the EVM.
pub(super) fn load(env: &mut Env<'_>, key: u32, dest: u32) -> Result<(), Escape> {
    env.buy_ink(flat(2, 0))?;
    env.require_gas(COLD_SLOAD_GAS + REQUIRED_ACCESS_GAS + api_gas(env))?;
    let key = env.read_u256(key)?;
    let fee = env.state_mut().cache.read_fee();
    match env.state().cache.get(key) {
        Some(value) => {
            env.buy_gas(fee)?;
            env.write(dest, &value.to_be_bytes::<32>())
        }
        None => Err(env.suspend(Request::GetBytes32 { key }, Then::Load { key, dest, fee })),
    }
}

/// The EVM's answer to a load that missed: the cache fee, the SLOAD cost and the API gas.
pub(super) fn loaded(
    env: &mut Env<'_>,
    key: U256,
    dest: u32,
    fee: u64,
    value: B256,
    gas_cost: u64,
) -> Result<(), Escape> {
    env.state_mut().cache.remember(key, value.into());
    env.buy_gas(fee.saturating_add(gas_cost).saturating_add(api_gas(env)))?;
    env.write(dest, value.as_slice())
}

/// `storage_cache_bytes32(key, value)`: writes into the cache only.
pub(super) fn cache(env: &mut Env<'_>, key: u32, value: u32) -> Result<(), Escape> {
    env.buy_ink(flat(2, 0))?;
    env.require_gas(SSTORE_SENTRY_GAS + REQUIRED_ACCESS_GAS)?;
    let key = env.read_u256(key)?;
    let value = env.read_u256(value)?;
    let fee = env.state_mut().cache.write_fee();
    env.state_mut().cache.write(key, value);
    env.buy_gas(fee)
}

/// `storage_flush_cache(clear)`: sends the dirty slots to the EVM in one request; `clear` drops
/// the cache. Nothing dirty, no request.
pub(super) fn flush(env: &mut Env<'_>, clear: u32) -> Result<(), Escape> {
    env.buy_ink(flat(0, EVM_API_INK))?;
    env.require_gas(SSTORE_SENTRY_GAS)?;
    let gas_left = env.gas_left()?;
    let slots = env.state_mut().cache.flush(clear != 0);
    if slots.is_empty() {
        return Ok(());
    }
    env.writable("storage flush")?;
    Err(env.suspend(Request::SetTrieSlots { slots, gas_left }, Then::Flush))
}

/// The EVM's answer to a flush: the SSTORE costs; running out of gas is running out of ink.
pub(super) fn flushed(env: &mut Env<'_>, status: ApiStatus, gas_cost: u64) -> Result<(), Escape> {
    env.buy_gas(gas_cost)?;
    match status {
        ApiStatus::Success => Ok(()),
        ApiStatus::OutOfGas => Err(env.exhaust()),
        ApiStatus::WriteProtection => Err(HostioError::WriteProtection("storage flush").into()),
    }
}

/// `transient_load_bytes32(key, dest)`: TLOAD.
pub(super) fn transient_load(env: &mut Env<'_>, key: u32, dest: u32) -> Result<(), Escape> {
    env.buy_ink(flat(2, EVM_API_INK))?;
    env.buy_gas(TRANSIENT_GAS)?;
    let key = env.read_u256(key)?;
    Err(env.suspend(
        Request::GetTransientBytes32 { key },
        Then::Word {
            dest,
            prepaid: TRANSIENT_GAS,
        },
    ))
}

/// `transient_store_bytes32(key, value)`: TSTORE.
pub(super) fn transient_store(env: &mut Env<'_>, key: u32, value: u32) -> Result<(), Escape> {
    env.buy_ink(flat(2, EVM_API_INK))?;
    env.buy_gas(TRANSIENT_GAS)?;
    let key = env.read_u256(key)?;
    let value = env.read_u256(value)?;
    env.writable("transient store")?;
    Err(env.suspend(
        Request::SetTransientBytes32 { key, value },
        Then::Write {
            prepaid: TRANSIENT_GAS,
            what: "transient store",
        },
    ))
}
