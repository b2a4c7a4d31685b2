//! Hostios answered from what the invocation already knows: block, chain, message and
//! transaction fields, the meter, and free memory growth.

use super::{
    env::{Env, Escape, HostState},
    price::{HOSTIO_INK, flat},
    suspend::Then,
};
use crate::stylus::api::{EvmData, Request};

/// A field of the call written to `dest` (13,440 ink: one pointer).
pub(super) fn write_field<const N: usize>(
    env: &mut Env<'_>,
    dest: u32,
    field: fn(&EvmData) -> [u8; N],
) -> Result<(), Escape> {
    env.buy_ink(flat(1, 0))?;
    let bytes = field(&env.state().data);
    env.write(dest, &bytes)
}

/// A value returned directly (8,400 ink).
pub(super) fn value<T>(env: &mut Env<'_>, value: fn(&HostState) -> T) -> Result<T, Escape> {
    env.buy_ink(HOSTIO_INK)?;
    Ok(value(env.state()))
}

/// `evm_gas_left()`: gas left after paying for this hostio.
pub(super) fn evm_gas_left(env: &mut Env<'_>) -> Result<u64, Escape> {
    env.buy_ink(HOSTIO_INK)?;
    env.gas_left()
}

/// `evm_ink_left()`: ink left after paying for this hostio.
pub(super) fn evm_ink_left(env: &mut Env<'_>) -> Result<u64, Escape> {
    env.buy_ink(HOSTIO_INK)?;
    env.ink_ready()
}

/// `pay_for_memory_grow(pages)`: 8,400 ink for zero pages (the SDK's entrypoint call); new pages
/// are priced by the transaction's memory model, on the EVM side.
pub(super) fn pay_for_memory_grow(env: &mut Env<'_>, pages: u32) -> Result<(), Escape> {
    let pages = pages as u16;
    if pages == 0 {
        return env.buy_ink(HOSTIO_INK);
    }
    Err(env.suspend(Request::AddPages { pages }, Then::AddPages))
}
