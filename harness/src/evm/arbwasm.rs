//! The ArbWasm precompile (`0x…71`): program activation and the views cargo-stylus calls before
//! deploying.
//!
//! Activation records live in the precompile account's storage, one word per code hash, so they
//! are part of the state: they roll back with a reverted transaction, survive snapshots and enter
//! the state digest.
//!
//! Like Nitro's precompiles, a call either returns, reverts with a Solidity error keeping the gas
//! left, or reverts with no data and no gas left: for calldata that names no method or does not
//! decode, a write in a static call, value sent to a method that is not payable, running out of
//! gas, and a program that fails activation. Known differences from Nitro (documented in
//! `docs/executor.md`): the data fee is zero and any value sent is refunded; the ArbOS storage
//! reads and writes are priced as a few fixed charges.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent, SolInterface};
use revm::{
    context::{ContextTr, JournalTr},
    context_interface::host::Host,
    interpreter::{CallInputs, Gas, InterpreterResult},
    primitives::Log,
};

use super::{
    arbos::{ARB_WASM, ArbOs},
    is_stylus_program,
    machine::Ctx,
    precompile::{self, Failure, STORAGE_READ_GAS, STORAGE_WRITE_GAS, charge},
};
use crate::{
    artifact,
    stylus::{params::StylusParams, program},
};

pub use cloudless_abi::arbwasm::IArbWasm;

use IArbWasm::IArbWasmCalls as Call;

/// Days after activation until a program expires (Nitro's `ExpiryDays`).
pub const EXPIRY_DAYS: u16 = 365;
/// Days a keepalive must wait (Nitro's `KeepaliveDays`).
pub const KEEPALIVE_DAYS: u16 = 31;
/// Arbitrum's epoch (2015-01-16), from which ArbOS counts activation hours.
const ARBITRUM_EPOCH: u64 = 1_421_388_000;
/// The data fee of an activation or a keepalive. Nitro prices the bytes by recent demand; the
/// harness charges nothing, so every wei sent comes back.
const DATA_FEE: U256 = U256::ZERO;
/// Gas `activateProgram` burns before anything else (Nitro's fixed activation cost), on top of
/// the program's own activation gas.
pub const ACTIVATION_FIXED_GAS: u64 = 1_659_168;

/// What ArbOS records when a program is activated, packed into one storage word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramRecord {
    /// Stylus version at activation.
    pub version: u16,
    /// Initial memory pages.
    pub footprint: u16,
    /// Init cost units.
    pub init_cost: u16,
    /// Cached init cost units.
    pub cached_init_cost: u16,
    /// Estimated native size.
    pub asm_estimate: u32,
    /// Block timestamp of activation (or of the last keepalive), rounded down to the hour.
    pub activated_at: u64,
    /// In the program cache (ArbWasmCache): calls pay only the cached init gas.
    pub cached: bool,
}

impl ProgramRecord {
    fn to_word(self) -> U256 {
        let mut w = [0u8; 32];
        w[0..2].copy_from_slice(&self.version.to_be_bytes());
        w[2..4].copy_from_slice(&self.footprint.to_be_bytes());
        w[4..6].copy_from_slice(&self.init_cost.to_be_bytes());
        w[6..8].copy_from_slice(&self.cached_init_cost.to_be_bytes());
        w[8..12].copy_from_slice(&self.asm_estimate.to_be_bytes());
        w[12..20].copy_from_slice(&self.activated_at.to_be_bytes());
        w[20] = u8::from(self.cached);
        U256::from_be_bytes(w)
    }

    fn from_word(word: U256) -> Option<Self> {
        if word.is_zero() {
            return None;
        }
        let w: [u8; 32] = word.to_be_bytes();
        let u16_at = |i: usize| u16::from_be_bytes([w[i], w[i + 1]]);
        Some(Self {
            version: u16_at(0),
            footprint: u16_at(2),
            init_cost: u16_at(4),
            cached_init_cost: u16_at(6),
            asm_estimate: u32::from_be_bytes(w[8..12].try_into().expect("4 bytes")),
            activated_at: u64::from_be_bytes(w[12..20].try_into().expect("8 bytes")),
            cached: w[20] != 0,
        })
    }

    /// Gas to start the program now: the cached init gas when it is cached.
    pub fn entry_gas(&self, params: &StylusParams) -> u64 {
        let (full, cached) = self.init_gas(params);
        if self.cached { cached } else { full }
    }

    /// Gas to start the program, `(not cached, cached)`.
    pub fn init_gas(&self, params: &StylusParams) -> (u64, u64) {
        let gas = |cached| {
            program::init_gas(
                params,
                self.version,
                self.init_cost,
                self.cached_init_cost,
                cached,
            )
        };
        (gas(false), gas(true))
    }

    /// Seconds until the program expires at `now`; `None` once it has. Like Nitro, ArbOS keeps
    /// the activation time in whole hours since Arbitrum's epoch, and a program expires only
    /// when its age exceeds `EXPIRY_DAYS`.
    pub fn time_left(&self, now: u64) -> Option<u64> {
        let expires = self.activated_at + u64::from(EXPIRY_DAYS) * 86_400;
        (now <= expires).then(|| expires - now)
    }

    /// Seconds since activation (or the last keepalive) at `now`.
    pub fn age(&self, now: u64) -> u64 {
        now.saturating_sub(self.activated_at)
    }
}

/// Why a program cannot run; each maps to the ArbWasm error Nitro reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramError {
    /// The code is not a Stylus program.
    NotWasm,
    /// Never activated.
    NotActivated,
    /// Activated under an older Stylus version.
    NeedsUpgrade(u16, u16),
    /// Activated too long ago.
    Expired(u64),
}

impl ProgramError {
    /// The ABI-encoded ArbWasm error.
    pub fn abi_encode(&self) -> Vec<u8> {
        use IArbWasm::*;
        match *self {
            Self::NotWasm => ProgramNotWasm {}.abi_encode(),
            Self::NotActivated => ProgramNotActivated {}.abi_encode(),
            Self::NeedsUpgrade(version, stylus_version) => ProgramNeedsUpgrade {
                version,
                stylusVersion: stylus_version,
            }
            .abi_encode(),
            Self::Expired(age) => ProgramExpired { ageInSeconds: age }.abi_encode(),
        }
    }
}

fn record_slot(codehash: B256) -> U256 {
    U256::from_be_bytes(codehash.0)
}

/// The activation record of `codehash`, if any.
pub(crate) fn record(ctx: &mut Ctx, codehash: B256) -> Option<ProgramRecord> {
    ctx.load_account_info_skip_cold_load(ARB_WASM, false, false)
        .ok()?;
    ProgramRecord::from_word(ctx.sload(ARB_WASM, record_slot(codehash))?.data)
}

/// Writes the record of `codehash`.
pub(crate) fn store_record(
    ctx: &mut Ctx,
    codehash: B256,
    record: ProgramRecord,
) -> Result<(), Failure> {
    ctx.load_account_info_skip_cold_load(ARB_WASM, false, false)
        .map_err(|_| Failure::BurnOut)?;
    ctx.sstore(ARB_WASM, record_slot(codehash), record.to_word());
    Ok(())
}

/// The record of a program that may run now, or why it may not.
pub(crate) fn runnable(
    arbos: &ArbOs,
    ctx: &mut Ctx,
    codehash: B256,
) -> Result<ProgramRecord, ProgramError> {
    let record = record(ctx, codehash).ok_or(ProgramError::NotActivated)?;
    if record.version != arbos.params.version {
        return Err(ProgramError::NeedsUpgrade(
            record.version,
            arbos.params.version,
        ));
    }
    let now = ctx.block.timestamp.saturating_to::<u64>();
    if record.time_left(now).is_none() {
        return Err(ProgramError::Expired(record.age(now)));
    }
    Ok(record)
}

/// `t` rounded down to a whole hour counted from Arbitrum's epoch.
fn hour_floor(t: u64) -> u64 {
    ARBITRUM_EPOCH + (t.saturating_sub(ARBITRUM_EPOCH) / 3600) * 3600
}

/// Runs one call to the precompile.
pub(crate) fn run(arbos: &mut ArbOs, ctx: &mut Ctx, inputs: &CallInputs) -> InterpreterResult {
    precompile::run(ctx, inputs, |ctx, input, gas| {
        dispatch(arbos, ctx, inputs, input, gas)
    })
}

/// The code of `program`, which must be a Stylus program.
fn stylus_code(ctx: &mut Ctx, program: Address, gas: &mut Gas) -> Result<Bytes, Failure> {
    charge(gas, 2 * STORAGE_READ_GAS)?;
    let code = ctx
        .load_account_code(program)
        .map(|c| c.data)
        .unwrap_or_default();
    if !is_stylus_program(&code) {
        return Err(Failure::Revert(ProgramError::NotWasm.abi_encode()));
    }
    Ok(code)
}

/// The record of a program account, for the views.
fn program_of(
    arbos: &ArbOs,
    ctx: &mut Ctx,
    program: Address,
    gas: &mut Gas,
) -> Result<ProgramRecord, Failure> {
    let code = stylus_code(ctx, program, gas)?;
    runnable(arbos, ctx, keccak256(&code)).map_err(|e| Failure::Revert(e.abi_encode()))
}

fn dispatch(
    arbos: &mut ArbOs,
    ctx: &mut Ctx,
    inputs: &CallInputs,
    input: &[u8],
    gas: &mut Gas,
) -> Result<Vec<u8>, Failure> {
    let call = Call::abi_decode(input).map_err(|_| Failure::BurnOut)?;
    // `activateProgram` and `codehashKeepalive` are the methods that write and take value.
    let writes = matches!(call, Call::activateProgram(_) | Call::codehashKeepalive(_));
    if (writes && inputs.is_static) || (!writes && inputs.transfers_value()) {
        return Err(Failure::BurnOut);
    }
    let p = arbos.params.clone();
    if !writes {
        charge(gas, STORAGE_READ_GAS)?;
    }
    use IArbWasm::*;
    let out = match call {
        Call::activateProgram(c) => return activate(arbos, ctx, inputs, c.program, gas),
        Call::codehashKeepalive(c) => return keepalive(arbos, ctx, inputs, c.codehash, gas),
        Call::stylusVersion(_) => stylusVersionCall::abi_encode_returns(&p.version),
        Call::codehashVersion(c) => {
            let r =
                runnable(arbos, ctx, c.codehash).map_err(|e| Failure::Revert(e.abi_encode()))?;
            codehashVersionCall::abi_encode_returns(&r.version)
        }
        Call::codehashAsmSize(c) => {
            let r =
                runnable(arbos, ctx, c.codehash).map_err(|e| Failure::Revert(e.abi_encode()))?;
            codehashAsmSizeCall::abi_encode_returns(&r.asm_estimate)
        }
        Call::programVersion(c) => {
            let r = program_of(arbos, ctx, c.program, gas)?;
            programVersionCall::abi_encode_returns(&r.version)
        }
        Call::programInitGas(c) => {
            let r = program_of(arbos, ctx, c.program, gas)?;
            let (full, cached) = r.init_gas(&p);
            programInitGasCall::abi_encode_returns(&programInitGasReturn {
                gas: full,
                gasWhenCached: cached,
            })
        }
        Call::programMemoryFootprint(c) => {
            let r = program_of(arbos, ctx, c.program, gas)?;
            programMemoryFootprintCall::abi_encode_returns(&r.footprint)
        }
        Call::programTimeLeft(c) => {
            let r = program_of(arbos, ctx, c.program, gas)?;
            let now = ctx.block.timestamp.saturating_to::<u64>();
            programTimeLeftCall::abi_encode_returns(&r.time_left(now).unwrap_or(0))
        }
        Call::inkPrice(_) => inkPriceCall::abi_encode_returns(&p.ink_price),
        Call::maxStackDepth(_) => maxStackDepthCall::abi_encode_returns(&p.max_stack_depth),
        Call::freePages(_) => freePagesCall::abi_encode_returns(&p.free_pages),
        Call::pageGas(_) => pageGasCall::abi_encode_returns(&p.page_gas),
        Call::pageLimit(_) => pageLimitCall::abi_encode_returns(&p.page_limit),
        Call::minInitGas(_) => minInitGasCall::abi_encode_returns(&minInitGasReturn {
            gas: u64::from(p.min_init_gas),
            cached: u64::from(p.min_cached_init_gas),
        }),
        Call::initCostScalar(_) => {
            initCostScalarCall::abi_encode_returns(&u64::from(p.init_cost_scalar))
        }
        Call::expiryDays(_) => expiryDaysCall::abi_encode_returns(&EXPIRY_DAYS),
        Call::keepaliveDays(_) => keepaliveDaysCall::abi_encode_returns(&KEEPALIVE_DAYS),
    };
    Ok(out)
}

fn activate(
    arbos: &mut ArbOs,
    ctx: &mut Ctx,
    inputs: &CallInputs,
    program: Address,
    gas: &mut Gas,
) -> Result<Vec<u8>, Failure> {
    charge(gas, ACTIVATION_FIXED_GAS)?;
    let code = stylus_code(ctx, program, gas)?;
    let codehash = keccak256(&code);
    let now = ctx.block.timestamp.saturating_to::<u64>();
    let existing = record(ctx, codehash);
    if existing.is_some_and(|r| r.version == arbos.params.version && r.time_left(now).is_some()) {
        return Err(Failure::Revert(IArbWasm::ProgramUpToDate {}.abi_encode()));
    }
    // Code that does not decompress is a plain error to Nitro: no data, the gas left kept.
    let wasm = artifact::decompress(&code, arbos.params.max_wasm_size as usize)
        .map_err(|_| Failure::Revert(Vec::new()))?;
    let compiled = arbos
        .activate(codehash, &wasm)
        .map_err(|_| Failure::BurnOut)?;
    charge(gas, compiled.activation_gas + STORAGE_WRITE_GAS)?;

    let record = ProgramRecord {
        version: arbos.params.version,
        footprint: compiled.footprint,
        init_cost: compiled.init_cost,
        cached_init_cost: compiled.cached_init_cost,
        asm_estimate: compiled.asm_estimate,
        activated_at: hour_floor(now),
        // Reactivating keeps the program in the cache, as Nitro does.
        cached: existing.is_some_and(|r| r.cached),
    };
    store_record(ctx, codehash, record)?;
    let data_fee = pay_data_fee(ctx, inputs)?;
    let event = IArbWasm::ProgramActivated {
        codehash,
        moduleHash: compiled.module_hash,
        program,
        dataFee: data_fee,
        version: record.version,
    };
    ctx.log(Log {
        address: ARB_WASM,
        data: event.encode_log_data(),
    });
    Ok(IArbWasm::activateProgramCall::abi_encode_returns(
        &IArbWasm::activateProgramReturn {
            version: record.version,
            dataFee: data_fee,
        },
    ))
}

/// `codehashKeepalive` (Nitro's `ProgramKeepalive`): a program that is active, up to date and at
/// least `KEEPALIVE_DAYS` old starts its `EXPIRY_DAYS` again, for the data fee.
fn keepalive(
    arbos: &ArbOs,
    ctx: &mut Ctx,
    inputs: &CallInputs,
    codehash: B256,
    gas: &mut Gas,
) -> Result<Vec<u8>, Failure> {
    charge(gas, STORAGE_READ_GAS)?;
    let mut record = runnable(arbos, ctx, codehash).map_err(|e| Failure::Revert(e.abi_encode()))?;
    let now = ctx.block.timestamp.saturating_to::<u64>();
    let age = record.age(now);
    if age < u64::from(KEEPALIVE_DAYS) * 86_400 {
        let too_soon = IArbWasm::ProgramKeepaliveTooSoon { ageInSeconds: age };
        return Err(Failure::Revert(too_soon.abi_encode()));
    }
    charge(gas, STORAGE_WRITE_GAS)?;
    record.activated_at = hour_floor(now);
    store_record(ctx, codehash, record)?;
    let data_fee = pay_data_fee(ctx, inputs)?;
    let event = IArbWasm::ProgramLifetimeExtended {
        codehash,
        dataFee: data_fee,
    };
    ctx.log(Log {
        address: ARB_WASM,
        data: event.encode_log_data(),
    });
    Ok(Vec::new())
}

/// Takes the data fee out of the value sent and refunds the rest to the caller (Nitro's
/// `payActivationDataFee`). The fee is zero, so no value is too little and all of it returns.
fn pay_data_fee(ctx: &mut Ctx, inputs: &CallInputs) -> Result<U256, Failure> {
    let refund = inputs.value.get() - DATA_FEE;
    if !refund.is_zero() {
        ctx.journal_mut()
            .transfer(ARB_WASM, inputs.caller, refund)
            .map_err(|_| Failure::BurnOut)?;
    }
    Ok(DATA_FEE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_packs_and_unpacks() {
        let r = ProgramRecord {
            version: 2,
            footprint: 1,
            init_cost: 0x1234,
            cached_init_cost: 0x0567,
            asm_estimate: 0xdead_beef,
            activated_at: 1_700_000_000,
            cached: true,
        };
        assert_eq!(ProgramRecord::from_word(r.to_word()), Some(r));
        assert_eq!(ProgramRecord::from_word(U256::ZERO), None);
    }

    #[test]
    fn programs_expire_after_a_year() {
        let r = ProgramRecord {
            version: 2,
            footprint: 1,
            init_cost: 0,
            cached_init_cost: 0,
            asm_estimate: 0,
            activated_at: 1_000,
            cached: false,
        };
        assert_eq!(r.time_left(1_000), Some(365 * 86_400));
        assert_eq!(r.time_left(1_000 + 365 * 86_400), Some(0));
        assert_eq!(r.time_left(1_001 + 365 * 86_400), None);
        assert_eq!(hour_floor(ARBITRUM_EPOCH + 7_199), ARBITRUM_EPOCH + 3_600);
    }
}
