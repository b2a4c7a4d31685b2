//! The `vm_hooks` import module: all 42 hostios, each mapped to its implementation.

use wasmi::{AsContextMut, Caller, Engine, Linker, errors::LinkerError};

use super::{
    account,
    calls::{self, CallArgs, CreateArgs},
    env::{Env, Escape, HostState},
    fields::{self, value, write_field},
    io, log,
    math::{self, binary, modular},
    price::{ADD_MOD_INK, DIV_INK, MUL_MOD_INK, flat},
    storage,
    trace::{self, Returned},
};
use crate::stylus::api::CallKind;

/// The import module the hostios live in.
const MODULE: &str = "vm_hooks";

/// Runs hostio `name` on the caller's store, recording it if the invocation is traced (`raw` are
/// its wasm arguments); an [`Escape`] becomes a wasmi host error, which suspends a resumable call.
fn run<R: Returned>(
    caller: &mut Caller<'_, HostState>,
    name: &'static str,
    raw: &[u64],
    hostio: impl FnOnce(&mut Env<'_>) -> Result<R, Escape>,
) -> Result<R, wasmi::Error> {
    let result = if caller.data().trace.is_none() {
        hostio(&mut Env::new(caller.as_context_mut()))
    } else {
        trace::traced(caller, name, raw, hostio)
    };
    result.map_err(wasmi::Error::host)
}

/// Defines `name(args) = |env| body` hooks; every argument is a wasm `i32` (`u32`) or `i64` (`u64`).
macro_rules! hooks {
    ($linker:ident; $($name:ident($($arg:ident: $ty:ty),*) = $hostio:expr;)*) => {
        $(
            $linker.func_wrap(
                MODULE,
                stringify!($name),
                |mut caller: Caller<'_, HostState>, $($arg: $ty),*| {
                    run(&mut caller, stringify!($name), &[$(u64::from($arg)),*], $hostio)
                },
            )?;
        )*
    };
}

/// A linker with the 42 `vm_hooks`, for any store of `engine`.
pub(crate) fn linker(engine: &Engine) -> Result<Linker<HostState>, LinkerError> {
    let mut linker = Linker::new(engine);
    hooks! { linker;
        read_args(dest: u32) = |env| io::read_args(env, dest);
        write_result(ptr: u32, len: u32) = |env| io::write_result(env, ptr, len);
        exit_early(status: u32) = |env| io::exit_early(env, status);
        read_return_data(dest: u32, offset: u32, size: u32) =
            |env| io::read_return_data(env, dest, offset, size);
        return_data_size() = io::return_data_size;

        storage_load_bytes32(key: u32, dest: u32) = |env| storage::load(env, key, dest);
        storage_cache_bytes32(key: u32, value: u32) = |env| storage::cache(env, key, value);
        storage_flush_cache(clear: u32) = |env| storage::flush(env, clear);
        transient_load_bytes32(key: u32, dest: u32) =
            |env| storage::transient_load(env, key, dest);
        transient_store_bytes32(key: u32, value: u32) =
            |env| storage::transient_store(env, key, value);

        call_contract(to: u32, data: u32, len: u32, value: u32, gas: u64, ret_len: u32) =
            |env| calls::call(env, CallArgs { kind: CallKind::Call, to, data, len, value: Some(value), gas, ret_len });
        delegate_call_contract(to: u32, data: u32, len: u32, gas: u64, ret_len: u32) =
            |env| calls::call(env, CallArgs { kind: CallKind::DelegateCall, to, data, len, value: None, gas, ret_len });
        static_call_contract(to: u32, data: u32, len: u32, gas: u64, ret_len: u32) =
            |env| calls::call(env, CallArgs { kind: CallKind::StaticCall, to, data, len, value: None, gas, ret_len });
        create1(code: u32, len: u32, endowment: u32, address: u32, ret_len: u32) =
            |env| calls::create(env, CreateArgs { code, len, endowment, salt: None, address, ret_len });
        create2(code: u32, len: u32, endowment: u32, salt: u32, address: u32, ret_len: u32) =
            |env| calls::create(env, CreateArgs { code, len, endowment, salt: Some(salt), address, ret_len });

        emit_log(data: u32, len: u32, topics: u32) = |env| log::emit_log(env, data, len, topics);

        account_balance(address: u32, dest: u32) = |env| account::balance(env, address, dest);
        account_code(address: u32, offset: u32, size: u32, dest: u32) =
            |env| account::code(env, address, offset, size, dest);
        account_code_size(address: u32) = |env| account::code_size(env, address);
        account_codehash(address: u32, dest: u32) = |env| account::codehash(env, address, dest);

        block_basefee(dest: u32) = |env| write_field(env, dest, |d| d.block_basefee.to_be_bytes::<32>());
        block_coinbase(dest: u32) = |env| write_field(env, dest, |d| d.block_coinbase.into_array());
        block_gas_limit() = |env| value(env, |s| s.data.block_gas_limit);
        block_number() = |env| value(env, |s| s.data.block_number);
        block_timestamp() = |env| value(env, |s| s.data.block_timestamp);
        chainid() = |env| value(env, |s| s.data.chain_id);
        contract_address(dest: u32) =
            |env| write_field(env, dest, |d| d.contract_address.into_array());
        msg_reentrant() = |env| value(env, |s| u32::from(s.data.reentrant));
        msg_sender(dest: u32) = |env| write_field(env, dest, |d| d.msg_sender.into_array());
        msg_value(dest: u32) = |env| write_field(env, dest, |d| d.msg_value.to_be_bytes::<32>());
        tx_gas_price(dest: u32) = |env| write_field(env, dest, |d| d.tx_gas_price.to_be_bytes::<32>());
        tx_ink_price() = |env| value(env, |s| s.params.ink_price);
        tx_origin(dest: u32) = |env| write_field(env, dest, |d| d.tx_origin.into_array());
        evm_gas_left() = fields::evm_gas_left;
        evm_ink_left() = fields::evm_ink_left;
        pay_for_memory_grow(pages: u32) = |env| fields::pay_for_memory_grow(env, pages);

        math_div(value: u32, divisor: u32) =
            |env| binary(env, value, divisor, flat(3, DIV_INK), |a, b| a.checked_div(b).unwrap_or_default());
        math_mod(value: u32, modulus: u32) =
            |env| binary(env, value, modulus, flat(3, DIV_INK), |a, b| a.checked_rem(b).unwrap_or_default());
        math_pow(value: u32, exponent: u32) = |env| math::pow(env, value, exponent);
        math_add_mod(value: u32, addend: u32, modulus: u32) =
            |env| modular(env, value, addend, modulus, flat(4, ADD_MOD_INK), |a, b, m| a.add_mod(b, m));
        math_mul_mod(value: u32, multiplier: u32, modulus: u32) =
            |env| modular(env, value, multiplier, modulus, flat(4, MUL_MOD_INK), |a, b, m| a.mul_mod(b, m));
        native_keccak256(ptr: u32, len: u32, out: u32) = |env| math::keccak(env, ptr, len, out);
    }
    Ok(linker)
}
