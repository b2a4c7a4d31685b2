//! ERC-20 calls of the contracts. Incoming transfers are measured: a token that delivers less
//! than asked is rejected with `UnsupportedToken`. Tokens that return no bool are accepted; a
//! `false` return is `TokenTransferFailed`; a token's own revert data is passed on (so a wallet
//! sees, say, the token's allowance error), and an empty revert becomes `TokenTransferFailed`.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::{
    erc20::{IERC20Permit, IStylusToken},
    market::IGoverned,
};
use stylus_sdk::{
    call::{call, static_call},
    prelude::*,
};

use crate::{Revert, revert};

/// An EIP-2612 signature: `(deadline, v, r, s)`.
pub type Permit = (U256, u8, B256, B256);

fn failed(token: Address) -> Revert {
    revert(IGoverned::TokenTransferFailed { token })
}

/// Calls `token` with `data`; a revert keeps the token's data, or becomes `TokenTransferFailed`.
fn call_token<S: TopLevelStorage + HostAccess>(
    storage: &mut S,
    token: Address,
    data: &[u8],
) -> Result<Vec<u8>, Revert> {
    let context = Call::new_mutating(storage);
    call(storage.vm(), context, token, data).map_err(|e| {
        let data = Vec::from(e);
        if data.is_empty() { failed(token) } else { data }
    })
}

/// Accepts an empty return (tokens without a bool) or an ABI `true`.
fn returned_true(token: Address, ret: &[u8]) -> Result<(), Revert> {
    if ret.is_empty() || (ret.len() == 32 && ret[31] == 1 && ret[..31].iter().all(|b| *b == 0)) {
        Ok(())
    } else {
        Err(failed(token))
    }
}

/// `token.balanceOf(who)`.
pub fn balance_of<S: HostAccess>(
    storage: &S,
    token: Address,
    who: Address,
) -> Result<U256, Revert> {
    let data = IStylusToken::balanceOfCall { owner: who }.abi_encode();
    let ret = static_call(storage.vm(), Call::new(), token, &data).map_err(|_| failed(token))?;
    word(&ret).ok_or_else(|| failed(token))
}

/// A returned `uint256`: exactly one word, decoded by hand (the ABI decoder would add
/// kilobytes to every program for one word).
fn word(ret: &[u8]) -> Option<U256> {
    (ret.len() == 32).then(|| U256::from_be_slice(ret))
}

/// Pulls exactly `amount` of `token` from `from` into this contract (after `approve`).
pub fn pull<S: TopLevelStorage + HostAccess>(
    storage: &mut S,
    token: Address,
    from: Address,
    amount: U256,
) -> Result<(), Revert> {
    let this = storage.vm().contract_address();
    let before = balance_of(storage, token, this)?;
    let data = IStylusToken::transferFromCall {
        from,
        to: this,
        value: amount,
    }
    .abi_encode();
    let ret = call_token(storage, token, &data)?;
    returned_true(token, &ret)?;
    let received = balance_of(storage, token, this)?.saturating_sub(before);
    if received != amount {
        return Err(revert(IGoverned::UnsupportedToken {
            token,
            expected: amount,
            received,
        }));
    }
    Ok(())
}

/// Applies `from`'s EIP-2612 permit for `amount` to this contract, then pulls `amount`. A permit
/// that fails because someone already used it is fine when the allowance is there.
pub fn pull_with_permit<S: TopLevelStorage + HostAccess>(
    storage: &mut S,
    token: Address,
    from: Address,
    amount: U256,
    (deadline, v, r, s): Permit,
) -> Result<(), Revert> {
    let this = storage.vm().contract_address();
    let permit = IERC20Permit::permitCall {
        owner: from,
        spender: this,
        value: amount,
        deadline,
        v,
        r,
        s,
    }
    .abi_encode();
    if let Err(permit_error) = call_token(storage, token, &permit) {
        let data = IStylusToken::allowanceCall {
            owner: from,
            spender: this,
        }
        .abi_encode();
        let allowance = static_call(storage.vm(), Call::new(), token, &data)
            .ok()
            .and_then(|ret| word(&ret))
            .unwrap_or_default();
        if allowance < amount {
            return Err(permit_error);
        }
    }
    pull(storage, token, from, amount)
}

/// Sends `amount` of `token` from this contract to `to`.
pub fn push<S: TopLevelStorage + HostAccess>(
    storage: &mut S,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), Revert> {
    let data = IStylusToken::transferCall { to, value: amount }.abi_encode();
    let ret = call_token(storage, token, &data)?;
    returned_true(token, &ret)
}
