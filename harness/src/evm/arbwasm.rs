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
//! reads and writes are priced as a few fixed charges; there is no program cache (`ArbWasmCache`).

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent, SolInterface};
use revm::{
    context::{ContextTr, JournalTr},
    context_interface::host::Host,
    interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult},
    primitives::Log,
};

use super::{
    arbos::{ARB_WASM, ArbOs},
    is_stylus_program,
    machine::Ctx,
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
/// Gas for one ArbOS storage read, as Nitro's precompiles charge it.
const STORAGE_READ_GAS: u64 = 800;
/// Gas for one ArbOS storage write.
const STORAGE_WRITE_GAS: u64 = 20_000;
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
    /// Block timestamp of activation.
    pub activated_at: u64,
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
        })
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
        return Err(ProgramError::Expired(now - record.activated_at));
    }
    Ok(record)
}

/// `t` rounded down to a whole hour counted from Arbitrum's epoch.
fn hour_floor(t: u64) -> u64 {
    ARBITRUM_EPOCH + (t.saturating_sub(ARBITRUM_EPOCH) / 3600) * 3600
}

/// How a call to the precompile fails.
enum Failure {
    /// Revert with this data (a Solidity error, or none), keeping the gas left.
    Revert(Vec<u8>),
    /// Revert with no data and no gas left.
    BurnOut,
}

fn charge(gas: &mut Gas, cost: u64) -> Result<(), Failure> {
    if gas.record_regular_cost(cost) {
        Ok(())
    } else {
        Err(Failure::BurnOut)
    }
}

/// Runs one call to the precompile.
pub(crate) fn run(arbos: &mut ArbOs, ctx: &mut Ctx, inputs: &CallInputs) -> InterpreterResult {
    let input = inputs.input.bytes(ctx);
    let mut gas = Gas::new(inputs.gas_limit);
    let outcome = dispatch(arbos, ctx, inputs, &input, &mut gas);
    let (result, output) = match outcome {
        Ok(output) => (InstructionResult::Return, output),
        Err(Failure::Revert(data)) => (InstructionResult::Revert, data),
        Err(Failure::BurnOut) => {
            gas.spend_all();
            (InstructionResult::Revert, Vec::new())
        }
    };
    InterpreterResult {
        result,
        output: Bytes::from(output),
        gas,
    }
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
    // `activateProgram` is the only method that writes or takes value.
    let writes = matches!(call, Call::activateProgram(_));
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
    if record(ctx, codehash).is_some_and(|existing| existing.version == arbos.params.version) {
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
        activated_at: hour_floor(ctx.block.timestamp.saturating_to()),
    };
    ctx.load_account_info_skip_cold_load(ARB_WASM, false, false)
        .map_err(|_| Failure::BurnOut)?;
    ctx.sstore(ARB_WASM, record_slot(codehash), record.to_word());
    let value = inputs.value.get();
    if !value.is_zero() {
        // The harness charges no data fee: everything sent comes back.
        ctx.journal_mut()
            .transfer(ARB_WASM, inputs.caller, value)
            .map_err(|_| Failure::BurnOut)?;
    }
    let event = IArbWasm::ProgramActivated {
        codehash,
        moduleHash: compiled.module_hash,
        program,
        dataFee: U256::ZERO,
        version: record.version,
    };
    ctx.log(Log {
        address: ARB_WASM,
        data: event.encode_log_data(),
    });
    Ok(IArbWasm::activateProgramCall::abi_encode_returns(
        &IArbWasm::activateProgramReturn {
            version: record.version,
            dataFee: U256::ZERO,
        },
    ))
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
        };
        assert_eq!(r.time_left(1_000), Some(365 * 86_400));
        assert_eq!(r.time_left(1_000 + 365 * 86_400), Some(0));
        assert_eq!(r.time_left(1_001 + 365 * 86_400), None);
        assert_eq!(hour_floor(ARBITRUM_EPOCH + 7_199), ARBITRUM_EPOCH + 3_600);
    }
}
