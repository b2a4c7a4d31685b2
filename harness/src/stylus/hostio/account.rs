//! Other accounts: balance, code, code size and code hash.

use alloy_primitives::Address;

use super::{
    env::{Env, Escape},
    price::{COLD_ACCOUNT_GAS, EVM_API_INK, flat, write_price},
    suspend::Then,
};
use crate::stylus::api::Request;

/// What an `account_code*` hostio returns once it has the code.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CodeRead {
    /// `account_code`: copy up to `size` bytes from `offset` to `dest`, return the count.
    Copy {
        /// First byte.
        offset: u32,
        /// Most bytes.
        size: u32,
        /// Destination.
        dest: u32,
    },
    /// `account_code_size`: return the length.
    Size,
}

/// Balance and code hash: a word about the account at `address`, written to `dest`.
fn account_word(
    env: &mut Env<'_>,
    address: u32,
    dest: u32,
    request: fn(Address) -> Request,
) -> Result<(), Escape> {
    env.buy_ink(flat(2, EVM_API_INK))?;
    env.require_gas(COLD_ACCOUNT_GAS)?;
    let address = env.read_address(address)?;
    Err(env.suspend(request(address), Then::Word { dest, prepaid: 0 }))
}

/// `account_balance(address, dest)`.
pub(super) fn balance(env: &mut Env<'_>, address: u32, dest: u32) -> Result<(), Escape> {
    account_word(env, address, dest, |address| Request::AccountBalance {
        address,
    })
}

/// `account_codehash(address, dest)`.
pub(super) fn codehash(env: &mut Env<'_>, address: u32, dest: u32) -> Result<(), Escape> {
    account_word(env, address, dest, |address| Request::AccountCodeHash {
        address,
    })
}

/// `account_code(address, offset, size, dest)`: copies code without padding; returns the count.
pub(super) fn code(
    env: &mut Env<'_>,
    address: u32,
    offset: u32,
    size: u32,
    dest: u32,
) -> Result<u32, Escape> {
    load_code(env, address, CodeRead::Copy { offset, size, dest })
}

/// `account_code_size(address)`.
pub(super) fn code_size(env: &mut Env<'_>, address: u32) -> Result<u32, Escape> {
    load_code(env, address, CodeRead::Size)
}

/// Gets the code at `address`: free if it is the last nonempty code loaded, else from the EVM.
fn load_code(env: &mut Env<'_>, address: u32, read: CodeRead) -> Result<u32, Escape> {
    env.buy_ink(flat(0, EVM_API_INK))?;
    env.require_gas(COLD_ACCOUNT_GAS)?;
    let address = env.read_address(address)?;
    let gas_left = env.gas_left()?;
    if let Some((last, code)) = &env.state().last_code
        && *last == address
    {
        let code = code.clone();
        return use_code(env, read, &code, 0);
    }
    let request = Request::AccountCode { address, gas_left };
    Err(env.suspend(request, Then::Code { address, read }))
}

/// The EVM's answer with the code: remember it if nonempty (ArbOS ≥ 40), then use it.
pub(super) fn code_loaded(
    env: &mut Env<'_>,
    address: Address,
    read: CodeRead,
    code: Vec<u8>,
    gas_cost: u64,
) -> Result<u32, Escape> {
    let result = use_code(env, read, &code, gas_cost);
    if !code.is_empty() {
        env.state_mut().last_code = Some((address, code));
    }
    result
}

fn use_code(env: &mut Env<'_>, read: CodeRead, code: &[u8], gas_cost: u64) -> Result<u32, Escape> {
    env.buy_gas(gas_cost)?;
    let len = code.len() as u32;
    let CodeRead::Copy { offset, size, dest } = read else {
        return Ok(len);
    };
    env.buy_ink(write_price(len))?;
    let start = offset.min(len) as usize;
    let end = offset.saturating_add(size).min(len) as usize;
    env.write(dest, &code[start..end])?;
    Ok((end - start) as u32)
}
