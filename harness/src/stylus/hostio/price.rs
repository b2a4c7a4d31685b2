//! Hostio prices (Nitro's `arbutil::pricing`) and the EVM gas figures the hostios check or charge.

use alloy_primitives::B256;

/// Ink every hostio pays.
pub(super) const HOSTIO_INK: u64 = 8_400;
/// Ink per pointer argument.
pub(super) const PTR_INK: u64 = 13_440 - HOSTIO_INK;
/// Ink of a hostio that goes through the EVM API.
pub(super) const EVM_API_INK: u64 = 59_673;
/// Extra ink of a 256-bit division or modulo.
pub(super) const DIV_INK: u64 = 20_000;
/// Extra ink of a 256-bit `mulmod`.
pub(super) const MUL_MOD_INK: u64 = 24_100;
/// Extra ink of a 256-bit `addmod`.
pub(super) const ADD_MOD_INK: u64 = 21_000;

/// The flat ink of a hostio with `ptrs` pointer arguments and `extra` ink of work.
pub(super) const fn flat(ptrs: u64, extra: u64) -> u64 {
    HOSTIO_INK + ptrs * PTR_INK + extra
}

/// Gas of a cold SLOAD (EIP-2929), required before a storage load.
pub(super) const COLD_SLOAD_GAS: u64 = 2_100;
/// The SSTORE sentry (EIP-2200), required before a storage write or flush.
pub(super) const SSTORE_SENTRY_GAS: u64 = 2_300;
/// Gas of a cold account access (EIP-2929), required before account hostios.
pub(super) const COLD_ACCOUNT_GAS: u64 = 2_600;
/// Gas of TLOAD and TSTORE (EIP-1153), charged before the request.
pub(super) const TRANSIENT_GAS: u64 = 100;
/// Log gas per topic, plus once for the log itself.
pub(super) const LOG_TOPIC_GAS: u64 = 375;
/// Log gas per data byte.
pub(super) const LOG_DATA_GAS: u64 = 8;
/// Base gas of CREATE and CREATE2.
pub(super) const CREATE_GAS: u64 = 32_000;
/// CREATE2 gas per word of init code (its keccak).
pub(super) const CREATE2_WORD_GAS: u64 = 6;

/// 32-byte words needed for `bytes` bytes.
pub(super) fn words(bytes: u32) -> u64 {
    u64::from(bytes).div_ceil(32)
}

fn sat_add_mul(base: u64, per: u64, count: u64) -> u64 {
    base.saturating_add(per.saturating_mul(count))
}

/// Ink to copy `bytes` from the host into the program.
pub(super) fn write_price(bytes: u32) -> u64 {
    sat_add_mul(5_040, 30, u64::from(bytes.saturating_sub(32)))
}

/// Ink to copy `bytes` from the program into the host.
pub(super) fn read_price(bytes: u32) -> u64 {
    sat_add_mul(16_381, 55, u64::from(bytes.saturating_sub(32)))
}

/// Ink of `native_keccak256` over `bytes` (the whole price: there is no flat part).
pub(super) fn keccak_price(bytes: u32) -> u64 {
    sat_add_mul(121_800, 21_000, words(bytes).saturating_sub(2))
}

/// Ink of `math_pow` on top of its flat price: 3,000 plus 17,500 for each significant byte of the
/// exponent and once more.
pub(super) fn pow_price(exponent: &B256) -> u64 {
    let leading_zeros = exponent.iter().take_while(|&&byte| byte == 0).count() as u64;
    3_000 + 17_500 * (33 - leading_zeros)
}

/// Gas of a log with `topics` topics and `data_len` data bytes.
pub(super) fn log_gas(topics: u32, data_len: u32) -> u64 {
    LOG_TOPIC_GAS * (1 + u64::from(topics)) + LOG_DATA_GAS * u64::from(data_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_prices_match_the_reference_table() {
        assert_eq!(flat(0, 0), 8_400);
        assert_eq!(flat(1, 0), 13_440);
        assert_eq!(flat(2, 0), 18_480);
        assert_eq!(flat(0, EVM_API_INK), 68_073);
        assert_eq!(flat(2, EVM_API_INK), 78_153);
        assert_eq!(flat(3, EVM_API_INK), 83_193);
        assert_eq!(flat(4, EVM_API_INK), 88_233);
        assert_eq!(flat(3, DIV_INK), 43_520);
        assert_eq!(flat(3, 0), 23_520);
        assert_eq!(flat(4, ADD_MOD_INK), 49_560);
        assert_eq!(flat(4, MUL_MOD_INK), 52_660);
    }

    #[test]
    fn variable_prices() {
        assert_eq!(
            (write_price(0), write_price(32), write_price(33)),
            (5_040, 5_040, 5_070)
        );
        assert_eq!((read_price(10), read_price(64)), (16_381, 16_381 + 55 * 32));
        assert_eq!((keccak_price(64), keccak_price(65)), (121_800, 142_800));
        assert_eq!(pow_price(&B256::ZERO), 20_500);
        assert_eq!(pow_price(&B256::with_last_byte(3)), 38_000);
        assert_eq!(pow_price(&B256::repeat_byte(0xff)), 3_000 + 17_500 * 33);
        assert_eq!(log_gas(2, 10), 375 * 3 + 80);
    }
}
