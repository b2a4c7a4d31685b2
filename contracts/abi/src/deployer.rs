//! Where a program records the account that created it.
//!
//! Cloudless programs are created with a plain `CREATE` whose EVM init code (the harness's
//! `deploy_code_init`) first stores `CALLER` at [`DEPLOYER_SLOT`] and then returns the Stylus
//! code. The record is written in the creating transaction itself, so no one can come between
//! creation and it; `Governance` lets only that account `initialize` the program.

use alloy_primitives::{B256, b256};

/// The namespace hashed into [`DEPLOYER_SLOT`].
pub const DEPLOYER_NAMESPACE: &str = "cloudless.deployer";

/// `keccak256("cloudless.deployer")`: the storage slot holding the creator's address
/// (right-aligned). A hash of a short string cannot collide with the SDK's layout: its fixed
/// fields sit in the first slots and its mapping slots hash 64-byte preimages.
pub const DEPLOYER_SLOT: B256 =
    b256!("0xaba85f997e54da4f5e9f2de7d9a11ced4999d1598c7dde351ba04b084c90826f");

#[cfg(test)]
mod tests {
    use alloy_primitives::keccak256;

    #[test]
    fn deployer_slot_is_the_hash_of_its_namespace() {
        assert_eq!(super::DEPLOYER_SLOT, keccak256(super::DEPLOYER_NAMESPACE));
    }
}
