//! Answers a running program's [`Request`]s from the revm journal, with the EVM gas Nitro's Go
//! side charges for each, and turns calls and creates into child frames.

use alloy_primitives::{Address, B256, Bytes, U256};
use revm::{
    context::{Cfg, ContextTr},
    context_interface::CreateScheme,
    context_interface::host::Host,
    handler::FrameResult,
    interpreter::{
        CallInput, CallInputs, CallScheme, CallValue, CreateInputs, FrameInput, SharedMemory,
        instructions::contract::load_account_delegated, interpreter_action::FrameInit,
    },
    primitives::{Log, hardfork::SpecId},
};

use super::machine::{Ctx, TxScope};
use crate::stylus::{
    api::{ApiStatus, CallKind, Request, Response},
    memory::MemoryModel,
    params::StylusParams,
};

/// The frame a request comes from.
pub(super) struct Caller<'a> {
    /// The account whose storage and logs the program acts on.
    pub address: Address,
    /// `msg.sender` of the frame (kept by delegate calls).
    pub sender: Address,
    /// `msg.value` of the frame (kept by delegate calls).
    pub value: U256,
    /// Static frame.
    pub is_static: bool,
    /// Depth of the frame.
    pub depth: usize,
    /// The frame's shared memory, parent of any child's.
    pub memory: &'a mut SharedMemory,
}

/// A call or create waiting for its child frame.
#[derive(Debug)]
pub(super) struct PendingChild {
    base_cost: u64,
    gas_given: u64,
}

/// What the bridge does with a request.
pub(super) enum Answer {
    /// Answered at once.
    Now(Response),
    /// Needs a child frame; answer with [`child_response`] when it returns.
    Child(FrameInit, PendingChild),
}

fn status(status: ApiStatus, gas_cost: u64) -> Answer {
    Answer::Now(Response::Status { status, gas_cost })
}

fn word(value: U256, gas_cost: u64) -> Answer {
    Answer::Now(Response::Bytes32 {
        value: B256::from(value),
        gas_cost,
    })
}

/// EIP-2929 account access: 2,600 cold, 100 warm.
fn access_cost(ctx: &Ctx, is_cold: bool) -> u64 {
    let gp = ctx.cfg().gas_params();
    gp.warm_storage_read_cost()
        + if is_cold {
            gp.cold_account_additional_cost()
        } else {
            0
        }
}

/// Answers `req` for the frame `from`; `refund` collects SSTORE refunds of the frame.
pub(super) fn answer(
    ctx: &mut Ctx,
    tx: &mut TxScope,
    params: &StylusParams,
    from: &mut Caller<'_>,
    refund: &mut i64,
    req: Request,
) -> Answer {
    let spec: SpecId = ctx.cfg.spec;
    match req {
        Request::GetBytes32 { key } => {
            let gp = ctx.cfg().gas_params().clone();
            match ctx.sload(from.address, key) {
                Some(load) => {
                    let cost = if load.is_cold {
                        gp.cold_storage_cost()
                    } else {
                        gp.warm_storage_read_cost()
                    };
                    word(load.data, cost)
                }
                None => word(U256::ZERO, gp.cold_storage_cost()),
            }
        }
        Request::SetTrieSlots { slots, gas_left } => {
            if from.is_static {
                return status(ApiStatus::WriteProtection, 0);
            }
            let gp = ctx.cfg().gas_params().clone();
            let istanbul = spec.is_enabled_in(SpecId::ISTANBUL);
            let mut total = 0u64;
            for (key, value) in slots {
                let Some(load) = ctx.sstore(from.address, key, value) else {
                    return status(ApiStatus::OutOfGas, gas_left);
                };
                total += gp.sstore_static_gas()
                    + gp.sstore_dynamic_gas(istanbul, &load.data, load.is_cold);
                if total > gas_left {
                    return status(ApiStatus::OutOfGas, gas_left);
                }
                *refund += gp.sstore_refund(istanbul, &load.data);
            }
            status(ApiStatus::Success, total)
        }
        Request::GetTransientBytes32 { key } => {
            let cost = ctx.cfg().gas_params().warm_storage_read_cost();
            word(ctx.tload(from.address, key), cost)
        }
        Request::SetTransientBytes32 { key, value } => {
            if from.is_static {
                return status(ApiStatus::WriteProtection, 0);
            }
            ctx.tstore(from.address, key, value);
            status(
                ApiStatus::Success,
                ctx.cfg().gas_params().warm_storage_read_cost(),
            )
        }
        Request::EmitLog { topics, data } => {
            if from.is_static {
                return status(ApiStatus::WriteProtection, 0);
            }
            let n = topics.len() as u8;
            let cost = 375 + ctx.cfg().gas_params().log_cost(n, data.len() as u64);
            ctx.log(Log::new_unchecked(from.address, topics, Bytes::from(data)));
            status(ApiStatus::Success, cost)
        }
        Request::AccountBalance { address } => match ctx.balance(address) {
            Some(load) => {
                let cost = access_cost(ctx, load.is_cold);
                word(load.data, cost)
            }
            None => word(U256::ZERO, access_cost(ctx, true)),
        },
        Request::AccountCode { address, .. } => {
            let (code, is_cold) = ctx
                .load_account_code(address)
                .map(|l| (l.data, l.is_cold))
                .unwrap_or_default();
            let gas_cost = access_cost(ctx, is_cold);
            Answer::Now(Response::Code {
                code: code.to_vec(),
                gas_cost,
            })
        }
        Request::AccountCodeHash { address } => {
            let (hash, is_cold) = ctx
                .load_account_code_hash(address)
                .map(|l| (l.data, l.is_cold))
                .unwrap_or_default();
            let gas_cost = access_cost(ctx, is_cold);
            Answer::Now(Response::Bytes32 {
                value: hash,
                gas_cost,
            })
        }
        Request::AddPages { pages } => {
            let gas = tx.pages.add_pages(&MemoryModel::from(params), pages);
            status(ApiStatus::Success, gas)
        }
        Request::Call {
            kind,
            to,
            input,
            value,
            gas_left,
            gas_req,
        } => call(ctx, spec, from, kind, to, input, value, gas_left, gas_req),
        Request::Create {
            code,
            endowment,
            salt,
            gas_left,
        } => create(ctx, from, code, endowment, salt, gas_left),
    }
}

fn failed_call(gas_cost: u64) -> Answer {
    Answer::Now(Response::Call {
        success: false,
        return_data: Vec::new(),
        gas_cost,
    })
}

/// Nitro's call rule: charge access, value and new-account costs, then forward
/// `min(63/64 of what is left, gas_req)`, plus the 2,300 stipend when value moves.
#[allow(clippy::too_many_arguments)]
fn call(
    ctx: &mut Ctx,
    spec: SpecId,
    from: &mut Caller<'_>,
    kind: CallKind,
    to: Address,
    input: Vec<u8>,
    value: U256,
    gas_left: u64,
    gas_req: u64,
) -> Answer {
    let transfers_value = kind == CallKind::Call && !value.is_zero();
    if transfers_value && from.is_static {
        return failed_call(0);
    }
    let gp = ctx.cfg().gas_params().clone();
    // Nitro's `WasmCallCost`: the warm access every call pays, then value and cold/new-account
    // extras (revm's helper returns only the extras, as its opcode charged the 100 already).
    let mut base = gp.warm_storage_read_cost();
    if transfers_value {
        base += gp.transfer_value_cost();
    }
    let Ok((access, _state_gas, bytecode, code_hash)) = load_account_delegated(
        ctx,
        spec,
        gas_left.saturating_sub(base),
        to,
        transfers_value,
        kind == CallKind::Call,
    ) else {
        return failed_call(gas_left);
    };
    base += access;
    if base > gas_left {
        return failed_call(gas_left);
    }
    let available = gas_left - base;
    let mut gas_given = (available - available / 64).min(gas_req);
    if transfers_value {
        gas_given += gp.call_stipend();
    }
    let (scheme, target, caller, call_value) = match kind {
        CallKind::Call => (
            CallScheme::Call,
            to,
            from.address,
            CallValue::Transfer(value),
        ),
        CallKind::StaticCall => (
            CallScheme::StaticCall,
            to,
            from.address,
            CallValue::Transfer(U256::ZERO),
        ),
        CallKind::DelegateCall => (
            CallScheme::DelegateCall,
            from.address,
            from.sender,
            CallValue::Apparent(from.value),
        ),
    };
    let inputs = CallInputs {
        input: CallInput::Bytes(Bytes::from(input)),
        return_memory_offset: 0..0,
        gas_limit: gas_given,
        reservoir: 0,
        bytecode_address: to,
        known_bytecode: (code_hash, bytecode),
        target_address: target,
        caller,
        value: call_value,
        scheme,
        is_static: from.is_static || kind == CallKind::StaticCall,
        charged_new_account_state_gas: false,
    };
    let init = FrameInit {
        depth: from.depth + 1,
        memory: from.memory.new_child_context(),
        frame_input: FrameInput::Call(Box::new(inputs)),
    };
    Answer::Child(
        init,
        PendingChild {
            base_cost: base,
            gas_given,
        },
    )
}

/// Nitro's create rule: 32,000 (plus 6 per init-code word for CREATE2), then all but 1/64 of
/// what is left goes to the init code.
fn create(
    ctx: &mut Ctx,
    from: &mut Caller<'_>,
    code: Vec<u8>,
    endowment: U256,
    salt: Option<B256>,
    gas_left: u64,
) -> Answer {
    let failed = |gas_cost| {
        Answer::Now(Response::Create {
            address: None,
            return_data: Vec::new(),
            gas_cost,
        })
    };
    if from.is_static {
        return failed(0);
    }
    let gp = ctx.cfg().gas_params().clone();
    let (scheme, base) = match salt {
        None => (CreateScheme::Create, gp.create_cost()),
        Some(salt) => (
            CreateScheme::Create2 { salt: salt.into() },
            gp.create2_cost(code.len()),
        ),
    };
    if base > gas_left {
        return failed(gas_left);
    }
    let available = gas_left - base;
    let gas_given = available - available / 64;
    let inputs = CreateInputs::new(
        from.address,
        scheme,
        endowment,
        Bytes::from(code),
        gas_given,
        0,
    );
    let init = FrameInit {
        depth: from.depth + 1,
        memory: from.memory.new_child_context(),
        frame_input: FrameInput::Create(Box::new(inputs)),
    };
    Answer::Child(
        init,
        PendingChild {
            base_cost: base,
            gas_given,
        },
    )
}

/// The response to a finished child frame: its status, data and the gas it cost the program.
pub(super) fn child_response(
    pending: PendingChild,
    result: FrameResult,
    refund: &mut i64,
) -> Response {
    let outcome = result.instruction_result();
    let returned = if outcome.is_ok_or_revert() {
        result.gas().remaining()
    } else {
        0
    };
    if outcome.is_ok() {
        *refund += result.gas().refunded();
    }
    let gas_cost = pending.base_cost + pending.gas_given.saturating_sub(returned);
    match result {
        FrameResult::Call(call) => Response::Call {
            success: outcome.is_ok(),
            return_data: call.result.output.to_vec(),
            gas_cost,
        },
        FrameResult::Create(create) => Response::Create {
            address: if outcome.is_ok() {
                create.address
            } else {
                None
            },
            return_data: if outcome.is_revert() {
                create.result.output.to_vec()
            } else {
                Vec::new()
            },
            gas_cost,
        },
    }
}
