//! 256-bit math and keccak, computed in the host.

use alloy_primitives::{B256, U256, keccak256};

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
    let input = env.read(ptr, len)?;
    let digest = env.state_mut().digests.of(input);
    env.write(out, digest.as_slice())
}

/// The digests of the last few short inputs an invocation hashed. A program hashes the same
/// mapping key each time it reads or writes the entry; it pays the ink every time, and the host
/// computes the hash once.
#[derive(Debug, Default)]
pub(crate) struct Digests(Vec<(Vec<u8>, B256)>);

impl Digests {
    /// Most inputs remembered.
    const KEPT: usize = 8;
    /// Longest input remembered, in bytes (a key and a slot are 64).
    const LONGEST: usize = 128;

    /// The keccak of `input`.
    pub(crate) fn of(&mut self, input: Vec<u8>) -> B256 {
        if let Some((_, digest)) = self.0.iter().find(|(seen, _)| *seen == input) {
            return *digest;
        }
        let digest = keccak256(&input);
        if input.len() <= Self::LONGEST {
            if self.0.len() == Self::KEPT {
                self.0.remove(0);
            }
            self.0.push((input, digest));
        }
        digest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_keccak_whether_remembered_or_not() {
        let mut digests = Digests::default();
        let inputs: Vec<Vec<u8>> = (0..3 * Digests::KEPT as u8)
            .map(|n| vec![n; usize::from(n) * 7])
            .chain([vec![1; Digests::LONGEST + 1], Vec::new()])
            .collect();
        for round in 0..2 {
            for input in inputs.iter().chain(inputs.iter().rev()) {
                let digest = digests.of(input.clone());
                assert_eq!(
                    digest,
                    keccak256(input),
                    "round {round}, {} bytes",
                    input.len()
                );
            }
        }
        assert!(digests.0.len() <= Digests::KEPT);
        assert!(
            digests
                .0
                .iter()
                .all(|(input, _)| input.len() <= Digests::LONGEST)
        );
    }
}
