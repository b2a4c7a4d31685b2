//! Calls and creates: the program suspends while the EVM runs the child frame.

use alloy_primitives::Address;

use super::{
    env::{Env, Escape, HostioError},
    price::{CREATE_GAS, CREATE2_WORD_GAS, EVM_API_INK, flat, read_price, words},
    suspend::Then,
};
use crate::stylus::api::{CallKind, Request};

/// The status a failed call returns: Nitro reports every failed call (revert included) with its
/// `Failure` outcome code.
const CALL_FAILED: u32 = 2;

/// Pays the flat ink of a call or create and the double read of its `len` input bytes.
fn pay_for_input(env: &mut Env<'_>, ink: u64, len: u32) -> Result<(), Escape> {
    env.buy_ink(ink)?;
    // Once into the host, once into geth.
    env.buy_ink(read_price(len))?;
    env.buy_ink(read_price(len))
}

/// The guest arguments of a call hostio.
pub(super) struct CallArgs {
    /// Which call.
    pub kind: CallKind,
    /// Pointer to the callee's address.
    pub to: u32,
    /// Pointer to the calldata.
    pub data: u32,
    /// Calldata length.
    pub len: u32,
    /// Pointer to the value (plain calls only).
    pub value: Option<u32>,
    /// Gas asked for.
    pub gas: u64,
    /// Where the return data length goes.
    pub ret_len: u32,
}

/// `call_contract`, `delegate_call_contract`, `static_call_contract`: returns 0 on success,
/// nonzero on failure, and writes the return data length to `ret_len`.
pub(super) fn call(env: &mut Env<'_>, args: CallArgs) -> Result<u32, Escape> {
    pay_for_input(env, flat(3, EVM_API_INK), args.len)?;
    let gas_left = env.gas_left()?;
    let gas_req = args.gas.min(gas_left);
    let to = env.read_address(args.to)?;
    let input = env.read(args.data, args.len)?;
    let value = args
        .value
        .map(|ptr| env.read_u256(ptr))
        .transpose()?
        .unwrap_or_default();
    if !value.is_zero() && env.state().data.is_static {
        // Nitro's EVM side refuses a value transfer from a static frame before charging
        // anything; the program just sees a failed call with no return data.
        return returned(env, args.ret_len, false, Vec::new(), 0);
    }
    let request = Request::Call {
        kind: args.kind,
        to,
        input,
        value,
        gas_left,
        gas_req,
    };
    Err(env.suspend(
        request,
        Then::Call {
            ret_len: args.ret_len,
        },
    ))
}

/// The EVM's answer to a call: pay, keep the return data, report its length and the status.
pub(super) fn returned(
    env: &mut Env<'_>,
    ret_len: u32,
    success: bool,
    return_data: Vec<u8>,
    gas_cost: u64,
) -> Result<u32, Escape> {
    env.buy_gas(gas_cost)?;
    let len = return_data.len() as u32;
    env.state_mut().return_data = return_data;
    env.write_u32(ret_len, len)?;
    Ok(if success { 0 } else { CALL_FAILED })
}

/// The guest arguments of a create hostio.
pub(super) struct CreateArgs {
    /// Pointer to the init code.
    pub code: u32,
    /// Init code length.
    pub len: u32,
    /// Pointer to the endowment.
    pub endowment: u32,
    /// Pointer to the CREATE2 salt; `None` for CREATE.
    pub salt: Option<u32>,
    /// Where the new address goes (zero on failure).
    pub address: u32,
    /// Where the revert data length goes.
    pub ret_len: u32,
}

/// `create1` and `create2`: deploys EVM init code.
pub(super) fn create(env: &mut Env<'_>, args: CreateArgs) -> Result<(), Escape> {
    let pointers = if args.salt.is_some() { 4 } else { 3 };
    pay_for_input(env, flat(pointers, EVM_API_INK), args.len)?;
    let code = env.read(args.code, args.len)?;
    let endowment = env.read_u256(args.endowment)?;
    let salt = args.salt.map(|ptr| env.read_b256(ptr)).transpose()?;
    let gas_left = env.gas_left()?;
    env.writable("create")?;
    let needed = CREATE_GAS + salt.map_or(0, |_| CREATE2_WORD_GAS * words(args.len));
    if gas_left < needed {
        return Err(HostioError::CreateOutOfGas {
            needed,
            left: gas_left,
        }
        .into());
    }
    let request = Request::Create {
        code,
        endowment,
        salt,
        gas_left,
    };
    let then = Then::Create {
        address: args.address,
        ret_len: args.ret_len,
    };
    Err(env.suspend(request, then))
}

/// The EVM's answer to a create: pay, keep the revert data (only a failed create has any),
/// write its length and the new address (zero if none).
pub(super) fn created(
    env: &mut Env<'_>,
    address: u32,
    ret_len: u32,
    created: Option<Address>,
    revert_data: Vec<u8>,
    gas_cost: u64,
) -> Result<(), Escape> {
    env.buy_gas(gas_cost)?;
    let revert_data = if created.is_some() {
        Vec::new()
    } else {
        revert_data
    };
    let len = revert_data.len() as u32;
    env.state_mut().return_data = revert_data;
    env.write_u32(ret_len, len)?;
    env.write(address, created.unwrap_or_default().as_slice())
}
