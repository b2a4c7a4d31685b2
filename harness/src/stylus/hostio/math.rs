//! 256-bit math and keccak, computed in the host.

use alloy_primitives::{U256, keccak256};

use super::{
    env::{Env, Escape},
    price::{flat, keccak_price, pow_price},
};

/// `value ← op(value, x)` for the math hostios with two operands; `ink` is the flat price.
pub(super) fn binary(
    env: &mut Env<'_>,
    value: u32,
    x: u32,
    ink: u64,
    op: fn(U256, U256) -> U256,
) -> Result<(), Escape> {
    env.buy_ink(ink)?;
    let result = op(env.read_u256(value)?, env.read_u256(x)?);
    env.write(value, &result.to_be_bytes::<32>())
}

/// `value ← op(value, x, modulus)` for `math_add_mod` and `math_mul_mod` (0 when `modulus` is 0).
pub(super) fn modular(
    env: &mut Env<'_>,
    value: u32,
    x: u32,
    modulus: u32,
    ink: u64,
    op: fn(U256, U256, U256) -> U256,
) -> Result<(), Escape> {
    env.buy_ink(ink)?;
    let result = op(
        env.read_u256(value)?,
        env.read_u256(x)?,
        env.read_u256(modulus)?,
    );
    env.write(value, &result.to_be_bytes::<32>())
}

/// `math_pow(value, exponent)`: wrapping exponentiation, priced by the exponent's size.
pub(super) fn pow(env: &mut Env<'_>, value: u32, exponent: u32) -> Result<(), Escape> {
    env.buy_ink(flat(3, 0))?;
    let base = env.read_u256(value)?;
    let exponent = env.read_b256(exponent)?;
    env.buy_ink(pow_price(&exponent))?;
    let result = base.wrapping_pow(exponent.into());
    env.write(value, &result.to_be_bytes::<32>())
}

/// `native_keccak256(ptr, len, out)`.
pub(super) fn keccak(env: &mut Env<'_>, ptr: u32, len: u32, out: u32) -> Result<(), Escape> {
    env.buy_ink(keccak_price(len))?;
    let digest = keccak256(env.read(ptr, len)?);
    env.write(out, digest.as_slice())
}
