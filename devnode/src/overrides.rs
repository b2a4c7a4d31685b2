//! State overrides for `eth_call` and `eth_estimateGas` (geth's third parameter): replace an
//! account's balance, nonce, code or storage for one simulation. cargo-stylus uses them to
//! learn a program's activation fee before it deploys.

use alloy::rpc::types::state::StateOverride;
use alloy_primitives::{U256, keccak256};
use harness::evm::machine::Db;
use revm::state::Bytecode;

use crate::rpc::errors::{RpcError, RpcResult};

/// Applies `overrides` to `db`, a copy of the state the simulation runs on.
pub(crate) fn apply(db: &mut Db, overrides: &StateOverride) -> RpcResult<()> {
    for (&address, account) in overrides {
        if account.move_precompile_to.is_some() {
            return Err(RpcError::params("movePrecompileToAddress is not supported"));
        }
        if account.state.is_some() && account.state_diff.is_some() {
            return Err(RpcError::params(format!(
                "account {address} has both 'state' and 'stateDiff'"
            )));
        }
        let mut info = db
            .cache
            .accounts
            .get(&address)
            .map(|a| a.info.clone())
            .unwrap_or_default();
        if let Some(balance) = account.balance {
            info.balance = balance;
        }
        if let Some(nonce) = account.nonce {
            info.nonce = nonce;
        }
        if let Some(code) = &account.code {
            info.code_hash = keccak256(code);
            info.code = Some(Bytecode::new_raw(code.clone()));
        }
        db.insert_account_info(address, info);
        let word = |slot: &alloy_primitives::B256| U256::from_be_bytes(slot.0);
        if let Some(state) = &account.state {
            let storage = state.iter().map(|(k, v)| (word(k), word(v))).collect();
            db.replace_account_storage(address, storage)
                .map_err(|e| RpcError::server(e.to_string()))?;
        }
        for (slot, value) in account.state_diff.iter().flatten() {
            db.insert_account_storage(address, word(slot), word(value))
                .map_err(|e| RpcError::server(e.to_string()))?;
        }
    }
    Ok(())
}
