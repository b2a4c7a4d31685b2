//! [`Chain`]: a deterministic single-node chain over [`StylusEvm`]. Time, block number and chain
//! id are set explicitly, never read from the machine, so the same transactions give the same
//! receipts, gas and [`Chain::state_digest`] on any machine.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
use cloudless_abi::deployer::DEPLOYER_SLOT;
use revm::{
    DatabaseCommit,
    context::{
        BlockEnv, CfgEnv, TxEnv,
        result::{ExecutionResult, HaltReason, Output},
    },
    database::CacheDB,
    primitives::{Log, TxKind, hardfork::SpecId},
    state::{AccountInfo, Bytecode},
};

use super::{
    arbos::{ARB_WASM, ArbOs},
    arbwasm::IArbWasm,
    arbwasm_cache::ARB_WASM_CACHE,
    digest,
    machine::{Ctx, Db, PreState, StylusEvm, TxError},
};
use crate::stylus::params::StylusParams;

/// Chain id of Nitro's dev chain, the harness default.
pub const DEV_CHAIN_ID: u64 = 412_346;
/// Timestamp of the harness's genesis block (2024-01-01T00:00:00Z).
pub const GENESIS_TIMESTAMP: u64 = 1_704_067_200;
/// Gas limit of a harness transaction unless the request sets one (Arbitrum's per-tx limit).
pub const DEFAULT_TX_GAS: u64 = 32_000_000;

/// How a [`Chain`] starts.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// Chain id.
    pub chain_id: u64,
    /// Timestamp of the first block.
    pub genesis_timestamp: u64,
    /// Block gas limit.
    pub block_gas_limit: u64,
    /// Base fee in wei (0 lets tests send zero-priced transactions).
    pub basefee: u64,
    /// EVM hard fork.
    pub spec: SpecId,
    /// Stylus parameters.
    pub stylus: StylusParams,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            chain_id: DEV_CHAIN_ID,
            genesis_timestamp: GENESIS_TIMESTAMP,
            block_gas_limit: 1 << 50,
            basefee: 0,
            spec: SpecId::PRAGUE,
            stylus: StylusParams::default(),
        }
    }
}

/// Why a chain operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The transaction is invalid (nonce, balance, gas limit…) and was not executed.
    #[error("transaction rejected: {0}")]
    Rejected(#[from] TxError),
    /// The transaction ran and reverted; the data is the revert payload.
    #[error("transaction reverted with 0x{}", hex::encode(.0))]
    Reverted(Bytes),
    /// The transaction ran and halted (out of gas, invalid opcode, program not activated…).
    #[error("transaction halted: {0:?}")]
    Halted(HaltReason),
}

/// A transaction to send.
#[derive(Clone, Debug)]
pub struct TxRequest {
    /// Sender.
    pub from: Address,
    /// Call target or create.
    pub to: TxKind,
    /// Value in wei.
    pub value: U256,
    /// Calldata or init code.
    pub data: Bytes,
    /// Gas limit.
    pub gas_limit: u64,
}

impl TxRequest {
    /// A call of `to` with `data`.
    pub fn call(from: Address, to: Address, data: impl Into<Bytes>) -> Self {
        Self {
            from,
            to: TxKind::Call(to),
            value: U256::ZERO,
            data: data.into(),
            gas_limit: DEFAULT_TX_GAS,
        }
    }

    /// A contract creation with `init_code`.
    pub fn create(from: Address, init_code: impl Into<Bytes>) -> Self {
        Self {
            from,
            to: TxKind::Create,
            value: U256::ZERO,
            data: init_code.into(),
            gas_limit: DEFAULT_TX_GAS,
        }
    }

    /// Sends `value` wei along.
    pub fn value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }

    /// Sets the gas limit.
    pub fn gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = gas_limit;
        self
    }
}

/// The outcome of an executed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// revm's result: success with logs and output, revert with data, or halt.
    pub result: ExecutionResult,
}

impl Receipt {
    /// Whether the transaction succeeded.
    pub fn is_success(&self) -> bool {
        self.result.is_success()
    }

    /// Gas used, after refunds.
    pub fn gas_used(&self) -> u64 {
        self.result.tx_gas_used()
    }

    /// Logs (empty unless it succeeded).
    pub fn logs(&self) -> &[Log] {
        self.result.logs()
    }

    /// Return data of a success, or revert data of a revert.
    pub fn output(&self) -> Bytes {
        self.result.output().cloned().unwrap_or_default()
    }

    /// Address created by a successful creation.
    pub fn created_address(&self) -> Option<Address> {
        match &self.result {
            ExecutionResult::Success {
                output: Output::Create(_, address),
                ..
            } => *address,
            _ => None,
        }
    }

    /// `Ok(output)` on success, the revert or halt as an error otherwise.
    pub fn into_result(self) -> Result<Bytes, ChainError> {
        match self.result {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(ChainError::Reverted(output)),
            ExecutionResult::Halt { reason, .. } => Err(ChainError::Halted(reason)),
        }
    }
}

/// EVM init code that records its sender as the program's deployer and deploys `code`
/// verbatim: `SSTORE(DEPLOYER_SLOT, CALLER)`, then `CODECOPY` the code to memory and `RETURN`
/// it. The contracts let only that deployer `initialize` them.
pub fn deploy_code_init(code: &[u8]) -> Bytes {
    let len = u16::try_from(code.len()).expect("contract code fits in 64 KiB");
    // CALLER, PUSH32 slot, SSTORE — 35 bytes;
    let mut init = vec![0x33, 0x7f];
    init.extend_from_slice(DEPLOYER_SLOT.as_slice());
    init.push(0x55);
    // PUSH2 len, DUP1, PUSH1 47, PUSH1 0, CODECOPY, PUSH1 0, RETURN — 12 bytes, then the code.
    const PREFIX: u8 = 35 + 12;
    init.extend_from_slice(&[
        0x61,
        (len >> 8) as u8,
        len as u8,
        0x80,
        0x60,
        PREFIX,
        0x60,
        0x00,
        0x39,
        0x60,
        0x00,
        0xf3,
    ]);
    debug_assert_eq!(init.len(), usize::from(PREFIX));
    init.extend_from_slice(code);
    init.into()
}

/// A deterministic chain running EVM and Stylus contracts.
#[derive(Debug)]
pub struct Chain {
    evm: StylusEvm,
    snapshots: Vec<(Db, BlockEnv)>,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new(ChainConfig::default())
    }
}

impl Chain {
    /// A chain at genesis: block 1, ArbWasm and ArbWasmCache installed (code `0xFE` like
    /// Nitro's precompiles).
    pub fn new(config: ChainConfig) -> Self {
        let mut db = Db::default();
        for precompile in [ARB_WASM, ARB_WASM_CACHE] {
            db.insert_account_info(
                precompile,
                AccountInfo::default().with_code(Bytecode::new_raw(Bytes::from_static(&[0xfe]))),
            );
        }
        Self::over(db, config)
    }

    /// A chain forked from `pre_state`: every account, code, storage word and block hash it has
    /// not written yet is read from there (ArbWasm too), then cached. Set the block with
    /// [`Chain::evm_mut`] before each block's transactions.
    pub fn forked(config: ChainConfig, pre_state: PreState) -> Self {
        Self::over(CacheDB::new(pre_state), config)
    }

    fn over(db: Db, config: ChainConfig) -> Self {
        let mut cfg = CfgEnv::new_with_spec(config.spec);
        cfg.chain_id = config.chain_id;
        let block = BlockEnv {
            number: U256::from(1),
            timestamp: U256::from(config.genesis_timestamp),
            gas_limit: config.block_gas_limit,
            basefee: config.basefee,
            ..Default::default()
        };
        let ctx = Ctx::new(db, config.spec).with_cfg(cfg).with_block(block);
        Self {
            evm: StylusEvm::new(ctx, ArbOs::new(config.spec, config.stylus)),
            snapshots: Vec::new(),
        }
    }

    /// The state database: what was written or read so far, over the pre-state.
    pub fn db(&self) -> &Db {
        &self.evm.ctx.journaled_state.database
    }

    fn db_mut(&mut self) -> &mut Db {
        &mut self.evm.ctx.journaled_state.database
    }

    /// Records block `number`'s hash for `BLOCKHASH`.
    pub fn set_block_hash(&mut self, number: u64, hash: B256) {
        self.db_mut()
            .cache
            .block_hashes
            .insert(U256::from(number), hash);
    }

    /// Chain id.
    pub fn chain_id(&self) -> u64 {
        self.evm.ctx.cfg.chain_id
    }

    /// The block the next transaction runs in.
    pub fn block(&self) -> &BlockEnv {
        &self.evm.ctx.block
    }

    /// Sets the timestamp of the next block.
    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.evm.ctx.block.timestamp = U256::from(timestamp);
    }

    /// Sets the number of the next block.
    pub fn set_block_number(&mut self, number: u64) {
        self.evm.ctx.block.number = U256::from(number);
    }

    /// Moves to the next block, `seconds` later.
    pub fn advance(&mut self, seconds: u64) {
        let block = &mut self.evm.ctx.block;
        block.number += U256::from(1);
        block.timestamp += U256::from(seconds);
    }

    /// Sets the balance of `address`.
    pub fn fund(&mut self, address: Address, wei: U256) {
        let mut info = self.account(address);
        info.balance = wei;
        self.db_mut().insert_account_info(address, info);
    }

    /// Puts `code` at `address` as a contract (nonce at least 1, as EIP-161 gives new
    /// contracts), keeping its balance: a genesis predeploy.
    pub fn set_code(&mut self, address: Address, code: Bytes) {
        let mut info = self.account(address);
        info.code_hash = keccak256(&code);
        info.code = Some(Bytecode::new_raw(code));
        info.nonce = info.nonce.max(1);
        self.db_mut().insert_account_info(address, info);
    }

    /// Account info (zero for unknown accounts).
    pub fn account(&self, address: Address) -> AccountInfo {
        self.db()
            .cache
            .accounts
            .get(&address)
            .map(|a| a.info.clone())
            .unwrap_or_default()
    }

    /// Balance of `address`.
    pub fn balance(&self, address: Address) -> U256 {
        self.account(address).balance
    }

    /// Code of `address`.
    pub fn code(&self, address: Address) -> Bytes {
        let info = self.account(address);
        info.code
            .or_else(|| self.db().cache.contracts.get(&info.code_hash).cloned())
            .map(|c| c.original_bytes())
            .unwrap_or_default()
    }

    /// Storage word of `address` at `slot`.
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.db()
            .cache
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&slot).copied())
            .unwrap_or_default()
    }

    /// The non-zero storage words of `address` that hold `value`.
    pub fn slots_holding(&self, address: Address, value: U256) -> Vec<U256> {
        let mut slots: Vec<U256> = self
            .db()
            .cache
            .accounts
            .get(&address)
            .map(|a| {
                a.storage
                    .iter()
                    .filter(|(_, v)| **v == value)
                    .map(|(slot, _)| *slot)
                    .collect()
            })
            .unwrap_or_default();
        slots.sort();
        slots
    }

    /// Overwrites the storage word of `address` at `slot` (a test cheat, as anvil's
    /// `anvil_setStorageAt`: it lets tests reach states no transaction sequence can).
    pub fn set_storage(&mut self, address: Address, slot: U256, value: U256) {
        self.db_mut()
            .insert_account_storage(address, slot, value)
            .expect("the in-memory database cannot fail");
    }

    fn tx_env(&self, req: &TxRequest) -> TxEnv {
        TxEnv::builder()
            .caller(req.from)
            .kind(req.to)
            .value(req.value)
            .data(req.data.clone())
            .gas_limit(req.gas_limit)
            .gas_price(u128::from(self.evm.ctx.block.basefee))
            .nonce(self.account(req.from).nonce)
            .chain_id(Some(self.chain_id()))
            .build_fill()
    }

    /// Executes `req` and commits its state changes.
    pub fn send(&mut self, req: TxRequest) -> Result<Receipt, ChainError> {
        let tx = self.tx_env(&req);
        let out = self.evm.transact(tx)?;
        self.db_mut().commit(out.state);
        Ok(Receipt { result: out.result })
    }

    /// Executes `req` against the current state and discards its changes (`eth_call`).
    pub fn simulate(&mut self, req: TxRequest) -> Result<Receipt, ChainError> {
        let tx = self.tx_env(&req);
        Ok(Receipt {
            result: self.evm.transact(tx)?.result,
        })
    }

    /// Calls `to` with `data` from `from` and commits; a revert or halt is an error.
    pub fn call(
        &mut self,
        from: Address,
        to: Address,
        data: impl Into<Bytes>,
    ) -> Result<Bytes, ChainError> {
        self.send(TxRequest::call(from, to, data))?.into_result()
    }

    /// Calls `to` without committing (a view); a revert or halt is an error.
    pub fn view(&mut self, to: Address, data: impl Into<Bytes>) -> Result<Bytes, ChainError> {
        self.simulate(TxRequest::call(Address::ZERO, to, data))?
            .into_result()
    }

    /// Calls a typed ABI function and decodes its return value.
    pub fn call_sol<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<C::Return, ChainError> {
        let out = self.call(from, to, call.abi_encode())?;
        Ok(C::abi_decode_returns(&out).expect("the contract returned data its ABI describes"))
    }

    /// Views a typed ABI function and decodes its return value.
    pub fn view_sol<C: SolCall>(&mut self, to: Address, call: &C) -> Result<C::Return, ChainError> {
        let out = self.view(to, call.abi_encode())?;
        Ok(C::abi_decode_returns(&out).expect("the contract returned data its ABI describes"))
    }

    /// Deploys EVM `init_code` and returns the new address.
    pub fn deploy(
        &mut self,
        from: Address,
        init_code: impl Into<Bytes>,
    ) -> Result<Address, ChainError> {
        let receipt = self.send(TxRequest::create(from, init_code))?;
        let address = receipt.created_address();
        receipt.into_result()?;
        Ok(address.expect("a successful creation has an address"))
    }

    /// Deploys on-chain Stylus `code` (`EF F0 00…`) with a plain CREATE, as cargo-stylus does,
    /// without activating it.
    pub fn deploy_stylus_unactivated(
        &mut self,
        from: Address,
        code: &[u8],
    ) -> Result<Address, ChainError> {
        self.deploy(from, deploy_code_init(code))
    }

    /// Activates the program at `program` through ArbWasm.
    pub fn activate(&mut self, from: Address, program: Address) -> Result<Receipt, ChainError> {
        let call = IArbWasm::activateProgramCall { program };
        let receipt = self.send(TxRequest::call(from, ARB_WASM, call.abi_encode()))?;
        receipt.clone().into_result()?;
        Ok(receipt)
    }

    /// Deploys Stylus `code` and activates it unless its code hash already is (as cargo-stylus
    /// does: activation is per code hash); returns the program's address.
    pub fn deploy_stylus(&mut self, from: Address, code: &[u8]) -> Result<Address, ChainError> {
        let address = self.deploy_stylus_unactivated(from, code)?;
        let version = IArbWasm::codehashVersionCall {
            codehash: keccak256(code),
        };
        if self.view(ARB_WASM, version.abi_encode()).is_err() {
            self.activate(from, address)?;
        }
        Ok(address)
    }

    /// Saves the state and block; returns an id for [`Chain::revert`].
    pub fn snapshot(&mut self) -> usize {
        self.snapshots
            .push((self.db().clone(), self.evm.ctx.block.clone()));
        self.snapshots.len() - 1
    }

    /// Restores snapshot `id`, dropping it and every later one. False if there is no such snapshot.
    pub fn revert(&mut self, id: usize) -> bool {
        if id >= self.snapshots.len() {
            return false;
        }
        self.snapshots.truncate(id + 1);
        let (db, block) = self.snapshots.pop().expect("checked above");
        *self.db_mut() = db;
        self.evm.ctx.block = block;
        true
    }

    /// One hash over every account, its code and its storage (see [`digest::state_digest`]).
    pub fn state_digest(&self) -> B256 {
        digest::state_digest(self.db())
    }

    /// The underlying EVM, for callers that need revm directly.
    pub fn evm_mut(&mut self) -> &mut StylusEvm {
        &mut self.evm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deploy_code_init_returns_the_code() {
        let mut chain = Chain::default();
        let alice = Address::repeat_byte(0xa1);
        chain.fund(alice, U256::from(10u64.pow(18)));
        let code = [0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
        let address = chain.deploy(alice, deploy_code_init(&code)).unwrap();
        assert_eq!(chain.code(address).as_ref(), &code);
        let out = chain.view(address, Bytes::new()).unwrap();
        assert_eq!(U256::from_be_slice(&out), U256::from(42));
    }

    #[test]
    fn deploy_code_init_records_the_creator_at_the_deployer_slot() {
        let mut chain = Chain::default();
        let alice = Address::repeat_byte(0xa1);
        chain.fund(alice, U256::from(10u64.pow(18)));
        let code = [0x00];
        let address = chain.deploy(alice, deploy_code_init(&code)).unwrap();
        let slot = U256::from_be_bytes(DEPLOYER_SLOT.0);
        assert_eq!(B256::from(chain.storage(address, slot)), alice.into_word());
    }

    #[test]
    fn a_forked_chain_reads_what_it_has_not_written_from_its_pre_state() {
        let alice = Address::repeat_byte(0xa1);
        let bob = Address::repeat_byte(0xb0);
        let mut source = revm::database::InMemoryDB::default();
        let info = AccountInfo::default().with_balance(U256::from(10u64.pow(18)));
        source.insert_account_info(alice, info);
        let pre_state = PreState::from_source(std::sync::Arc::new(source));
        let mut chain = Chain::forked(ChainConfig::default(), pre_state);
        assert!(
            !chain.db().cache.accounts.contains_key(&alice),
            "read lazily"
        );
        let receipt = chain
            .send(TxRequest::call(alice, bob, Bytes::new()).value(U256::from(7)))
            .unwrap();
        assert!(receipt.is_success());
        assert_eq!(chain.balance(bob), U256::from(7));
        assert_eq!(chain.account(alice).nonce, 1);
    }

    #[test]
    fn snapshots_restore_state_and_block() {
        let mut chain = Chain::default();
        let alice = Address::repeat_byte(0xa1);
        let before = chain.state_digest();
        let id = chain.snapshot();
        chain.fund(alice, U256::from(5));
        chain.advance(60);
        assert_ne!(chain.state_digest(), before);
        assert!(chain.revert(id));
        assert_eq!(chain.state_digest(), before);
        assert_eq!(chain.block().timestamp, U256::from(GENESIS_TIMESTAMP));
        assert!(!chain.revert(id));
    }
}
