//! Determinism: the same transaction sequence on two fresh chains gives identical receipts (status,
//! gas, logs, output) and the same state digest; a different sequence gives a different digest.

mod common;

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::probe::IProbe;
use common::{ALICE, BOB, chain, deploy_solidity, deploy_stylus};
use harness::evm::{Receipt, chain::TxRequest};
use test_fixtures::abi::TestUSDC;

/// A scripted round touching Stylus and EVM code, value, reverts and time.
fn round(extra_increment: bool) -> (Vec<Receipt>, B256) {
    let mut chain = chain();
    let probe = deploy_stylus(&mut chain, "probe");
    let usdc = deploy_solidity(&mut chain, "TestUSDC");
    let mut txs = vec![
        TxRequest::call(
            ALICE,
            usdc,
            TestUSDC::mintCall {
                to: BOB,
                value: U256::from(9_000_000),
            }
            .abi_encode(),
        ),
        TxRequest::call(
            BOB,
            usdc,
            TestUSDC::approveCall {
                spender: probe,
                value: U256::MAX,
            }
            .abi_encode(),
        ),
        TxRequest::call(
            ALICE,
            probe,
            IProbe::pullTokenCall {
                token: usdc,
                from: BOB,
                amount: U256::from(1),
            }
            .abi_encode(),
        ),
        TxRequest::call(BOB, probe, IProbe::depositCall {}.abi_encode()).value(U256::from(10)),
        TxRequest::call(
            BOB,
            probe,
            IProbe::withdrawCall {
                amount: U256::from(11),
            }
            .abi_encode(),
        ),
        TxRequest::call(
            ALICE,
            probe,
            IProbe::setThenRevertCall {
                value: U256::from(5),
            }
            .abi_encode(),
        ),
        TxRequest::call(ALICE, probe, IProbe::incrementCall {}.abi_encode()),
    ];
    if extra_increment {
        txs.push(TxRequest::call(
            ALICE,
            probe,
            IProbe::incrementCall {}.abi_encode(),
        ));
    }
    let receipts = txs
        .into_iter()
        .map(|tx| {
            chain.advance(12);
            chain.send(tx).unwrap()
        })
        .collect();
    (receipts, chain.state_digest())
}

#[test]
fn same_sequence_same_receipts_gas_and_digest() {
    let (first, digest) = round(false);
    let (second, again) = round(false);
    assert_eq!(first, second);
    assert_eq!(digest, again);
    // The sequence really exercised both outcomes.
    assert_eq!(
        first.iter().filter(|r| !r.is_success()).count(),
        2,
        "the withdraw and setThenRevert fail"
    );
    assert!(first.iter().all(|r| r.gas_used() > 21_000));
}

#[test]
fn a_different_sequence_changes_the_digest() {
    assert_ne!(round(false).1, round(true).1);
}
