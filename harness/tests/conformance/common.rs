//! Shared pieces of the conformance suite: the WAT programs, deployment through the real pipeline
//! (WAT → `artifact::process` → CREATE → `ArbWasm.activateProgram`), small EVM contracts written
//! as bytecode, and decoding of the programs' outputs.

use alloy_primitives::{Address, Bytes, U256};
use harness::{
    artifact,
    evm::{
        Chain, ChainConfig, Receipt,
        chain::{TxRequest, deploy_code_init},
    },
};
use revm::context::result::{ExecutionResult, HaltReason};

/// Sender of every transaction, funded with 1,000 ETH.
pub const ALICE: Address = Address::repeat_byte(0xa1);
/// A second funded account.
pub const BOB: Address = Address::repeat_byte(0xb0);
/// Gas limit of the suite's transactions: enough for every program, small enough that a program
/// spinning until it runs out of ink stops quickly.
pub const GAS: u64 = 3_000_000;

/// The WAT programs of the suite (each file documents its calldata and output).
pub mod wat {
    pub const ACCOUNT: &str = include_str!("account.wat");
    pub const CREATE: &str = include_str!("create.wat");
    pub const DEPTH: &str = include_str!("depth.wat");
    pub const ECHO: &str = include_str!("echo.wat");
    pub const ENV: &str = include_str!("env.wat");
    pub const INK: &str = include_str!("ink.wat");
    pub const KECCAK: &str = include_str!("keccak.wat");
    pub const LOG: &str = include_str!("log.wat");
    pub const MATH: &str = include_str!("math.wat");
    pub const MEMORY: &str = include_str!("memory.wat");
    pub const MINIMAL: &str = include_str!("minimal.wat");
    pub const RELAY: &str = include_str!("relay.wat");
    pub const STATUS: &str = include_str!("status.wat");
    pub const STORAGE: &str = include_str!("storage.wat");
    pub const WRITER: &str = include_str!("writer.wat");
}

/// A default chain (id 412,346, basefee 0) with ALICE and BOB funded.
pub fn chain() -> Chain {
    chain_with(ChainConfig::default())
}

/// A chain with `config` and ALICE and BOB funded.
pub fn chain_with(config: ChainConfig) -> Chain {
    let mut chain = Chain::new(config);
    for who in [ALICE, BOB] {
        chain.fund(
            who,
            U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18)),
        );
    }
    chain
}

/// `src` as `cargo stylus deploy` would upload it: `(processed wasm, on-chain code)`.
pub fn process(src: &str) -> (Vec<u8>, Vec<u8>) {
    let raw = ::wat::parse_str(src).unwrap_or_else(|e| panic!("bad WAT: {e}"));
    let processed = artifact::process(&raw).unwrap_or_else(|e| panic!("processing failed: {e}"));
    (processed.wasm, processed.code)
}

/// Deploys and activates the WAT program `src`.
pub fn deploy(chain: &mut Chain, src: &str) -> Address {
    let (_, code) = process(src);
    chain
        .deploy_stylus(ALICE, &code)
        .unwrap_or_else(|e| panic!("deploying a program: {e}"))
}

/// Deploys another copy of the WAT program `src`, already activated elsewhere: Nitro activates
/// per code hash, so the copy runs without activation (activating it again would revert
/// `ProgramUpToDate`).
pub fn deploy_copy(chain: &mut Chain, src: &str) -> Address {
    let (_, code) = process(src);
    chain
        .deploy_stylus_unactivated(ALICE, &code)
        .unwrap_or_else(|e| panic!("deploying a program: {e}"))
}

/// Deploys EVM `runtime` code verbatim.
pub fn deploy_evm(chain: &mut Chain, runtime: &[u8]) -> Address {
    chain
        .deploy(ALICE, deploy_code_init(runtime))
        .unwrap_or_else(|e| panic!("deploying EVM code: {e}"))
}

/// Sends `data` to `to` from ALICE with `value` wei and `gas`.
pub fn send_with(
    chain: &mut Chain,
    to: Address,
    value: u64,
    gas: u64,
    data: impl Into<Bytes>,
) -> Receipt {
    let tx = TxRequest::call(ALICE, to, data)
        .value(U256::from(value))
        .gas_limit(gas);
    chain
        .send(tx)
        .unwrap_or_else(|e| panic!("transaction rejected: {e}"))
}

/// Sends `data` to `to` from ALICE with `value` wei and [`GAS`].
pub fn send_value(chain: &mut Chain, to: Address, value: u64, data: impl Into<Bytes>) -> Receipt {
    send_with(chain, to, value, GAS, data)
}

/// Sends `data` to `to` from ALICE with [`GAS`].
pub fn send(chain: &mut Chain, to: Address, data: impl Into<Bytes>) -> Receipt {
    send_value(chain, to, 0, data)
}

/// The output of a successful transaction; panics with the receipt otherwise.
pub fn returned(receipt: &Receipt) -> Vec<u8> {
    assert!(
        receipt.is_success(),
        "expected success, got {:?}",
        receipt.result
    );
    receipt.output().to_vec()
}

/// How a transaction ended, with the data it produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Success with this output.
    Success(Vec<u8>),
    /// Revert with this data (a program failure is a revert with no data).
    Revert(Vec<u8>),
    /// Halt for lack of gas.
    OutOfGas,
    /// Halt because the program is not activated.
    NotActivated,
    /// Any other halt.
    Halt(HaltReason),
}

/// Classifies `receipt`.
pub fn end(receipt: &Receipt) -> End {
    match &receipt.result {
        ExecutionResult::Success { .. } => End::Success(receipt.output().to_vec()),
        ExecutionResult::Revert { output, .. } => End::Revert(output.to_vec()),
        ExecutionResult::Halt {
            reason: HaltReason::OutOfGas(_),
            ..
        } => End::OutOfGas,
        ExecutionResult::Halt {
            reason: HaltReason::NotActivated,
            ..
        } => End::NotActivated,
        ExecutionResult::Halt { reason, .. } => End::Halt(reason.clone()),
    }
}

/// A 32-byte big-endian word.
pub fn word(value: U256) -> [u8; 32] {
    value.to_be_bytes()
}

/// The little-endian u32 at `at`.
pub fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// The little-endian u64 at `at`.
pub fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Concatenates byte slices.
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// What `relay.wat` returns for a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relayed {
    /// `msg_reentrant` of the relay itself.
    pub reentrant: u8,
    /// The call's status: 0 success, nonzero failure.
    pub status: u8,
    /// Return-data length written through the call's `ret_len` pointer.
    pub ret_len: u32,
    /// `return_data_size` after the call.
    pub size: u32,
    /// Bytes `read_return_data(offset 8, size 4096)` wrote.
    pub clipped: u32,
    /// The return data, read whole.
    pub data: Vec<u8>,
}

/// Relay call kinds (`relay.wat`).
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `call_contract`.
    Call = 0,
    /// `delegate_call_contract`.
    Delegate = 1,
    /// `static_call_contract`.
    Static = 2,
}

/// Calldata asking `relay.wat` to make a `kind` call to `to` with `value` and `payload`.
pub fn relay_data(kind: Kind, to: Address, value: u64, payload: &[u8]) -> Vec<u8> {
    cat(&[
        &[kind as u8],
        to.as_slice(),
        &word(U256::from(value)),
        payload,
    ])
}

/// Decodes `relay.wat`'s output of a call.
pub fn relayed(out: &[u8]) -> Relayed {
    assert!(out.len() >= 14, "short relay output: {}", hex::encode(out));
    Relayed {
        reentrant: out[0],
        status: out[1],
        ret_len: u32_at(out, 2),
        size: u32_at(out, 6),
        clipped: u32_at(out, 10),
        data: out[14..].to_vec(),
    }
}

/// Sends a relay request through the relay at `relay` and decodes its answer.
pub fn relay(
    chain: &mut Chain,
    relay: Address,
    kind: Kind,
    to: Address,
    value: u64,
    payload: &[u8],
) -> Relayed {
    let receipt = send_value(chain, relay, value, relay_data(kind, to, value, payload));
    relayed(&returned(&receipt))
}

/// Small EVM contracts, as runtime bytecode.
pub mod evm {
    use alloy_primitives::{Address, B256};

    /// STATICCALLs `target` with its own calldata and all its gas, and returns the success flag
    /// as a 32-byte word.
    pub fn static_caller(target: Address) -> Vec<u8> {
        let mut code = vec![0x36, 0x5f, 0x5f, 0x37]; // CALLDATACOPY(0, 0, CALLDATASIZE)
        code.extend_from_slice(&[0x5f, 0x5f, 0x36, 0x5f, 0x73]); // ret 0/0, args 0/CALLDATASIZE, PUSH20
        code.extend_from_slice(target.as_slice());
        code.extend_from_slice(&[0x5a, 0xfa]); // GAS, STATICCALL
        code.extend_from_slice(&[0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]); // MSTORE(0, ok), RETURN(0, 32)
        code
    }

    /// Returns `word` (32 bytes): PUSH32 word, PUSH0, MSTORE, PUSH1 32, PUSH0, RETURN.
    pub fn returns_word(word: B256) -> Vec<u8> {
        let mut code = vec![0x7f];
        code.extend_from_slice(word.as_slice());
        code.extend_from_slice(&[0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]);
        code
    }

    /// Reverts with the 4 bytes `DE AD BE EF`: PUSH4, PUSH0, MSTORE, PUSH1 4, PUSH1 28, REVERT.
    pub const REVERTS: &[u8] = &[
        0x63, 0xde, 0xad, 0xbe, 0xef, 0x5f, 0x52, 0x60, 0x04, 0x60, 0x1c, 0xfd,
    ];

    /// The revert data of [`REVERTS`].
    pub const REVERT_DATA: &[u8] = &[0xde, 0xad, 0xbe, 0xef];

    /// Stores 42 in slot 7: PUSH1 42, PUSH1 7, SSTORE, STOP.
    pub const SSTORE_42_AT_7: &[u8] = &[0x60, 0x2a, 0x60, 0x07, 0x55, 0x00];

    /// Calls its caller back with its own calldata and all its gas, then returns (or reverts with)
    /// what that call returned.
    pub const CALL_BACK: &[u8] = &[
        0x36, 0x5f, 0x5f, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
        0x5f, 0x5f, 0x36, 0x5f, 0x5f, 0x33, 0x5a,
        0xf1, // CALL(GAS, CALLER, 0, 0, CALLDATASIZE, 0, 0)
        0x3d, 0x5f, 0x5f, 0x3e, // RETURNDATACOPY(0, 0, RETURNDATASIZE)
        0x60, 0x16, 0x57, // JUMPI(22, success)
        0x3d, 0x5f, 0xfd, // REVERT(0, RETURNDATASIZE)
        0x5b, 0x3d, 0x5f, 0xf3, // 22: JUMPDEST, RETURN(0, RETURNDATASIZE)
    ];
}

/// Nitro's ink prices (`arbutil/src/pricing.rs`, `prover/src/programs/meter.rs::pricing_v1`) and
/// the cost of a measurement made the way the suite's programs make it:
///
/// ```wat
/// (local.set $before (call $evm_ink_left))
/// (call $hostio (i32.const …) …)        ;; or (drop (call $hostio …))
/// (local.set $after (call $evm_ink_left))
/// ```
///
/// Nitro charges a basic block (ending at a `call`, branch, `if`, `else`, `end`…) before its
/// first instruction runs, for its opcodes plus a 2,450 header. `evm_ink_left` charges its
/// 8,400 before reading. So `before − after` =
/// `[local.set, args…, call] + header` + the hostio + `[(drop,) call] + header` + 8,400.
pub mod ink {
    /// Ink per EVM gas (`StylusParams.InkPrice` on a fresh chain).
    pub const PRICE: u64 = 10_000;
    /// Per basic block.
    pub const HEADER: u64 = 2_450;
    /// `call`.
    pub const CALL: u64 = 3_800;
    /// `local.set`.
    pub const LOCAL_SET: u64 = 210;
    /// `local.get`.
    pub const LOCAL_GET: u64 = 75;
    /// `i32.const`.
    pub const CONST: u64 = 1;
    /// `drop`.
    pub const DROP: u64 = 9;
    /// `memory.grow` (the pages are paid by the `pay_for_memory_grow` call Nitro inserts).
    pub const MEMORY_GROW: u64 = 8_050;
    /// `HOSTIO_INK`: every hostio that returns something.
    pub const HOSTIO: u64 = 8_400;
    /// `PTR_INK`: per pointer argument.
    pub const PTR: u64 = 5_040;
    /// `EVM_API_INK`: hostios that ask the EVM.
    pub const EVM_API: u64 = 59_673;

    /// `read_price(n) = 16,381 + 55·(n − 32)⁺`.
    pub fn read_price(bytes: u64) -> u64 {
        16_381 + 55 * bytes.saturating_sub(32)
    }

    /// `write_price(n) = 5,040 + 30·(n − 32)⁺`.
    pub fn write_price(bytes: u64) -> u64 {
        5_040 + 30 * bytes.saturating_sub(32)
    }

    /// Ink between the two readings of a measurement whose hostio call is preceded by
    /// instructions costing `args` and costs `hostio` itself; `dropped` if its result is dropped.
    pub fn measured(args: u64, hostio: u64, dropped: bool) -> u64 {
        let before_call = LOCAL_SET + args + CALL + HEADER;
        let after_call = if dropped { DROP } else { 0 } + CALL + HEADER;
        before_call + hostio + after_call + HOSTIO
    }
}
