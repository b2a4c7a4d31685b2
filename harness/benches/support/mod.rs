//! The executor benches' chain: a Stylus probe, a stylus-sdk ERC-20 and the Solidity `TestUSDC`,
//! deployed and funded, and the transactions they time.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::{erc20::IStylusToken, probe::IProbe};
use harness::{
    artifact,
    evm::{Chain, chain::TxRequest},
};

const ALICE: Address = Address::repeat_byte(0xa1);
const BOB: Address = Address::repeat_byte(0xb0);

/// A chain with the three contracts deployed and ALICE holding tokens in both ERC-20s.
pub struct Bench {
    /// The chain; transactions are simulated against it, never committed.
    pub chain: Chain,
    /// The timed transactions: a name and the call.
    pub cases: Vec<(&'static str, TxRequest)>,
}

impl Bench {
    /// Deploys from the built artifacts (`cloudless contracts build` first).
    pub fn new() -> Self {
        let mut chain = Chain::default();
        chain.fund(ALICE, U256::from(10u64).pow(U256::from(21)));
        let load = |name| {
            artifact::Artifacts::locate()
                .load(name)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let probe = chain.deploy_stylus(ALICE, &load("probe")).unwrap();
        let token = chain.deploy_stylus(ALICE, &load("erc20")).unwrap();
        let usdc = chain
            .deploy(ALICE, test_fixtures::solidity("TestUSDC").creation.clone())
            .unwrap();
        let mint = IStylusToken::mintCall {
            to: ALICE,
            amount: U256::from(1_000_000_000u64),
        };
        chain.call(ALICE, token, mint.abi_encode()).unwrap();
        chain.call(ALICE, usdc, mint.abi_encode()).unwrap();
        let transfer: Bytes = IStylusToken::transferCall {
            to: BOB,
            value: U256::from(1),
        }
        .abi_encode()
        .into();
        let call = |to, data: Bytes| TxRequest::call(ALICE, to, data);
        let cases = vec![
            (
                "stylus storage write (probe.increment)",
                call(probe, IProbe::incrementCall {}.abi_encode().into()),
            ),
            ("stylus erc20 transfer", call(token, transfer.clone())),
            ("solidity erc20 transfer", call(usdc, transfer)),
        ];
        Self { chain, cases }
    }
}
