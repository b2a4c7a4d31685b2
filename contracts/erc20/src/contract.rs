//! The contract itself. Private so that the SDK-generated `user_entrypoint` export is not part of
//! the crate's documented API.

use alloc::string::String;

use alloy_primitives::{Address, U256};
use cloudless_abi::erc20::IStylusToken;
use stylus_sdk::{
    prelude::*,
    storage::{StorageMap, StorageU256},
};

/// The token's typed reverts, ABI-encoded as `IStylusToken` errors.
#[derive(SolidityError, Debug)]
pub enum TokenError {
    /// A transfer of more than the sender holds.
    InsufficientBalance(IStylusToken::InsufficientBalance),
    /// A `transferFrom` of more than the caller is allowed.
    InsufficientAllowance(IStylusToken::InsufficientAllowance),
}

/// The token's storage (Solidity layout: one slot each, in this order).
#[storage]
#[entrypoint]
pub struct StylusToken {
    total_supply: StorageU256,
    balances: StorageMap<Address, StorageU256>,
    allowances: StorageMap<Address, StorageMap<Address, StorageU256>>,
}

#[public]
impl StylusToken {
    /// The token's name.
    pub fn name(&self) -> String {
        "Cloudless Stylus Token".into()
    }

    /// The token's symbol.
    pub fn symbol(&self) -> String {
        "CST".into()
    }

    /// Decimal places.
    pub fn decimals(&self) -> u8 {
        6
    }

    /// Tokens in existence.
    pub fn total_supply(&self) -> U256 {
        self.total_supply.get()
    }

    /// Tokens held by `owner`.
    pub fn balance_of(&self, owner: Address) -> U256 {
        self.balances.get(owner)
    }

    /// Tokens `spender` may still spend on behalf of `owner`.
    pub fn allowance(&self, owner: Address, spender: Address) -> U256 {
        self.allowances.getter(owner).get(spender)
    }

    /// Moves `value` tokens from the sender to `to`.
    pub fn transfer(&mut self, to: Address, value: U256) -> Result<bool, TokenError> {
        let from = self.vm().msg_sender();
        self.move_tokens(from, to, value)?;
        Ok(true)
    }

    /// Lets `spender` spend `value` of the sender's tokens.
    pub fn approve(&mut self, spender: Address, value: U256) -> bool {
        let owner = self.vm().msg_sender();
        self.allowances.setter(owner).insert(spender, value);
        self.vm().log(IStylusToken::Approval {
            owner,
            spender,
            value,
        });
        true
    }

    /// Moves `value` tokens from `from` to `to`, spending the sender's allowance.
    pub fn transfer_from(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<bool, TokenError> {
        let spender = self.vm().msg_sender();
        let allowed = self.allowances.getter(from).get(spender);
        if allowed < value {
            let error = IStylusToken::InsufficientAllowance {
                spender,
                have: allowed,
                want: value,
            };
            return Err(error.into());
        }
        self.allowances
            .setter(from)
            .insert(spender, allowed - value);
        self.move_tokens(from, to, value)?;
        Ok(true)
    }

    /// Creates `amount` tokens for `to`. Anyone may mint: this is a test token.
    pub fn mint(&mut self, to: Address, amount: U256) {
        self.total_supply.set(self.total_supply.get() + amount);
        self.balances.insert(to, self.balances.get(to) + amount);
        self.vm().log(IStylusToken::Transfer {
            from: Address::ZERO,
            to,
            value: amount,
        });
    }
}

impl StylusToken {
    fn move_tokens(&mut self, from: Address, to: Address, value: U256) -> Result<(), TokenError> {
        let have = self.balances.get(from);
        if have < value {
            let error = IStylusToken::InsufficientBalance {
                who: from,
                have,
                want: value,
            };
            return Err(error.into());
        }
        self.balances.insert(from, have - value);
        self.balances.insert(to, self.balances.get(to) + value);
        self.vm().log(IStylusToken::Transfer { from, to, value });
        Ok(())
    }
}
