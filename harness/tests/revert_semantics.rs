//! Reverts across frame kinds: a failing child frame — EVM or Stylus — rolls back its storage and
//! logs, and a parent that catches the failure carries on with its own changes intact.

mod common;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use cloudless_abi::probe::IProbe;
use common::{ALICE, chain, deploy_solidity, deploy_stylus};
use harness::evm::{Chain, ChainError, chain::TxRequest};
use test_fixtures::abi::{Caller, Store};

fn counter(chain: &mut Chain, probe: Address) -> U256 {
    chain.view_sol(probe, &IProbe::counterCall {}).unwrap()
}

fn stored(chain: &mut Chain, store: Address) -> U256 {
    chain.view_sol(store, &Store::getCall {}).unwrap()
}

fn boom(value: u64) -> Bytes {
    IProbe::Boom {
        value: U256::from(value),
    }
    .abi_encode()
    .into()
}

#[test]
fn stylus_parent_catches_a_stylus_child_revert() {
    let mut chain = chain();
    let (a, b) = (
        deploy_stylus(&mut chain, "probe"),
        deploy_stylus(&mut chain, "probe"),
    );
    let data = IProbe::setThenRevertCall {
        value: U256::from(7),
    }
    .abi_encode()
    .into();
    let receipt = chain
        .send(TxRequest::call(
            ALICE,
            a,
            IProbe::tryRelayCall { target: b, data }.abi_encode(),
        ))
        .unwrap();
    assert!(receipt.is_success());
    let tried = IProbe::tryRelayCall::abi_decode_returns(&receipt.output()).unwrap();
    assert!(!tried.success);
    assert_eq!(tried.ret, boom(7));
    assert_eq!(
        counter(&mut chain, b),
        U256::ZERO,
        "the child's write is rolled back"
    );
    assert_eq!(
        counter(&mut chain, a),
        U256::from(1),
        "the parent's later write stays"
    );
    let logs = receipt.logs();
    assert_eq!(
        logs.len(),
        1,
        "only the parent's Relayed log survives: {logs:?}"
    );
    let relayed = IProbe::Relayed::decode_log(&logs[0]).unwrap();
    assert_eq!(
        (relayed.address, relayed.target, relayed.success),
        (a, b, false)
    );
}

#[test]
fn evm_parent_catches_a_stylus_child_revert() {
    let mut chain = chain();
    let b = deploy_stylus(&mut chain, "probe");
    let caller = deploy_solidity(&mut chain, "Caller");
    let data = IProbe::setThenRevertCall {
        value: U256::from(7),
    }
    .abi_encode()
    .into();
    let receipt = chain
        .send(TxRequest::call(
            ALICE,
            caller,
            Caller::tryForwardCall { target: b, data }.abi_encode(),
        ))
        .unwrap();
    let tried = Caller::tryForwardCall::abi_decode_returns(&receipt.output()).unwrap();
    assert!(!tried.ok);
    assert_eq!(tried.ret, boom(7));
    assert_eq!(counter(&mut chain, b), U256::ZERO);
    assert!(!chain.view_sol(caller, &Caller::lastOkCall {}).unwrap());
    assert_eq!(receipt.logs().len(), 1);
    assert!(Caller::Forwarded::decode_log(&receipt.logs()[0]).is_ok());
}

#[test]
fn stylus_parent_catches_an_evm_child_revert() {
    let mut chain = chain();
    let a = deploy_stylus(&mut chain, "probe");
    let store = deploy_solidity(&mut chain, "Store");
    let data = Store::setAndRevertCall {
        value: U256::from(5),
    }
    .abi_encode()
    .into();
    let receipt = chain
        .send(TxRequest::call(
            ALICE,
            a,
            IProbe::tryRelayCall {
                target: store,
                data,
            }
            .abi_encode(),
        ))
        .unwrap();
    let tried = IProbe::tryRelayCall::abi_decode_returns(&receipt.output()).unwrap();
    assert!(!tried.success);
    assert_eq!(
        tried.ret,
        Bytes::from(
            Store::Reverted {
                value: U256::from(5)
            }
            .abi_encode()
        )
    );
    assert_eq!(stored(&mut chain, store), U256::ZERO);
    assert_eq!(
        receipt.logs().len(),
        1,
        "the Store's Set log is rolled back"
    );
}

#[test]
fn an_uncaught_revert_unwinds_every_frame() {
    let mut chain = chain();
    let a = deploy_stylus(&mut chain, "probe");
    let caller = deploy_solidity(&mut chain, "Caller");
    let store = deploy_solidity(&mut chain, "Store");
    // ALICE → Caller (EVM) → A (Stylus) → Store (EVM): the Store reverts and nobody catches it.
    let to_store = Store::setAndRevertCall {
        value: U256::from(3),
    }
    .abi_encode()
    .into();
    let to_a = IProbe::relayCall {
        target: store,
        data: to_store,
    }
    .abi_encode()
    .into();
    let result = chain.call(
        ALICE,
        caller,
        Caller::forwardCall {
            target: a,
            data: to_a,
        }
        .abi_encode(),
    );
    let Err(ChainError::Reverted(data)) = result else {
        panic!("expected a revert, got {result:?}")
    };
    assert_eq!(
        data,
        Bytes::from(
            Store::Reverted {
                value: U256::from(3)
            }
            .abi_encode()
        ),
        "revert data is bubbled verbatim"
    );
    assert_eq!(stored(&mut chain, store), U256::ZERO);
}

#[test]
fn a_reverting_program_loses_its_own_writes() {
    let mut chain = chain();
    let a = deploy_stylus(&mut chain, "probe");
    chain.call_sol(ALICE, a, &IProbe::incrementCall {}).unwrap();
    let result = chain.call_sol(
        ALICE,
        a,
        &IProbe::setThenRevertCall {
            value: U256::from(99),
        },
    );
    let Err(ChainError::Reverted(data)) = result else {
        panic!("expected a revert")
    };
    assert_eq!(data, boom(99));
    assert_eq!(counter(&mut chain, a), U256::from(1));
}

#[test]
fn mixed_frames_nest_and_resume() {
    let mut chain = chain();
    let (a, b) = (
        deploy_stylus(&mut chain, "probe"),
        deploy_stylus(&mut chain, "probe"),
    );
    let (outer, inner) = (
        deploy_solidity(&mut chain, "Caller"),
        deploy_solidity(&mut chain, "Caller"),
    );
    // EVM → Stylus → EVM → Stylus, each parent resuming with its child's output.
    let to_b = IProbe::incrementCall {}.abi_encode().into();
    let to_inner = Caller::forwardCall {
        target: b,
        data: to_b,
    }
    .abi_encode()
    .into();
    let to_a = IProbe::relayCall {
        target: inner,
        data: to_inner,
    }
    .abi_encode()
    .into();
    let out = chain
        .call(
            ALICE,
            outer,
            Caller::forwardCall {
                target: a,
                data: to_a,
            }
            .abi_encode(),
        )
        .unwrap();
    // Each layer wraps its child's return value in one more `bytes` encoding.
    let a_out = Caller::forwardCall::abi_decode_returns(&out).unwrap();
    let inner_out = IProbe::relayCall::abi_decode_returns(&a_out).unwrap();
    let b_out = Caller::forwardCall::abi_decode_returns(&inner_out).unwrap();
    assert_eq!(U256::from_be_slice(&b_out), U256::from(1));
    assert_eq!(counter(&mut chain, b), U256::from(1));
}
