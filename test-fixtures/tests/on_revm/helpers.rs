//! Caller, Store and Deployer: the small EVM helpers for mixed EVM/Stylus call chains behave as
//! their documentation says.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent};

use crate::chain::{ALICE, Chain, revert_data, success_output};

use test_fixtures::abi::{Caller, Deployer, Store};

fn deploy(chain: &mut Chain, name: &str) -> Address {
    chain.deploy(ALICE, test_fixtures::solidity(name).creation.clone())
}

fn stored(chain: &mut Chain, store: Address) -> U256 {
    chain.view(store, &Store::getCall {})
}

#[test]
fn forward_calls_and_bubbles_revert_data_verbatim() {
    let mut chain = Chain::new(&[]);
    let (caller, store) = (deploy(&mut chain, "Caller"), deploy(&mut chain, "Store"));

    let set = Store::setCall {
        value: U256::from(5),
    }
    .abi_encode()
    .into();
    let result = chain.send(
        ALICE,
        caller,
        &Caller::forwardCall {
            target: store,
            data: set,
        },
    );
    assert!(result.is_success(), "{result:?}");
    let [log] = result.logs() else {
        panic!("expected Store's log: {result:?}")
    };
    assert_eq!(log.address, store);
    assert_eq!(
        Store::Set::decode_log_data(&log.data).expect("Set").value,
        U256::from(5)
    );
    assert_eq!(stored(&mut chain, store), U256::from(5));

    let failing = Store::setAndRevertCall {
        value: U256::from(9),
    }
    .abi_encode()
    .into();
    let result = chain.send(
        ALICE,
        caller,
        &Caller::forwardCall {
            target: store,
            data: failing,
        },
    );
    assert_eq!(
        revert_data(&result),
        &Bytes::from(
            Store::Reverted {
                value: U256::from(9)
            }
            .abi_encode()
        )
    );
    assert!(result.logs().is_empty());
    assert_eq!(stored(&mut chain, store), U256::from(5));
}

#[test]
fn try_forward_records_failure_and_rolls_back_the_callee() {
    let mut chain = Chain::new(&[]);
    let (caller, store) = (deploy(&mut chain, "Caller"), deploy(&mut chain, "Store"));

    let failing: Bytes = Store::setAndRevertCall {
        value: U256::from(3),
    }
    .abi_encode()
    .into();
    let call = Caller::tryForwardCall {
        target: store,
        data: failing,
    };
    let result = chain.send(ALICE, caller, &call);
    let returned =
        Caller::tryForwardCall::abi_decode_returns(success_output(&result)).expect("returns");
    assert!(!returned.ok);
    assert_eq!(
        returned.ret,
        Bytes::from(
            Store::Reverted {
                value: U256::from(3)
            }
            .abi_encode()
        )
    );
    // Only the Forwarded log survives; Store's Set log was rolled back with its write.
    let [log] = result.logs() else {
        panic!("expected only Forwarded: {result:?}")
    };
    let forwarded = Caller::Forwarded::decode_log_data(&log.data).expect("Forwarded");
    assert_eq!((forwarded.target, forwarded.ok), (store, false));
    assert!(!chain.view(caller, &Caller::lastOkCall {}));
    assert_eq!(stored(&mut chain, store), U256::ZERO);
}

#[test]
fn static_forward_reads_but_cannot_write() {
    let mut chain = Chain::new(&[]);
    let (caller, store) = (deploy(&mut chain, "Caller"), deploy(&mut chain, "Store"));
    assert!(
        chain
            .send(
                ALICE,
                store,
                &Store::setCall {
                    value: U256::from(11)
                }
            )
            .is_success()
    );

    let get = Store::getCall {}.abi_encode().into();
    let out = chain.view(
        caller,
        &Caller::staticForwardCall {
            target: store,
            data: get,
        },
    );
    assert_eq!(U256::from_be_slice(&out), U256::from(11));

    let set = Store::setCall {
        value: U256::from(12),
    }
    .abi_encode()
    .into();
    let result = chain.send(
        ALICE,
        caller,
        &Caller::staticForwardCall {
            target: store,
            data: set,
        },
    );
    assert!(
        !result.is_success(),
        "a write under STATICCALL must fail: {result:?}"
    );
    assert_eq!(stored(&mut chain, store), U256::from(11));
}

#[test]
fn delegate_forward_runs_callee_code_on_caller_storage() {
    let mut chain = Chain::new(&[]);
    let (caller, store) = (deploy(&mut chain, "Caller"), deploy(&mut chain, "Store"));
    // Store.set writes slot 0, which is Caller's `lastOk` under DELEGATECALL.
    let set = Store::setCall {
        value: U256::from(1),
    }
    .abi_encode()
    .into();
    let result = chain.send(
        ALICE,
        caller,
        &Caller::delegateForwardCall {
            target: store,
            data: set,
        },
    );
    let [log] = result.logs() else {
        panic!("expected Set from the caller: {result:?}")
    };
    assert_eq!(log.address, caller);
    assert!(chain.view(caller, &Caller::lastOkCall {}));
    assert_eq!(stored(&mut chain, store), U256::ZERO);
}

#[test]
fn forward_value_passes_msg_value_on() {
    let mut chain = Chain::new(&[]);
    let caller = deploy(&mut chain, "Caller");
    let payee = Address::repeat_byte(0x77);
    let call = Caller::forwardValueCall {
        target: payee,
        data: Bytes::new(),
    };
    let result = chain.send_raw(ALICE, caller, call.abi_encode().into(), U256::from(1234));
    assert!(result.is_success(), "{result:?}");
    assert_eq!(chain.balance(payee), U256::from(1234));
    assert_eq!(chain.balance(caller), U256::ZERO);
}

#[test]
fn deployer_creates_with_create_and_create2() {
    let mut chain = Chain::new(&[]);
    let deployer = deploy(&mut chain, "Deployer");
    let store = test_fixtures::solidity("Store");

    let result = chain.send(
        ALICE,
        deployer,
        &Deployer::deployCall {
            initcode: store.creation.clone(),
        },
    );
    let created =
        Deployer::deployCall::abi_decode_returns(success_output(&result)).expect("address");
    assert_eq!(created, deployer.create(1));
    assert_eq!(chain.code(created), store.runtime);

    let salt = B256::repeat_byte(0x5a);
    let call = Deployer::deploy2Call {
        initcode: store.creation.clone(),
        salt,
    };
    let result = chain.send(ALICE, deployer, &call);
    let created =
        Deployer::deploy2Call::abi_decode_returns(success_output(&result)).expect("address");
    assert_eq!(created, deployer.create2(salt, keccak256(&store.creation)));
    assert_eq!(chain.code(created), store.runtime);

    // Same salt and init code again: the address is taken, CREATE2 returns zero.
    expect_deploy_failed(&chain.send(ALICE, deployer, &call));
    // Init code that reverts.
    let reverting = Bytes::from_static(&[0x5f, 0x5f, 0xfd]); // PUSH0 PUSH0 REVERT
    expect_deploy_failed(&chain.send(
        ALICE,
        deployer,
        &Deployer::deployCall {
            initcode: reverting,
        },
    ));
}

fn expect_deploy_failed(result: &revm::context::result::ExecutionResult) {
    Deployer::DeployFailed::abi_decode(revert_data(result)).expect("DeployFailed");
}
