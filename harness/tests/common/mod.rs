//! Shared set-up for the harness's integration tests: funded accounts and deployed fixtures.

use alloy_primitives::{Address, Bytes, U256};
use harness::{artifact, evm::Chain};

/// A funded externally owned account.
pub const ALICE: Address = Address::repeat_byte(0xa1);
/// A second funded account.
pub const BOB: Address = Address::repeat_byte(0xb0);

/// A chain with ALICE and BOB holding 1,000 ETH each.
pub fn chain() -> Chain {
    let mut chain = Chain::default();
    for who in [ALICE, BOB] {
        chain.fund(
            who,
            U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18)),
        );
    }
    chain
}

/// Deploys and activates the built Stylus contract `name` (from `cloudless contracts build`).
pub fn deploy_stylus(chain: &mut Chain, name: &str) -> Address {
    let code = artifact::Artifacts::locate()
        .load(name)
        .unwrap_or_else(|e| panic!("{e}"));
    chain
        .deploy_stylus(ALICE, &code)
        .unwrap_or_else(|e| panic!("deploying {name}: {e}"))
}

/// Deploys the Solidity fixture `name` (constructors without arguments) from ALICE.
pub fn deploy_solidity(chain: &mut Chain, name: &str) -> Address {
    let init: Bytes = test_fixtures::solidity(name).creation.clone();
    chain
        .deploy(ALICE, init)
        .unwrap_or_else(|e| panic!("deploying {name}: {e}"))
}
