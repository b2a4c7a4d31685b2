//! The contract itself. Private so that the SDK-generated `user_entrypoint` export is not part of
//! the crate's documented API.

use alloc::vec::Vec;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::{erc20::IStylusToken, probe::IProbe};
use stylus_sdk::{
    call::{call, static_call, transfer::transfer_eth},
    prelude::*,
    storage::{StorageMap, StorageU256, StorageVec},
};

/// The probe's typed reverts, ABI-encoded as `IProbe` errors.
#[derive(SolidityError, Debug)]
pub enum ProbeError {
    /// `deposit` without value.
    ZeroAmount(IProbe::ZeroAmount),
    /// `withdraw` of more than the sender's balance.
    InsufficientBalance(IProbe::InsufficientBalance),
    /// `setThenRevert` always ends with this.
    Boom(IProbe::Boom),
}

/// The probe's storage (Solidity layout: one slot each, in this order).
#[storage]
#[entrypoint]
pub struct Probe {
    counter: StorageU256,
    balances: StorageMap<Address, StorageU256>,
    history: StorageVec<StorageU256>,
}

#[public]
impl Probe {
    /// The counter.
    pub fn counter(&self) -> U256 {
        self.counter.get()
    }

    /// Adds one to the counter, appends it to the history and emits `Incremented`.
    pub fn increment(&mut self) -> U256 {
        let counter = self.counter.get() + U256::from(1);
        self.counter.set(counter);
        self.history.push(counter);
        self.emit_incremented(counter);
        counter
    }

    /// Number of history entries.
    pub fn history_len(&self) -> U256 {
        U256::from(self.history.len())
    }

    /// History entry `index`, or 0 when out of range.
    pub fn history_at(&self, index: U256) -> U256 {
        self.history.get(index).unwrap_or_default()
    }

    /// Credits `msg.value` to the sender and emits `Deposited`; returns the new balance.
    #[payable]
    pub fn deposit(&mut self) -> Result<U256, ProbeError> {
        let amount = self.vm().msg_value();
        if amount.is_zero() {
            return Err(IProbe::ZeroAmount {}.into());
        }
        let who = self.vm().msg_sender();
        let new_balance = self.balances.get(who) + amount;
        self.balances.insert(who, new_balance);
        self.vm().log(IProbe::Deposited {
            who,
            amount,
            newBalance: new_balance,
        });
        Ok(new_balance)
    }

    /// The wei balance credited to `who`.
    pub fn balance_of(&self, who: Address) -> U256 {
        self.balances.get(who)
    }

    /// Debits `amount` from the sender's balance and sends it to them.
    pub fn withdraw(&mut self, amount: U256) -> Result<(), Vec<u8>> {
        let who = self.vm().msg_sender();
        let have = self.balances.get(who);
        if have < amount {
            let error = IProbe::InsufficientBalance {
                who,
                have,
                want: amount,
            };
            return Err(ProbeError::from(error).into());
        }
        self.balances.insert(who, have - amount);
        transfer_eth(self.vm(), who, amount)
    }

    /// `IERC20(token).balanceOf(who)` through a static call.
    pub fn token_balance(&self, token: Address, who: Address) -> Result<U256, Vec<u8>> {
        let data = IStylusToken::balanceOfCall { owner: who }.abi_encode();
        let ret = static_call(self.vm(), Call::new(), token, &data)?;
        decode_return::<IStylusToken::balanceOfCall>(&ret)
    }

    /// `IERC20(token).transferFrom(from, address(this), amount)`; the token's revert bubbles up.
    pub fn pull_token(
        &mut self,
        token: Address,
        from: Address,
        amount: U256,
    ) -> Result<bool, Vec<u8>> {
        let to = self.vm().contract_address();
        let data = IStylusToken::transferFromCall {
            from,
            to,
            value: amount,
        }
        .abi_encode();
        let ret = self.call_raw(token, &data)?;
        decode_return::<IStylusToken::transferFromCall>(&ret)
    }

    /// Calls `target` with `data`; a failure reverts with the callee's revert data verbatim.
    pub fn relay(&mut self, target: Address, data: Bytes) -> Result<Bytes, Vec<u8>> {
        Ok(self.call_raw(target, &data)?.into())
    }

    /// Calls `target` with `data` and never reverts: emits `Relayed`, then adds one to the
    /// counter.
    pub fn try_relay(&mut self, target: Address, data: Bytes) -> (bool, Bytes) {
        let (success, ret) = match self.call_raw(target, &data) {
            Ok(ret) => (true, ret),
            Err(ret) => (false, ret),
        };
        self.vm().log(IProbe::Relayed { target, success });
        self.counter.set(self.counter.get() + U256::from(1));
        (success, ret.into())
    }

    /// Sets the counter to `value` and emits `Incremented`, then reverts with `Boom(value)`,
    /// so the write and the log must both be rolled back.
    pub fn set_then_revert(&mut self, value: U256) -> Result<(), ProbeError> {
        self.counter.set(value);
        self.emit_incremented(value);
        Err(IProbe::Boom { value }.into())
    }
}

impl Probe {
    fn emit_incremented(&self, counter: U256) {
        let by = self.vm().msg_sender();
        self.vm().log(IProbe::Incremented { by, counter });
    }

    /// A plain CALL without value; `Err` carries the callee's revert data.
    fn call_raw(&mut self, target: Address, data: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        let context = Call::new_mutating(self);
        call(self.vm(), context, target, data).map_err(Vec::from)
    }
}

/// Decodes a call's return data; malformed data reverts without data, as Solidity does.
fn decode_return<C: SolCall>(ret: &[u8]) -> Result<C::Return, Vec<u8>> {
    C::abi_decode_returns(ret).map_err(|_| Vec::new())
}
