//! A plain revm chain for exercising the committed Solidity fixtures.

use alloy_primitives::{Address, Bytes, U256, address};
use alloy_sol_types::SolCall;
use revm::{
    Context, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext, MainnetEvm,
    context::{BlockEnv, CfgEnv, ContextTr, TxEnv, result::ExecutionResult},
    database::{CacheDB, EmptyDB},
    handler::MainnetContext,
    primitives::TxKind,
    state::AccountInfo,
};

/// Chain id of the Nitro dev chain, used by every Cloudless test.
pub const CHAIN_ID: u64 = 412_346;
/// Block timestamp of every transaction.
pub const NOW: u64 = 1_700_000_000;
/// A funded account that deploys the contracts.
pub const ALICE: Address = address!("0x00000000000000000000000000000000000a11ce");
/// A second funded account.
pub const BOB: Address = address!("0x0000000000000000000000000000000000000b0b");

/// One in-memory chain; transactions are committed in order.
pub struct Chain {
    evm: MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>,
    chain_id: u64,
}

impl Chain {
    /// A fresh chain at block 1, time [`NOW`], with ALICE and BOB funded. `extra` accounts are
    /// funded too.
    pub fn new(extra: &[Address]) -> Self {
        let mut db = CacheDB::<EmptyDB>::default();
        for account in [ALICE, BOB].iter().chain(extra) {
            db.insert_account_info(
                *account,
                AccountInfo {
                    balance: U256::from(10u128.pow(21)),
                    ..Default::default()
                },
            );
        }
        let evm = Context::mainnet()
            .with_db(db)
            .modify_block_chained(|block: &mut BlockEnv| {
                block.number = U256::from(1);
                block.timestamp = U256::from(NOW);
                block.basefee = 0;
                block.gas_limit = 30_000_000;
            })
            .modify_cfg_chained(|cfg: &mut CfgEnv| {
                cfg.chain_id = CHAIN_ID;
                cfg.disable_nonce_check = true;
            })
            .build_mainnet();
        Self {
            evm,
            chain_id: CHAIN_ID,
        }
    }

    /// Switches the chain id (as after a chain split) for all later transactions.
    pub fn set_chain_id(&mut self, chain_id: u64) {
        self.chain_id = chain_id;
        self.evm.ctx.cfg.chain_id = chain_id;
    }

    /// Deploys `initcode` from `from` and returns the new contract's address.
    pub fn deploy(&mut self, from: Address, initcode: Bytes) -> Address {
        let result = self.commit(from, TxKind::Create, initcode, U256::ZERO);
        result
            .created_address()
            .unwrap_or_else(|| panic!("deployment failed: {result:?}"))
    }

    /// Sends `call` to `to` from `from` and commits the result, whatever it is.
    pub fn send<C: SolCall>(&mut self, from: Address, to: Address, call: &C) -> ExecutionResult {
        self.commit(from, TxKind::Call(to), call.abi_encode().into(), U256::ZERO)
    }

    /// Sends raw calldata with `value` wei to `to` from `from` and commits the result.
    pub fn send_raw(
        &mut self,
        from: Address,
        to: Address,
        data: Bytes,
        value: U256,
    ) -> ExecutionResult {
        self.commit(from, TxKind::Call(to), data, value)
    }

    /// Calls `to` without committing and decodes the successful return value.
    pub fn view<C: SolCall>(&mut self, to: Address, call: &C) -> C::Return {
        let tx = self.tx(
            ALICE,
            TxKind::Call(to),
            call.abi_encode().into(),
            U256::ZERO,
        );
        let result = self
            .evm
            .transact(tx)
            .expect("the in-memory database cannot fail")
            .result;
        let ExecutionResult::Success { output, .. } = &result else {
            panic!("view call failed: {result:?}");
        };
        C::abi_decode_returns(output.data()).expect("return data matches the ABI")
    }

    /// Runtime code stored at `account`.
    pub fn code(&mut self, account: Address) -> Bytes {
        self.evm.db_mut().cache.accounts[&account]
            .info
            .code
            .as_ref()
            .map(|code| code.original_bytes())
            .unwrap_or_default()
    }

    /// Wei balance of `account`.
    pub fn balance(&mut self, account: Address) -> U256 {
        self.evm
            .db_mut()
            .cache
            .accounts
            .get(&account)
            .map_or(U256::ZERO, |a| a.info.balance)
    }

    fn commit(&mut self, from: Address, kind: TxKind, data: Bytes, value: U256) -> ExecutionResult {
        self.evm
            .transact_commit(self.tx(from, kind, data, value))
            .expect("the in-memory database cannot fail")
    }

    fn tx(&self, from: Address, kind: TxKind, data: Bytes, value: U256) -> TxEnv {
        TxEnv::builder()
            .chain_id(Some(self.chain_id))
            .caller(from)
            .kind(kind)
            .data(data)
            .value(value)
            .gas_limit(10_000_000)
            .build()
            .expect("a complete legacy transaction")
    }
}

/// The revert data of a reverted transaction; panics on success or halt.
pub fn revert_data(result: &ExecutionResult) -> &Bytes {
    match result {
        ExecutionResult::Revert { output, .. } => output,
        other => panic!("expected a revert, got {other:?}"),
    }
}

/// The output of a successful transaction; panics otherwise.
pub fn success_output(result: &ExecutionResult) -> &Bytes {
    match result {
        ExecutionResult::Success { output, .. } => output.data(),
        other => panic!("expected success, got {other:?}"),
    }
}
