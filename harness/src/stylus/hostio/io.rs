//! Calldata in, result out, early exit, and the return data of the last call or create.

use super::{
    env::{Env, Escape},
    price::{EVM_API_INK, HOSTIO_INK, flat, read_price, write_price},
};

/// `read_args(dest)`: copies the calldata to `dest`.
pub(super) fn read_args(env: &mut Env<'_>, dest: u32) -> Result<(), Escape> {
    env.buy_ink(HOSTIO_INK)?;
    let args = env.state().args.clone();
    env.buy_ink(write_price(args.len() as u32))?;
    env.write(dest, &args)
}

/// `write_result(ptr, len)`: sets the return (or revert) data; the program goes on.
pub(super) fn write_result(env: &mut Env<'_>, ptr: u32, len: u32) -> Result<(), Escape> {
    env.buy_ink(HOSTIO_INK)?;
    // Nitro charges the read twice: once into the host, once into geth.
    env.buy_ink(read_price(len))?;
    env.buy_ink(read_price(len))?;
    env.state_mut().outs = env.read(ptr, len)?;
    Ok(())
}

/// `exit_early(status)`: stops the program as if `user_entrypoint` returned `status`. Free.
pub(super) fn exit_early(_env: &mut Env<'_>, status: u32) -> Result<(), Escape> {
    Err(Escape::Exit(status))
}

/// `read_return_data(dest, offset, size)`: copies what is left of the last return data from
/// `offset`, at most `size` bytes, and returns how many bytes it wrote.
pub(super) fn read_return_data(
    env: &mut Env<'_>,
    dest: u32,
    offset: u32,
    size: u32,
) -> Result<u32, Escape> {
    env.buy_ink(flat(0, EVM_API_INK))?;
    let len = env.state().return_data.len() as u32;
    let available = len.saturating_sub(offset);
    env.buy_ink(write_price(size.min(available)))?;
    if available == 0 {
        return Ok(0);
    }
    let end = offset.saturating_add(size).min(len);
    let out = env.state().return_data[offset as usize..end as usize].to_vec();
    if !out.is_empty() {
        env.write(dest, &out)?;
    }
    Ok(out.len() as u32)
}

/// `return_data_size()`: the length of the last return data.
pub(super) fn return_data_size(env: &mut Env<'_>) -> Result<u32, Escape> {
    env.buy_ink(HOSTIO_INK)?;
    Ok(env.state().return_data.len() as u32)
}
