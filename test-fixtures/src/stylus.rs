//! Stylus programs in WAT for tests of the tools around Stylus (the dev node's StylusDeployer
//! and CacheManager), and the init code cargo-stylus deploys a program with.

/// A program with a constructor routed as stylus-sdk routes `#[constructor]`: calldata
/// `stylus_constructor()`'s selector ‖ a uint256 runs it once, storing the argument (slot 0)
/// and `msg.value` (slot 1); a second run reverts. Any other call returns slot 0 ‖ slot 1.
pub const CONSTRUCTED_WAT: &str = include_str!("../stylus/Constructed.wat");

/// The EVM init code `cargo stylus deploy` wraps a program's code in (cargo-stylus's
/// `contract_deployment_calldata`): `PUSH32 len, DUP1, PUSH1 43, PUSH1 0, CODECOPY, PUSH1 0,
/// RETURN`, a version byte 0, then `code` (the `EF F0 00 00`-prefixed compressed wasm).
pub fn cargo_stylus_init_code(code: &[u8]) -> Vec<u8> {
    const PRELUDE: u8 = 42;
    let mut init = Vec::with_capacity(usize::from(PRELUDE) + 1 + code.len());
    init.push(0x7f);
    let mut len = [0u8; 32];
    len[24..].copy_from_slice(&(code.len() as u64).to_be_bytes());
    init.extend_from_slice(&len);
    init.extend_from_slice(&[0x80, 0x60, PRELUDE + 1, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3]);
    debug_assert_eq!(init.len(), usize::from(PRELUDE));
    init.push(0x00);
    init.extend_from_slice(code);
    init
}
