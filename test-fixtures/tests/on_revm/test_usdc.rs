//! TestUSDC: metadata, minting, transfers, EIP-2612 permits and the custom errors.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent, SolStruct, eip712_domain, sol};
use k256::ecdsa::SigningKey;
use revm::context::result::ExecutionResult;

use crate::chain::{ALICE, BOB, CHAIN_ID, Chain, NOW, revert_data, success_output};

sol! {
    #![sol(all_derives)]

    /// The EIP-2612 message, hashed independently of the contract by alloy's EIP-712 code.
    struct Permit {
        address owner;
        address spender;
        uint256 value;
        uint256 nonce;
        uint256 deadline;
    }
}

use test_fixtures::abi::TestUSDC::{
    DOMAIN_SEPARATORCall, InsufficientAllowance, InsufficientBalance, InvalidSignature, NotOwner,
    PermitExpired, Transfer, allowanceCall, balanceOfCall, decimalsCall, eip712DomainCall,
    mintCall, nameCall, noncesCall, ownerCall, permitCall, symbolCall, totalSupplyCall,
    transferCall, transferFromCall,
};

/// The secp256k1 group order.
const SECP256K1_N: U256 = U256::from_be_bytes(alloy_primitives::hex!(
    "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
));

/// A chain with TestUSDC deployed by ALICE.
fn deployed() -> (Chain, Address) {
    let holder = address_of(&holder_key());
    let mut chain = Chain::new(&[holder]);
    let token = chain.deploy(ALICE, test_fixtures::solidity("TestUSDC").creation.clone());
    (chain, token)
}

fn holder_key() -> SigningKey {
    SigningKey::from_slice(keccak256("cloudless test holder").as_slice()).expect("a valid key")
}

fn address_of(key: &SigningKey) -> Address {
    let point = key.verifying_key().to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

fn balance(chain: &mut Chain, token: Address, account: Address) -> U256 {
    chain.view(token, &balanceOfCall(account))
}

fn allowance(chain: &mut Chain, token: Address, holder: Address, spender: Address) -> U256 {
    chain.view(
        token,
        &allowanceCall {
            _0: holder,
            _1: spender,
        },
    )
}

fn mint(chain: &mut Chain, token: Address, to: Address, value: u64) {
    let result = chain.send(
        ALICE,
        token,
        &mintCall {
            to,
            value: U256::from(value),
        },
    );
    assert!(result.is_success(), "mint failed: {result:?}");
}

/// A permit signed by `key` for `spender`, with the holder's current nonce.
fn signed_permit(
    chain: &mut Chain,
    token: Address,
    key: &SigningKey,
    holder: Address,
    spender: Address,
    value: U256,
    deadline: U256,
) -> permitCall {
    let nonce = chain.view(token, &noncesCall(holder));
    let message = Permit {
        owner: holder,
        spender,
        value,
        nonce,
        deadline,
    };
    let domain = eip712_domain! {
        name: "Test USD Coin",
        version: "2",
        chain_id: CHAIN_ID,
        verifying_contract: token,
    };
    let digest = message.eip712_signing_hash(&domain);
    let (signature, recovery) = key
        .sign_prehash_recoverable(digest.as_slice())
        .expect("signing");
    permitCall {
        holder,
        spender,
        value,
        deadline,
        v: 27 + recovery.to_byte(),
        r: B256::from_slice(&signature.r().to_bytes()),
        s: B256::from_slice(&signature.s().to_bytes()),
    }
}

fn expect_error<E: SolError + PartialEq + std::fmt::Debug>(result: &ExecutionResult, expected: E) {
    let data = revert_data(result);
    let decoded = E::abi_decode(data)
        .unwrap_or_else(|e| panic!("revert data {data} is not {}: {e}", E::SIGNATURE));
    assert_eq!(decoded, expected);
}

#[test]
fn metadata_and_owner() {
    let (mut chain, token) = deployed();
    assert_eq!(chain.view(token, &decimalsCall {}), 6);
    assert_eq!(chain.view(token, &nameCall {}), "Test USD Coin");
    assert_eq!(chain.view(token, &symbolCall {}), "USDC");
    assert_eq!(chain.view(token, &ownerCall {}), ALICE);
    assert_eq!(chain.view(token, &totalSupplyCall {}), U256::ZERO);
}

#[test]
fn eip712_domain_follows_the_chain_id() {
    let (mut chain, token) = deployed();
    let domain = |chain_id: u64| {
        eip712_domain! {
            name: "Test USD Coin",
            version: "2",
            chain_id: chain_id,
            verifying_contract: token,
        }
    };
    assert_eq!(
        chain.view(token, &DOMAIN_SEPARATORCall {}),
        domain(CHAIN_ID).separator()
    );
    let described = chain.view(token, &eip712DomainCall {});
    assert_eq!(described.fields.0, [0x0f]);
    assert_eq!(
        (
            described.domainName.as_str(),
            described.domainVersion.as_str()
        ),
        ("Test USD Coin", "2")
    );
    assert_eq!(
        (described.chainId, described.verifyingContract),
        (U256::from(CHAIN_ID), token)
    );
    assert!(described.salt.is_zero() && described.extensions.is_empty());

    // After a chain split the cached separator must not be used.
    chain.set_chain_id(1);
    assert_eq!(
        chain.view(token, &DOMAIN_SEPARATORCall {}),
        domain(1).separator()
    );
    assert_eq!(
        chain.view(token, &eip712DomainCall {}).chainId,
        U256::from(1)
    );
}

#[test]
fn mint_and_transfer_move_balances_and_emit_transfer() {
    let (mut chain, token) = deployed();
    mint(&mut chain, token, ALICE, 1_000_000);
    assert_eq!(
        chain.view(token, &totalSupplyCall {}),
        U256::from(1_000_000)
    );

    let result = chain.send(
        ALICE,
        token,
        &transferCall {
            to: BOB,
            value: U256::from(250_000),
        },
    );
    assert!(transferCall::abi_decode_returns(success_output(&result)).expect("bool"));
    let [log] = result.logs() else {
        panic!("expected one log: {result:?}")
    };
    assert_eq!(log.address, token);
    let event = Transfer::decode_log_data(&log.data).expect("a Transfer event");
    assert_eq!(
        (event.from, event.to, event.value),
        (ALICE, BOB, U256::from(250_000))
    );

    assert_eq!(balance(&mut chain, token, ALICE), U256::from(750_000));
    assert_eq!(balance(&mut chain, token, BOB), U256::from(250_000));
}

#[test]
fn only_the_owner_mints() {
    let (mut chain, token) = deployed();
    let result = chain.send(
        BOB,
        token,
        &mintCall {
            to: BOB,
            value: U256::from(1),
        },
    );
    expect_error(&result, NotOwner { caller: BOB });
}

#[test]
fn transfer_above_balance_reverts_with_insufficient_balance() {
    let (mut chain, token) = deployed();
    mint(&mut chain, token, ALICE, 100);
    let result = chain.send(
        ALICE,
        token,
        &transferCall {
            to: BOB,
            value: U256::from(101),
        },
    );
    expect_error(
        &result,
        InsufficientBalance {
            account: ALICE,
            available: U256::from(100),
            required: U256::from(101),
        },
    );
    assert_eq!(balance(&mut chain, token, ALICE), U256::from(100));
}

#[test]
fn permit_sets_allowance_bumps_nonce_and_enables_transfer_from() {
    let (mut chain, token) = deployed();
    let key = holder_key();
    let holder = address_of(&key);
    mint(&mut chain, token, holder, 5_000_000);

    let separator = chain.view(token, &DOMAIN_SEPARATORCall {});
    let domain = eip712_domain! {
        name: "Test USD Coin",
        version: "2",
        chain_id: CHAIN_ID,
        verifying_contract: token,
    };
    assert_eq!(separator, domain.separator());

    let value = U256::from(2_000_000);
    let deadline = U256::from(NOW + 3600);
    let permit = signed_permit(&mut chain, token, &key, holder, BOB, value, deadline);
    // Anyone may submit the signed permit; BOB does here.
    let result = chain.send(BOB, token, &permit);
    assert!(result.is_success(), "permit failed: {result:?}");
    let [log] = result.logs() else {
        panic!("expected one log: {result:?}")
    };
    let approval = test_fixtures::abi::TestUSDC::Approval::decode_log_data(&log.data)
        .expect("an Approval event");
    assert_eq!(
        (approval.owner, approval.spender, approval.value),
        (holder, BOB, value)
    );
    assert_eq!(allowance(&mut chain, token, holder, BOB), value);
    assert_eq!(chain.view(token, &noncesCall(holder)), U256::from(1));

    // Replaying the same signature fails: the nonce has moved on.
    expect_error(&chain.send(BOB, token, &permit), InvalidSignature {});

    let pull = transferFromCall {
        from: holder,
        to: BOB,
        value: U256::from(1_500_000),
    };
    assert!(chain.send(BOB, token, &pull).is_success());
    assert_eq!(balance(&mut chain, token, BOB), U256::from(1_500_000));
    assert_eq!(
        allowance(&mut chain, token, holder, BOB),
        U256::from(500_000)
    );
    expect_error(
        &chain.send(BOB, token, &pull),
        InsufficientAllowance {
            spender: BOB,
            available: U256::from(500_000),
            required: U256::from(1_500_000),
        },
    );
}

#[test]
fn expired_permit_reverts_with_permit_expired() {
    let (mut chain, token) = deployed();
    let key = holder_key();
    let holder = address_of(&key);
    let deadline = U256::from(NOW - 1);
    let permit = signed_permit(
        &mut chain,
        token,
        &key,
        holder,
        BOB,
        U256::from(1),
        deadline,
    );
    expect_error(&chain.send(BOB, token, &permit), PermitExpired { deadline });
    assert_eq!(chain.view(token, &noncesCall(holder)), U256::ZERO);
}

#[test]
fn malleable_foreign_and_unrecoverable_signatures_are_rejected() {
    let (mut chain, token) = deployed();
    let key = holder_key();
    let holder = address_of(&key);
    let deadline = U256::from(NOW + 60);
    let good = signed_permit(
        &mut chain,
        token,
        &key,
        holder,
        BOB,
        U256::from(7),
        deadline,
    );

    // The same signature with s mirrored to the upper half (and v flipped) still recovers the
    // holder, but is the malleable form and must be refused.
    let high_s = SECP256K1_N - U256::from_be_bytes(good.s.0);
    let malleable = permitCall {
        s: high_s.into(),
        v: 55 - good.v, // 27 <-> 28
        ..good.clone()
    };
    expect_error(&chain.send(BOB, token, &malleable), InvalidSignature {});

    // ecrecover yields address(0) for v other than 27/28; a zero holder must not match it.
    let unrecoverable = permitCall {
        holder: Address::ZERO,
        v: 29,
        ..good.clone()
    };
    expect_error(&chain.send(BOB, token, &unrecoverable), InvalidSignature {});

    // A valid signature by someone else.
    let other = SigningKey::from_slice(keccak256("someone else").as_slice()).expect("a valid key");
    let foreign = signed_permit(
        &mut chain,
        token,
        &other,
        holder,
        BOB,
        U256::from(7),
        deadline,
    );
    expect_error(&chain.send(BOB, token, &foreign), InvalidSignature {});

    assert_eq!(allowance(&mut chain, token, holder, BOB), U256::ZERO);
    // The untouched original still works.
    assert!(chain.send(BOB, token, &good).is_success());
    assert_eq!(allowance(&mut chain, token, holder, BOB), U256::from(7));
}
