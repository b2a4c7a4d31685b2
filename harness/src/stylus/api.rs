//! The protocol between a running Stylus program and the EVM that hosts it.
//!
//! It follows the shape of Nitro's `EvmApi`: everything a program can learn about its call without
//! asking (block, message, transaction fields) is handed over up front in [`EvmData`]; everything
//! that touches EVM state is a [`Request`] the program yields, answered by a [`Response`] that
//! carries the EVM gas the host charged for it. The program side never sees revm, and the EVM side
//! never sees wasm, so each can be tested alone.

use alloy_primitives::{Address, B256, U256};

/// Facts about the current call, fixed for the whole invocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvmData {
    /// `block_basefee` hostio.
    pub block_basefee: U256,
    /// `chainid` hostio.
    pub chain_id: u64,
    /// `block_coinbase` hostio.
    pub block_coinbase: Address,
    /// `block_gas_limit` hostio.
    pub block_gas_limit: u64,
    /// `block_number` hostio (on Arbitrum: the L1 block estimate).
    pub block_number: u64,
    /// `block_timestamp` hostio.
    pub block_timestamp: u64,
    /// `contract_address` hostio: the account whose storage the program acts on.
    pub contract_address: Address,
    /// Keccak of the activated module, as Nitro keys it.
    pub module_hash: B256,
    /// `msg_sender` hostio.
    pub msg_sender: Address,
    /// `msg_value` hostio.
    pub msg_value: U256,
    /// `tx_gas_price` hostio.
    pub tx_gas_price: U256,
    /// `tx_origin` hostio.
    pub tx_origin: Address,
    /// `msg_reentrant` hostio: another non-delegate frame of this address is open in this tx.
    pub reentrant: bool,
    /// The frame runs under STATICCALL: storage writes, transient writes, logs, value calls and
    /// creates are write-protection failures.
    pub is_static: bool,
}

/// The three message-call flavours a program can make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// `call_contract`.
    Call,
    /// `delegate_call_contract`.
    DelegateCall,
    /// `static_call_contract`.
    StaticCall,
}

/// A question a running program asks the EVM. The program is suspended until it gets the
/// matching [`Response`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// SLOAD of a slot that missed the frame's storage cache. Answer: [`Response::Bytes32`] with
    /// the EVM's SLOAD cost (EIP-2929 warm/cold).
    GetBytes32 {
        /// Storage key.
        key: U256,
    },
    /// Write the dirty slots of the cache, in order (one `storage_flush_cache`). Answer:
    /// [`Response::Status`] with the summed SSTORE cost; `OutOfGas` if `gas_left` runs out mid-way
    /// (the slots written before that stay written until the frame reverts).
    SetTrieSlots {
        /// `(key, value)` pairs in the order the cache holds them.
        slots: Vec<(U256, U256)>,
        /// Gas the program has left; the host must not charge more.
        gas_left: u64,
    },
    /// TLOAD. Answer: [`Response::Bytes32`], cost 100.
    GetTransientBytes32 {
        /// Transient key.
        key: U256,
    },
    /// TSTORE. Answer: [`Response::Status`], cost 100.
    SetTransientBytes32 {
        /// Transient key.
        key: U256,
        /// New value.
        value: U256,
    },
    /// A message call. Answer: [`Response::Call`] once the child frame finished.
    Call {
        /// Which flavour.
        kind: CallKind,
        /// Callee.
        to: Address,
        /// Calldata.
        input: Vec<u8>,
        /// Value sent (always zero for delegate and static calls).
        value: U256,
        /// Gas the program has left (`ink_to_gas(ink_left)`).
        gas_left: u64,
        /// Gas the program asked to forward (`u64::MAX` for "all allowed").
        gas_req: u64,
    },
    /// CREATE (`salt == None`) or CREATE2. Answer: [`Response::Create`].
    Create {
        /// Init code.
        code: Vec<u8>,
        /// Value endowed to the new account.
        endowment: U256,
        /// CREATE2 salt.
        salt: Option<B256>,
        /// Gas the program has left.
        gas_left: u64,
    },
    /// LOG0..LOG4. Answer: [`Response::Status`] with the log's gas.
    EmitLog {
        /// Up to four topics.
        topics: Vec<B256>,
        /// Log data.
        data: Vec<u8>,
    },
    /// BALANCE. Answer: [`Response::Bytes32`] with the access cost.
    AccountBalance {
        /// Account.
        address: Address,
    },
    /// EXTCODECOPY / EXTCODESIZE. Answer: [`Response::Code`] with the access cost.
    AccountCode {
        /// Account.
        address: Address,
        /// Gas the program has left.
        gas_left: u64,
    },
    /// EXTCODEHASH. Answer: [`Response::Bytes32`] with the access cost.
    AccountCodeHash {
        /// Account.
        address: Address,
    },
    /// `pay_for_memory_grow(pages)` with `pages > 0`: the transaction-wide memory model prices the
    /// new pages. Answer: [`Response::Status`] with the memory gas.
    AddPages {
        /// Pages being added.
        pages: u16,
    },
}

/// Why a state-changing request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiStatus {
    /// Done.
    Success,
    /// Not enough gas left for the request.
    OutOfGas,
    /// The frame is static.
    WriteProtection,
}

/// The EVM's answer to a [`Request`]. `gas_cost` is EVM gas the program must pay (it converts it
/// to ink at the frame's ink price).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// A 32-byte word (storage, transient storage, balance, code hash).
    Bytes32 {
        /// The word.
        value: B256,
        /// EVM gas charged.
        gas_cost: u64,
    },
    /// The outcome of a write, log or memory request.
    Status {
        /// Outcome.
        status: ApiStatus,
        /// EVM gas charged.
        gas_cost: u64,
    },
    /// A finished call.
    Call {
        /// `true` if the callee returned normally.
        success: bool,
        /// The callee's return or revert data.
        return_data: Vec<u8>,
        /// Base cost plus the gas the callee used.
        gas_cost: u64,
    },
    /// A finished create.
    Create {
        /// The new account, or `None` if the create failed.
        address: Option<Address>,
        /// Revert data of the init code (empty on success).
        return_data: Vec<u8>,
        /// Base cost plus the gas the init code used.
        gas_cost: u64,
    },
    /// An account's code.
    Code {
        /// The code.
        code: Vec<u8>,
        /// EVM gas charged.
        gas_cost: u64,
    },
}

/// How a program invocation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `user_entrypoint` returned 0 (or `exit_early(0)`): the output is the return data.
    Success(Vec<u8>),
    /// Nonzero status: the output is the revert data.
    Revert(Vec<u8>),
    /// A trap or a failed hostio (bad pointer, too many topics, write protection…): revert with no
    /// data, remaining gas kept.
    Failure(String),
    /// Ran out of ink: all gas is consumed.
    OutOfInk,
    /// The depth checker tripped: all gas is consumed.
    OutOfStack,
}

/// What a program does next: ask the EVM something, or finish.
#[derive(Debug)]
pub enum Step {
    /// Suspended until [`Response`] comes back.
    Request(Request),
    /// Finished; `ink_left` is what remains of the ink it was given.
    Finished {
        /// How it ended.
        outcome: Outcome,
        /// Ink left.
        ink_left: u64,
    },
}
