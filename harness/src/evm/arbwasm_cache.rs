//! The ArbWasmCache precompile (`0x…72`): which programs are in the program cache, changed only
//! by the cache managers (on Arbitrum, the chain's `CacheManager` auction).
//!
//! A program's cached flag is part of its ArbWasm record, so it rolls back, survives snapshots
//! and enters the state digest with it; a cached program pays only the cached init gas on entry.
//! The managers live in this precompile's storage: slot 0 holds their count, slot `1 + i` the
//! `i`-th, and the slot named by the hash of a manager's address marks it as one.
//!
//! As in Nitro, an account that is not a manager burns all the gas of `cacheProgram` and
//! `evictCodehash`; caching a program that is not active and up to date reverts with ArbWasm's
//! `ProgramNeedsUpgrade` or `ProgramExpired`; caching a cached program, or evicting one that is
//! not, changes nothing. Nitro's deprecated `cacheCodehash` and the chain owner's access are not
//! modelled (the dev node has no chain owner).

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use revm::{
    context_interface::host::Host,
    interpreter::{CallInputs, Gas, InterpreterResult},
    primitives::Log,
};

use super::{
    Chain,
    arbos::ArbOs,
    arbwasm::{self, ProgramError},
    machine::Ctx,
    precompile::{self, Failure, STORAGE_READ_GAS, STORAGE_WRITE_GAS, charge},
};

pub use cloudless_abi::arbwasm_cache::{ARB_WASM_CACHE, IArbWasmCache};

use IArbWasmCache::IArbWasmCacheCalls as Call;

/// Slot holding the number of managers.
const COUNT_SLOT: U256 = U256::ZERO;

/// Slot holding the `i`-th manager.
fn list_slot(i: u64) -> U256 {
    U256::from(i) + U256::from(1)
}

/// Slot that is non-zero when `manager` is one.
fn member_slot(manager: Address) -> U256 {
    U256::from_be_bytes(keccak256(manager).0)
}

/// Makes `manager` a cache manager, as ArbOwner's `addWasmCacheManager` does (a genesis step
/// for the dev node, which has no chain owner). Adding a manager twice changes nothing.
pub fn add_manager(chain: &mut Chain, manager: Address) {
    if !chain
        .storage(ARB_WASM_CACHE, member_slot(manager))
        .is_zero()
    {
        return;
    }
    let count = chain
        .storage(ARB_WASM_CACHE, COUNT_SLOT)
        .saturating_to::<u64>();
    chain.set_storage(
        ARB_WASM_CACHE,
        list_slot(count),
        U256::from_be_slice(manager.as_slice()),
    );
    chain.set_storage(ARB_WASM_CACHE, member_slot(manager), U256::from(1));
    chain.set_storage(ARB_WASM_CACHE, COUNT_SLOT, U256::from(count + 1));
}

/// Runs one call to the precompile.
pub(crate) fn run(arbos: &mut ArbOs, ctx: &mut Ctx, inputs: &CallInputs) -> InterpreterResult {
    precompile::run(ctx, inputs, |ctx, input, gas| {
        dispatch(arbos, ctx, inputs, input, gas)
    })
}

/// A storage word of the precompile.
fn load(ctx: &mut Ctx, slot: U256, gas: &mut Gas) -> Result<U256, Failure> {
    charge(gas, STORAGE_READ_GAS)?;
    ctx.load_account_info_skip_cold_load(ARB_WASM_CACHE, false, false)
        .map_err(|_| Failure::BurnOut)?;
    Ok(ctx
        .sload(ARB_WASM_CACHE, slot)
        .map(|s| s.data)
        .unwrap_or_default())
}

fn is_manager(ctx: &mut Ctx, account: Address, gas: &mut Gas) -> Result<bool, Failure> {
    Ok(!load(ctx, member_slot(account), gas)?.is_zero())
}

fn dispatch(
    arbos: &ArbOs,
    ctx: &mut Ctx,
    inputs: &CallInputs,
    input: &[u8],
    gas: &mut Gas,
) -> Result<Vec<u8>, Failure> {
    let call = Call::abi_decode(input).map_err(|_| Failure::BurnOut)?;
    let writes = matches!(call, Call::cacheProgram(_) | Call::evictCodehash(_));
    // No method takes value.
    if (writes && inputs.is_static) || inputs.transfers_value() {
        return Err(Failure::BurnOut);
    }
    if writes && !is_manager(ctx, inputs.caller, gas)? {
        return Err(Failure::BurnOut);
    }
    use IArbWasmCache::*;
    Ok(match call {
        Call::isCacheManager(c) => {
            isCacheManagerCall::abi_encode_returns(&is_manager(ctx, c.manager, gas)?)
        }
        Call::allCacheManagers(_) => {
            let count = load(ctx, COUNT_SLOT, gas)?.saturating_to::<u64>();
            let managers = (0..count)
                .map(|i| {
                    Ok(Address::from_word(B256::from(
                        load(ctx, list_slot(i), gas)?.to_be_bytes(),
                    )))
                })
                .collect::<Result<Vec<_>, Failure>>()?;
            allCacheManagersCall::abi_encode_returns(&managers)
        }
        Call::codehashIsCached(c) => {
            charge(gas, STORAGE_READ_GAS)?;
            let cached = arbwasm::record(ctx, c.codehash).is_some_and(|r| r.cached);
            codehashIsCachedCall::abi_encode_returns(&cached)
        }
        Call::cacheProgram(c) => {
            let code = ctx
                .load_account_code(c.addr)
                .map(|code| code.data)
                .unwrap_or_default();
            set_cached(arbos, ctx, inputs.caller, keccak256(&code), true, gas)?;
            Vec::new()
        }
        Call::evictCodehash(c) => {
            set_cached(arbos, ctx, inputs.caller, c.codehash, false, gas)?;
            Vec::new()
        }
    })
}

/// Nitro's `SetProgramCached`: a program enters the cache only while active and up to date;
/// a change of the flag is written and logged, the same flag again changes nothing.
fn set_cached(
    arbos: &ArbOs,
    ctx: &mut Ctx,
    manager: Address,
    codehash: B256,
    cached: bool,
    gas: &mut Gas,
) -> Result<(), Failure> {
    charge(gas, STORAGE_READ_GAS)?;
    let record = arbwasm::record(ctx, codehash);
    if cached {
        let version = record.map_or(0, |r| r.version);
        let refuse = |e: ProgramError| Err(Failure::Revert(e.abi_encode()));
        if version != arbos.params.version {
            return refuse(ProgramError::NeedsUpgrade(version, arbos.params.version));
        }
        let now = ctx.block.timestamp.saturating_to::<u64>();
        if let Some(r) = record.filter(|r| r.time_left(now).is_none()) {
            return refuse(ProgramError::Expired(r.age(now)));
        }
    }
    let Some(mut record) = record.filter(|r| r.cached != cached) else {
        return Ok(());
    };
    charge(gas, STORAGE_WRITE_GAS)?;
    record.cached = cached;
    arbwasm::store_record(ctx, codehash, record)?;
    let event = IArbWasmCache::UpdateProgramCache {
        manager,
        codehash,
        cached,
    };
    ctx.log(Log {
        address: ARB_WASM_CACHE,
        data: event.encode_log_data(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manager_added_twice_is_listed_once() {
        let mut chain = Chain::default();
        let manager = Address::repeat_byte(0x07);
        add_manager(&mut chain, manager);
        add_manager(&mut chain, manager);
        let all = IArbWasmCache::allCacheManagersCall {};
        assert_eq!(chain.view_sol(ARB_WASM_CACHE, &all).unwrap(), vec![manager]);
        let is = IArbWasmCache::isCacheManagerCall { manager };
        assert!(chain.view_sol(ARB_WASM_CACHE, &is).unwrap());
        let other = IArbWasmCache::isCacheManagerCall {
            manager: Address::repeat_byte(0x08),
        };
        assert!(!chain.view_sol(ARB_WASM_CACHE, &other).unwrap());
    }
}
