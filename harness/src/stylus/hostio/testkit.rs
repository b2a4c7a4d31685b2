//! Test support: small WAT programs that import `vm_hooks` and export the meter globals
//! themselves (no instrumentation), driven by a scripted fake EVM.

use alloy_primitives::B256;

use crate::stylus::{
    api::{EvmData, Outcome, Request, Response, Step},
    invocation::Invocation,
    meter::Instrumented,
    params::StylusParams,
    program::{Program, engine},
};

/// Ink every test invocation starts with (1,000,000 gas).
pub(crate) const INK: u64 = 10_000_000_000;

/// The 42 hooks with Nitro's wasm signatures.
const SIGNATURES: [(&str, &str); 42] = [
    ("read_args", "(param i32)"),
    ("write_result", "(param i32 i32)"),
    ("exit_early", "(param i32)"),
    ("storage_load_bytes32", "(param i32 i32)"),
    ("storage_cache_bytes32", "(param i32 i32)"),
    ("storage_flush_cache", "(param i32)"),
    ("transient_load_bytes32", "(param i32 i32)"),
    ("transient_store_bytes32", "(param i32 i32)"),
    (
        "call_contract",
        "(param i32 i32 i32 i32 i64 i32) (result i32)",
    ),
    (
        "delegate_call_contract",
        "(param i32 i32 i32 i64 i32) (result i32)",
    ),
    (
        "static_call_contract",
        "(param i32 i32 i32 i64 i32) (result i32)",
    ),
    ("create1", "(param i32 i32 i32 i32 i32)"),
    ("create2", "(param i32 i32 i32 i32 i32 i32)"),
    ("read_return_data", "(param i32 i32 i32) (result i32)"),
    ("return_data_size", "(result i32)"),
    ("emit_log", "(param i32 i32 i32)"),
    ("account_balance", "(param i32 i32)"),
    ("account_code", "(param i32 i32 i32 i32) (result i32)"),
    ("account_codehash", "(param i32 i32)"),
    ("account_code_size", "(param i32) (result i32)"),
    ("evm_gas_left", "(result i64)"),
    ("evm_ink_left", "(result i64)"),
    ("block_basefee", "(param i32)"),
    ("chainid", "(result i64)"),
    ("block_coinbase", "(param i32)"),
    ("block_gas_limit", "(result i64)"),
    ("block_number", "(result i64)"),
    ("block_timestamp", "(result i64)"),
    ("contract_address", "(param i32)"),
    ("math_div", "(param i32 i32)"),
    ("math_mod", "(param i32 i32)"),
    ("math_pow", "(param i32 i32)"),
    ("math_add_mod", "(param i32 i32 i32)"),
    ("math_mul_mod", "(param i32 i32 i32)"),
    ("msg_reentrant", "(result i32)"),
    ("msg_sender", "(param i32)"),
    ("msg_value", "(param i32)"),
    ("tx_gas_price", "(param i32)"),
    ("tx_ink_price", "(result i32)"),
    ("tx_origin", "(param i32)"),
    ("pay_for_memory_grow", "(param i32)"),
    ("native_keccak256", "(param i32 i32 i32)"),
];

/// Every hook name.
pub(crate) fn all_hooks() -> Vec<&'static str> {
    SIGNATURES.iter().map(|(name, _)| *name).collect()
}

/// A program importing `hooks`, with `data` segments, whose entry point runs `body` (it has
/// the calldata length in `$len` and must leave the status).
pub(crate) fn program(hooks: &[&str], data: &str, body: &str) -> Program {
    let imports: String = hooks
        .iter()
        .map(|hook| {
            let (_, sig) = SIGNATURES
                .iter()
                .find(|(name, _)| name == hook)
                .expect("known hook");
            format!("(import \"vm_hooks\" \"{hook}\" (func ${hook} {sig}))\n")
        })
        .collect();
    let wat = format!(
        r#"(module
            {imports}
            (memory (export "memory") 1)
            (global (export "stylus_ink_left") (mut i64) (i64.const 0))
            (global (export "stylus_ink_status") (mut i32) (i32.const 0))
            (global (export "stylus_stack_left") (mut i32) (i32.const 0))
            {data}
            (func (export "user_entrypoint") (param $len i32) (result i32)
                {body}))"#
    );
    compile_as_is(wat::parse_str(&wat).unwrap_or_else(|e| panic!("{e}\n{wat}")))
}

/// Compiles `wasm` as it is (no validation, no instrumentation) with default parameters.
pub(crate) fn compile_as_is(wasm: Vec<u8>) -> Program {
    let instrumented = Instrumented {
        wasm,
        footprint: 1,
        init_cost: 0,
        cached_init_cost: 0,
        asm_estimate: 0,
        activation_gas: 0,
    };
    Program::compile(
        instrumented,
        B256::ZERO,
        &StylusParams::default(),
        &engine(),
    )
    .unwrap()
}

/// How a test invocation went.
#[derive(Debug)]
pub(crate) struct Run {
    /// Requests in the order the program made them.
    pub requests: Vec<Request>,
    /// The outcome.
    pub outcome: Outcome,
    /// Ink left.
    pub ink_left: u64,
}

impl Run {
    /// Ink spent.
    pub fn spent(&self) -> u64 {
        INK - self.ink_left
    }
}

/// Runs `program` with `data` and `calldata`, answering its requests with `evm`.
pub(crate) fn run(
    program: &Program,
    data: EvmData,
    calldata: &[u8],
    mut evm: impl FnMut(&Request) -> Response,
) -> Run {
    let params = StylusParams::default();
    let (mut invocation, mut step) =
        Invocation::start(program, data, calldata.to_vec(), INK, &params);
    let mut requests = Vec::new();
    loop {
        match step {
            Step::Request(request) => {
                let response = evm(&request);
                requests.push(request);
                step = invocation.resume(response);
            }
            Step::Finished { outcome, ink_left } => {
                return Run {
                    requests,
                    outcome,
                    ink_left,
                };
            }
        }
    }
}

/// A fake EVM that must not be asked anything.
pub(crate) fn no_evm(request: &Request) -> Response {
    panic!("unexpected request {request:?}")
}
