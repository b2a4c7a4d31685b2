//! The SDK 0.10 probe contract, built from source to the processed wasm that would go on chain,
//! running in the harness next to Solidity: storage maps and vectors, events, custom errors, a
//! payable method, calls into the Solidity ERC-20 and into another Stylus contract, and the
//! SDK's reentrancy guard.

mod common;

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use cloudless_abi::probe::IProbe;
use common::{ALICE, BOB, chain, deploy_solidity, deploy_stylus};
use harness::evm::{ChainError, chain::TxRequest};
use test_fixtures::abi::TestUSDC;

fn counter(chain: &mut harness::evm::Chain, probe: Address) -> U256 {
    chain.view_sol(probe, &IProbe::counterCall {}).unwrap()
}

#[test]
fn storage_vectors_and_events() {
    let mut chain = chain();
    let probe = deploy_stylus(&mut chain, "probe");

    let receipt = chain
        .send(TxRequest::call(
            ALICE,
            probe,
            IProbe::incrementCall {}.abi_encode(),
        ))
        .unwrap();
    assert!(receipt.is_success(), "{receipt:?}");
    let event = IProbe::Incremented::decode_log(&receipt.logs()[0]).unwrap();
    assert_eq!(
        (event.address, event.by, event.counter),
        (probe, ALICE, U256::from(1))
    );
    assert_eq!(
        chain
            .call_sol(BOB, probe, &IProbe::incrementCall {})
            .unwrap(),
        U256::from(2)
    );

    assert_eq!(counter(&mut chain, probe), U256::from(2));
    assert_eq!(
        chain.view_sol(probe, &IProbe::historyLenCall {}).unwrap(),
        U256::from(2)
    );
    let second = chain
        .view_sol(
            probe,
            &IProbe::historyAtCall {
                index: U256::from(1),
            },
        )
        .unwrap();
    assert_eq!(second, U256::from(2));
    let missing = chain
        .view_sol(
            probe,
            &IProbe::historyAtCall {
                index: U256::from(9),
            },
        )
        .unwrap();
    assert_eq!(missing, U256::ZERO);
}

#[test]
fn payable_deposit_and_custom_errors() {
    let mut chain = chain();
    let probe = deploy_stylus(&mut chain, "probe");
    let deposit = IProbe::depositCall {}.abi_encode();

    let receipt = chain
        .send(TxRequest::call(ALICE, probe, deposit.clone()).value(U256::from(700)))
        .unwrap();
    let event = IProbe::Deposited::decode_log(&receipt.logs()[0]).unwrap();
    assert_eq!(
        (event.who, event.amount, event.newBalance),
        (ALICE, U256::from(700), U256::from(700))
    );
    assert_eq!(chain.balance(probe), U256::from(700));

    let zero = chain
        .send(TxRequest::call(ALICE, probe, deposit))
        .unwrap()
        .into_result();
    let Err(ChainError::Reverted(data)) = zero else {
        panic!("expected a revert, got {zero:?}")
    };
    assert!(IProbe::ZeroAmount::abi_decode(&data).is_ok());

    let too_much = IProbe::withdrawCall {
        amount: U256::from(701),
    }
    .abi_encode();
    let Err(ChainError::Reverted(data)) = chain.call(ALICE, probe, too_much) else {
        panic!("expected a revert")
    };
    let err = IProbe::InsufficientBalance::abi_decode(&data).unwrap();
    assert_eq!(
        (err.who, err.have, err.want),
        (ALICE, U256::from(700), U256::from(701))
    );

    let before = chain.balance(ALICE);
    chain
        .call(
            ALICE,
            probe,
            IProbe::withdrawCall {
                amount: U256::from(300),
            }
            .abi_encode(),
        )
        .unwrap();
    assert_eq!(
        chain.balance(ALICE),
        before + U256::from(300),
        "gas is free at basefee 0"
    );
    assert_eq!(chain.balance(probe), U256::from(400));
    assert_eq!(
        chain
            .view_sol(probe, &IProbe::balanceOfCall { who: ALICE })
            .unwrap(),
        U256::from(400)
    );
}

#[test]
fn non_payable_method_rejects_value() {
    let mut chain = chain();
    let probe = deploy_stylus(&mut chain, "probe");
    let req =
        TxRequest::call(ALICE, probe, IProbe::incrementCall {}.abi_encode()).value(U256::from(1));
    let Err(ChainError::Reverted(data)) = chain.send(req).unwrap().into_result() else {
        panic!("a non-payable method must revert when sent value")
    };
    assert!(data.is_empty());
    assert_eq!(counter(&mut chain, probe), U256::ZERO);
}

#[test]
fn calls_the_solidity_erc20() {
    let mut chain = chain();
    let probe = deploy_stylus(&mut chain, "probe");
    let usdc = deploy_solidity(&mut chain, "TestUSDC");
    chain
        .call_sol(
            ALICE,
            usdc,
            &TestUSDC::mintCall {
                to: BOB,
                value: U256::from(5_000_000),
            },
        )
        .unwrap();

    let seen = chain
        .view_sol(
            probe,
            &IProbe::tokenBalanceCall {
                token: usdc,
                who: BOB,
            },
        )
        .unwrap();
    assert_eq!(seen, U256::from(5_000_000));

    chain
        .call_sol(
            BOB,
            usdc,
            &TestUSDC::approveCall {
                spender: probe,
                value: U256::from(2_000_000),
            },
        )
        .unwrap();
    let pulled = chain
        .call_sol(
            ALICE,
            probe,
            &IProbe::pullTokenCall {
                token: usdc,
                from: BOB,
                amount: U256::from(1_500_000),
            },
        )
        .unwrap();
    assert!(pulled);
    assert_eq!(
        chain
            .view_sol(usdc, &TestUSDC::balanceOfCall(probe))
            .unwrap(),
        U256::from(1_500_000)
    );
    assert_eq!(
        chain.view_sol(usdc, &TestUSDC::balanceOfCall(BOB)).unwrap(),
        U256::from(3_500_000)
    );

    // Past the allowance the token reverts; the probe bubbles the failure up.
    let over = IProbe::pullTokenCall {
        token: usdc,
        from: BOB,
        amount: U256::from(600_000),
    };
    assert!(matches!(
        chain.call_sol(ALICE, probe, &over),
        Err(ChainError::Reverted(_))
    ));
    assert_eq!(
        chain.view_sol(usdc, &TestUSDC::balanceOfCall(BOB)).unwrap(),
        U256::from(3_500_000)
    );
}

#[test]
fn calls_another_stylus_contract() {
    let mut chain = chain();
    let a = deploy_stylus(&mut chain, "probe");
    let b = deploy_stylus(&mut chain, "probe");
    let inner = IProbe::incrementCall {}.abi_encode();
    let out = chain
        .call_sol(
            ALICE,
            a,
            &IProbe::relayCall {
                target: b,
                data: inner.into(),
            },
        )
        .unwrap();
    assert_eq!(U256::from_be_slice(&out), U256::from(1));
    assert_eq!(counter(&mut chain, b), U256::from(1));
    assert_eq!(counter(&mut chain, a), U256::ZERO);
}

#[test]
fn reentrant_call_into_a_default_sdk_contract_reverts() {
    let mut chain = chain();
    let a = deploy_stylus(&mut chain, "probe");
    let inner = IProbe::incrementCall {}.abi_encode();

    // A → A: the inner frame sees msg_reentrant and the SDK's guard reverts with no data.
    let relay = IProbe::relayCall {
        target: a,
        data: inner.clone().into(),
    };
    let Err(ChainError::Reverted(data)) = chain.call_sol(ALICE, a, &relay) else {
        panic!("expected a revert")
    };
    assert!(
        data.is_empty(),
        "the reentrancy guard reverts without data, got {data}"
    );
    assert_eq!(counter(&mut chain, a), U256::ZERO);

    // Caught: tryRelay reports the failure and carries on.
    let tried = chain
        .call_sol(
            ALICE,
            a,
            &IProbe::tryRelayCall {
                target: a,
                data: inner.into(),
            },
        )
        .unwrap();
    assert!(!tried.success);
    assert!(tried.ret.is_empty());
    assert_eq!(counter(&mut chain, a), U256::from(1));
}
