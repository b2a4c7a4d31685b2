//! Host I/O recording for Nitro's `stylusTracer` (what `cargo stylus trace` reads): each hostio
//! with its arguments and results as bytes, and the ink before and after it.
//!
//! Off unless the invocation was started traced ([`HostState::trace`] is `None` otherwise), so
//! an untraced hostio pays one `Option` check. The bytes follow the layout cargo-stylus parses:
//! memory operands as they are, numbers big-endian, in the hostio's argument order (a call is
//! `address ‖ gas ‖ value ‖ calldata` in, `return data length ‖ status` out).

use wasmi::{AsContextMut, Caller, Val};

use super::env::{Env, Escape, HostState};

/// One hostio a program made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostioRecord {
    /// The `vm_hooks` import name, or `user_entrypoint` / `user_returned`.
    pub name: &'static str,
    /// Arguments as bytes.
    pub args: Vec<u8>,
    /// Results as bytes.
    pub outs: Vec<u8>,
    /// Ink left before the hostio.
    pub start_ink: u64,
    /// Ink left after it.
    pub end_ink: u64,
}

/// The records of one invocation, and the hostio suspended on the EVM, if any.
#[derive(Debug, Default)]
pub(crate) struct HostioTrace {
    records: Vec<HostioRecord>,
    open: Option<Open>,
}

impl HostioTrace {
    /// Takes the records made so far.
    pub(crate) fn take(&mut self) -> Vec<HostioRecord> {
        std::mem::take(&mut self.records)
    }

    /// Records an entry or exit of the program, where no ink is spent.
    pub(crate) fn mark(&mut self, name: &'static str, args: Vec<u8>, outs: Vec<u8>, ink: u64) {
        self.records.push(HostioRecord {
            name,
            args,
            outs,
            start_ink: ink,
            end_ink: ink,
        });
    }
}

/// A hostio that started and has not finished: its name, raw wasm arguments, encoded
/// arguments and starting ink.
#[derive(Debug)]
struct Open {
    name: &'static str,
    raw: Vec<u64>,
    args: Vec<u8>,
    start_ink: u64,
}

/// What a hostio returns to the program, as a number for its record.
pub(crate) trait Returned {
    /// The value, if the hostio returns one.
    fn value(&self) -> Option<u64>;
}

impl Returned for () {
    fn value(&self) -> Option<u64> {
        None
    }
}

impl Returned for u32 {
    fn value(&self) -> Option<u64> {
        Some(u64::from(*self))
    }
}

impl Returned for u64 {
    fn value(&self) -> Option<u64> {
        Some(*self)
    }
}

/// Runs `hostio` and records it; a hostio that suspends is finished by [`answered`].
pub(crate) fn traced<R: Returned>(
    caller: &mut Caller<'_, HostState>,
    name: &'static str,
    raw: &[u64],
    hostio: impl FnOnce(&mut Env<'_>) -> Result<R, Escape>,
) -> Result<R, Escape> {
    let mut env = Env::new(caller.as_context_mut());
    let open = Open {
        name,
        raw: raw.to_vec(),
        args: args(&env, name, raw),
        start_ink: env.ink_peek(),
    };
    let result = hostio(&mut env);
    match &result {
        Err(Escape::Suspend) => {
            if let Some(trace) = env.state_mut().trace.as_mut() {
                trace.open = Some(open);
            }
        }
        Ok(value) => close(&mut env, open, value.value(), true),
        Err(_) => close(&mut env, open, None, false),
    }
    result
}

/// Finishes the record of the hostio that was suspended, now that the EVM answered.
pub(crate) fn answered(env: &mut Env<'_>, result: &Result<Option<Val>, Escape>) {
    let Some(open) = env.state_mut().trace.as_mut().and_then(|t| t.open.take()) else {
        return;
    };
    match result {
        Ok(value) => {
            let value = value.as_ref().and_then(|v| match v {
                Val::I32(v) => Some(u64::from(*v as u32)),
                Val::I64(v) => Some(*v as u64),
                _ => None,
            });
            close(env, open, value, true);
        }
        Err(_) => close(env, open, None, false),
    }
}

fn close(env: &mut Env<'_>, open: Open, value: Option<u64>, ok: bool) {
    let outs = if ok {
        outs(env, open.name, &open.raw, value)
    } else {
        Vec::new()
    };
    let end_ink = env.ink_peek();
    if let Some(trace) = env.state_mut().trace.as_mut() {
        trace.records.push(HostioRecord {
            name: open.name,
            args: open.args,
            outs,
            start_ink: open.start_ink,
            end_ink,
        });
    }
}

/// Memory at `ptr`, or nothing if it is out of bounds (the hostio fails on it anyway).
fn mem(env: &Env<'_>, ptr: u64, len: u64) -> Vec<u8> {
    env.read(ptr as u32, len as u32).unwrap_or_default()
}

/// A little-endian `u32` the hostio wrote to memory, as a number.
fn mem_u32(env: &Env<'_>, ptr: u64) -> u32 {
    env.read_fixed::<4>(ptr as u32)
        .map(u32::from_le_bytes)
        .unwrap_or_default()
}

fn be32(v: u64) -> Vec<u8> {
    (v as u32).to_be_bytes().to_vec()
}

fn be64(v: u64) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

/// The arguments of hostio `name`, read before it runs (the math hostios overwrite theirs).
fn args(env: &Env<'_>, name: &str, a: &[u64]) -> Vec<u8> {
    let arg = |i: usize| a.get(i).copied().unwrap_or_default();
    let word = |i: usize| mem(env, arg(i), 32);
    let address = |i: usize| mem(env, arg(i), 20);
    match name {
        "write_result" | "native_keccak256" => mem(env, arg(0), arg(1)),
        "exit_early" => be32(arg(0)),
        "read_return_data" => [be32(arg(1)), be32(arg(2))].concat(),
        "storage_load_bytes32" | "transient_load_bytes32" => word(0),
        "storage_cache_bytes32"
        | "transient_store_bytes32"
        | "math_div"
        | "math_mod"
        | "math_pow" => [word(0), word(1)].concat(),
        "math_add_mod" | "math_mul_mod" => [word(0), word(1), word(2)].concat(),
        "storage_flush_cache" => vec![arg(0) as u8],
        "call_contract" => [address(0), be64(arg(4)), word(3), mem(env, arg(1), arg(2))].concat(),
        "delegate_call_contract" | "static_call_contract" => {
            [address(0), be64(arg(3)), mem(env, arg(1), arg(2))].concat()
        }
        "create1" => [word(2), mem(env, arg(0), arg(1))].concat(),
        "create2" => [word(2), word(3), mem(env, arg(0), arg(1))].concat(),
        "emit_log" => [be32(arg(2)), mem(env, arg(0), arg(1))].concat(),
        "account_balance" | "account_code_size" | "account_codehash" => address(0),
        "account_code" => [address(0), be32(arg(1)), be32(arg(2))].concat(),
        "pay_for_memory_grow" => (arg(0) as u16).to_be_bytes().to_vec(),
        _ => Vec::new(),
    }
}

/// The results of hostio `name` after it finished with return value `value`.
fn outs(env: &Env<'_>, name: &str, a: &[u64], value: Option<u64>) -> Vec<u8> {
    let arg = |i: usize| a.get(i).copied().unwrap_or_default();
    let value = value.unwrap_or_default();
    match name {
        "read_args" => env.state().args.clone(),
        "read_return_data" => mem(env, arg(0), value),
        "account_code" => mem(env, arg(3), value),
        "storage_load_bytes32"
        | "transient_load_bytes32"
        | "account_balance"
        | "account_codehash" => mem(env, arg(1), 32),
        "block_basefee" | "msg_value" | "tx_gas_price" | "math_div" | "math_mod" | "math_pow"
        | "math_add_mod" | "math_mul_mod" => mem(env, arg(0), 32),
        "block_coinbase" | "contract_address" | "msg_sender" | "tx_origin" => mem(env, arg(0), 20),
        "native_keccak256" => mem(env, arg(2), 32),
        "call_contract" => [be32(u64::from(mem_u32(env, arg(5)))), vec![value as u8]].concat(),
        "delegate_call_contract" | "static_call_contract" => {
            [be32(u64::from(mem_u32(env, arg(4)))), vec![value as u8]].concat()
        }
        "create1" => [mem(env, arg(3), 20), be32(u64::from(mem_u32(env, arg(4))))].concat(),
        "create2" => [mem(env, arg(4), 20), be32(u64::from(mem_u32(env, arg(5))))].concat(),
        "return_data_size" | "account_code_size" | "msg_reentrant" | "tx_ink_price" => be32(value),
        "block_gas_limit" | "block_number" | "block_timestamp" | "chainid" | "evm_gas_left"
        | "evm_ink_left" => be64(value),
        _ => Vec::new(),
    }
}
