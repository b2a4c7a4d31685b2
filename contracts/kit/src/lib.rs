//! Code shared by the Cloudless Stylus contracts (compiled into each of them):
//!
//! - [`abi`]: the routers' word-by-word calldata reader and return encoder;
//! - [`entry`]: program entry points and the core → extension delegation;
//! - [`governance`]: one-time initialization, two-step ownership and the pause switch;
//! - [`token`]: ERC-20 transfers that tolerate tokens returning no bool and reject tokens that
//!   deliver less than asked;
//! - [`text`]: strings in storage, read and written whole;
//! - [`revert`], [`bounded`]: named custom errors as revert data;
//! - [`epoch_at`]: the protocol's epoch clock;
//! - [`Small`]: plain-integer access to packed storage integers.

#![no_std]

extern crate alloc;

pub mod abi;
pub mod entry;
pub mod governance;
pub mod text;
pub mod token;

use alloc::{string::String, vec::Vec};

use alloy_primitives::U256;
use alloy_sol_types::SolError;
use cloudless_abi::market::IGoverned;
use stylus_sdk::storage::{StorageU8, StorageU16, StorageU32, StorageU64, StorageU128};

/// Highest price per instance-epoch an offer or a deployment may name (2^100 base units, about
/// 10^24 tokens of 6 decimals). With at most 10,000 instances and 1,000 epochs per computation,
/// every amount the market derives from a price fits in a `u128`, so billing never needs
/// 256-bit multiplication or division.
pub const MAX_PRICE: u128 = 1 << 100;

/// Revert data of a custom error.
pub type Revert = Vec<u8>;

/// ABI-encodes `error` as revert data.
pub fn revert<E: SolError>(error: E) -> Revert {
    error.abi_encode()
}

/// `ParamOutOfBounds(name, value, min, max)` unless `min ≤ value ≤ max`.
pub fn bounded(name: &str, value: U256, min: u128, max: u128) -> Result<(), Revert> {
    let (min, max) = (U256::from(min), U256::from(max));
    if value < min || value > max {
        return Err(revert(IGoverned::ParamOutOfBounds {
            name: String::from(name),
            value,
            min,
            max,
        }));
    }
    Ok(())
}

/// `AmountTooLarge` when a checked computation overflowed.
pub fn too_large() -> Revert {
    revert(IGoverned::AmountTooLarge {})
}

/// `a + b`, or `AmountTooLarge`: every sum that can grow (stakes, balances, claimables, the
/// treasury, rates) goes through here, because U256 `+` wraps silently in the contracts.
pub fn add(a: U256, b: U256) -> Result<U256, Revert> {
    a.checked_add(b).ok_or_else(too_large)
}

/// `value` as a `u128`, or `AmountTooLarge`: balances and debts are stored in 128 bits.
pub fn narrow(value: U256) -> Result<u128, Revert> {
    u128::try_from(value).map_err(|_| too_large())
}

pub use cloudless_abi::clock::epoch_at;

/// Reads and writes a packed storage integer as a plain Rust integer.
pub trait Small<T> {
    /// The stored value.
    fn num(&self) -> T;
    /// Stores `value`.
    fn set_num(&mut self, value: T);
}

macro_rules! small {
    ($($storage:ty => $int:ty),*) => {$(
        impl Small<$int> for $storage {
            fn num(&self) -> $int {
                self.get().to()
            }
            fn set_num(&mut self, value: $int) {
                self.set(alloy_primitives::Uint::from(value));
            }
        }
    )*};
}

small!(StorageU8 => u8, StorageU16 => u16, StorageU32 => u32, StorageU64 => u64, StorageU128 => u128);
