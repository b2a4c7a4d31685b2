//! Running functions: on-chain code checked against the deployment's `artifact`, refused when
//! impure, activated as the chain activates Stylus programs, and run on the harness's wasmi
//! executor with an ink cap. A pure function asks the EVM nothing but the price of memory
//! growth, which is answered here with the chain's memory model.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use alloy_primitives::{B256, keccak256};
use harness::{
    artifact::{PurityError, check_purity, decompress},
    stylus::{
        api::{ApiStatus, EvmData, Outcome, Request, Response, Step},
        invocation::Invocation,
        memory::{MemoryModel, PageCounters},
        params::StylusParams,
        program::{Program, engine},
    },
};

/// Why a deployment's function cannot be served.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The program has no code.
    #[error("the program has no code")]
    NoCode,
    /// The code is not what the deployment names.
    #[error("the program's code hash is {actual}, not the deployment's artifact {artifact}")]
    ArtifactMismatch {
        /// `DeploymentSpec.artifact`.
        artifact: B256,
        /// `keccak256(code)`.
        actual: B256,
    },
    /// The function imports something a pure function must not.
    #[error("impure function: {0}")]
    Impure(String),
    /// The code does not decompress or activate.
    #[error("the program does not activate: {0}")]
    Invalid(String),
}

/// How a run went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Trap {
    /// The function returned a nonzero status, with this revert data.
    #[error("the function reverted: {}", revert_text(.0))]
    Reverted(Vec<u8>),
    /// A wasm trap or a failed hostio.
    #[error("the function trapped: {0}")]
    Failed(String),
    /// The ink cap was reached.
    #[error("the function ran out of ink (cap {0})")]
    OutOfInk(u64),
    /// The depth checker tripped.
    #[error("the function ran out of stack")]
    OutOfStack,
    /// The function asked the EVM for something a pure function cannot.
    #[error("the function made an EVM request: {0}")]
    Impure(String),
}

/// Revert data as text when it is printable UTF-8 (functions revert with their error's
/// message), else as hex.
fn revert_text(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(text) if !text.is_empty() && !text.chars().any(char::is_control) => text.to_owned(),
        _ => alloy_primitives::hex::encode_prefixed(data),
    }
}

/// A function ready to run.
pub struct Function {
    program: Program,
    params: StylusParams,
    /// [`Function::entry_gas`], fixed once the program is activated.
    entry_gas: u64,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("module_hash", &self.program.module_hash)
            .finish_non_exhaustive()
    }
}

/// A successful run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The return data.
    pub response: Vec<u8>,
    /// Ink used.
    pub ink: u64,
}

impl Function {
    /// Checks `code` (the program's on-chain code) against `artifact`, its purity and Nitro's
    /// rules, and compiles it.
    pub fn load(code: &[u8], artifact: B256) -> Result<Self, LoadError> {
        if code.is_empty() {
            return Err(LoadError::NoCode);
        }
        let actual = keccak256(code);
        if actual != artifact {
            return Err(LoadError::ArtifactMismatch { artifact, actual });
        }
        check_purity(code).map_err(|e| match e {
            PurityError::ImpureFunction { import, reason } => {
                LoadError::Impure(format!("imports {import}, which {reason}"))
            }
            other => LoadError::Invalid(other.to_string()),
        })?;
        let params = StylusParams::default();
        let wasm = decompress(code, params.max_wasm_size as usize)
            .map_err(|e| LoadError::Invalid(e.to_string()))?;
        let program = Program::activate(&wasm, &params, &engine())
            .map_err(|e| LoadError::Invalid(e.to_string()))?;
        let memory = MemoryModel::from(&params);
        let footprint = PageCounters::default().add_pages(&memory, program.footprint);
        let entry_gas = program.init_gas(&params, false) + footprint;
        Ok(Self {
            program,
            params,
            entry_gas,
        })
    }

    /// Gas a call pays before the function's first instruction, as the court's re-execution
    /// pays it out of `refereeGas`: the program's start-up (not cached) and its memory
    /// footprint.
    pub fn entry_gas(&self) -> u64 {
        self.entry_gas
    }

    /// The ink a run may use when a call has `gas` in all: what is left after the entry.
    pub fn ink_within(&self, gas: u64) -> u64 {
        self.params.gas_to_ink(gas.saturating_sub(self.entry_gas()))
    }

    /// Runs the function on `request` with at most `ink`. Memory grows past the footprint at
    /// the chain's prices.
    pub fn run(&self, request: &[u8], ink: u64) -> Result<Answer, Trap> {
        let memory = MemoryModel::from(&self.params);
        let mut pages = PageCounters::default();
        pages.add_pages(&memory, self.program.footprint);
        let (mut invocation, mut step) = Invocation::start(
            &self.program,
            EvmData::default(),
            request.to_vec(),
            ink,
            &self.params,
        );
        loop {
            match step {
                Step::Request(Request::AddPages { pages: new }) => {
                    let gas_cost = pages.add_pages(&memory, new);
                    step = invocation.resume(Response::Status {
                        status: ApiStatus::Success,
                        gas_cost,
                    });
                }
                Step::Request(other) => return Err(Trap::Impure(format!("{other:?}"))),
                Step::Finished { outcome, ink_left } => {
                    return match outcome {
                        Outcome::Success(response) => Ok(Answer {
                            response,
                            ink: ink - ink_left,
                        }),
                        Outcome::Revert(data) => Err(Trap::Reverted(data)),
                        Outcome::Failure(reason) => Err(Trap::Failed(reason)),
                        Outcome::OutOfInk => Err(Trap::OutOfInk(ink)),
                        Outcome::OutOfStack => Err(Trap::OutOfStack),
                    };
                }
            }
        }
    }
}

/// Compiled functions by code hash (or why the code cannot be served), shared by every
/// placement that runs the same code.
#[derive(Default)]
pub struct Cache {
    loaded: Mutex<HashMap<B256, Loaded>>,
}

/// A compiled function, or why its code cannot be served.
pub type Loaded = Result<Arc<Function>, LoadError>;

impl Cache {
    /// The function with code hash `artifact`, if loaded.
    pub fn get(&self, artifact: &B256) -> Option<Loaded> {
        self.loaded
            .lock()
            .expect("cache lock")
            .get(artifact)
            .cloned()
    }

    /// Loads `code` for `artifact` (once).
    pub fn insert(&self, artifact: B256, code: &[u8]) -> Loaded {
        if let Some(found) = self.get(&artifact) {
            return found;
        }
        let loaded = Function::load(code, artifact).map(Arc::new);
        if let Err(error) = &loaded {
            tracing::warn!(%artifact, %error, "refusing to serve a function");
        }
        self.loaded
            .lock()
            .expect("cache lock")
            .entry(artifact)
            .or_insert(loaded)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use harness::artifact::process;

    use super::*;

    /// A function that echoes its request, as Stylus code.
    fn echo() -> Vec<u8> {
        let wat = r#"(module
            (import "vm_hooks" "read_args" (func $read_args (param i32)))
            (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
            (import "vm_hooks" "pay_for_memory_grow" (func $grow (param i32)))
            (memory (export "memory") 1)
            (func (export "user_entrypoint") (param $len i32) (result i32)
                (call $read_args (i32.const 0))
                (call $write_result (i32.const 0) (local.get $len))
                (i32.const 0)))"#;
        process(&wat::parse_str(wat).unwrap()).unwrap().code
    }

    fn looping() -> Vec<u8> {
        let wat = r#"(module
            (import "vm_hooks" "pay_for_memory_grow" (func $grow (param i32)))
            (memory (export "memory") 1)
            (func (export "user_entrypoint") (param i32) (result i32)
                (loop $l (br $l)) (i32.const 0)))"#;
        process(&wat::parse_str(wat).unwrap()).unwrap().code
    }

    #[test]
    fn a_pure_function_answers_and_is_metered() {
        let code = echo();
        let f = Function::load(&code, keccak256(&code)).unwrap();
        let answer = f.run(b"hello", 10_000_000).unwrap();
        assert_eq!(answer.response, b"hello");
        assert!(answer.ink > 0 && answer.ink < 10_000_000);
    }

    #[test]
    fn a_runaway_function_stops_at_the_ink_cap() {
        let code = looping();
        let f = Function::load(&code, keccak256(&code)).unwrap();
        assert_eq!(f.run(b"", 1_000_000), Err(Trap::OutOfInk(1_000_000)));
    }

    #[test]
    fn the_ink_cap_leaves_room_for_the_calls_entry() {
        let code = echo();
        let f = Function::load(&code, keccak256(&code)).unwrap();
        let params = StylusParams::default();
        // Nitro's uncached start-up alone is at least `min_init_gas` × 128 gas.
        let floor = u64::from(params.min_init_gas) * 128;
        assert!(f.entry_gas() >= floor, "{}", f.entry_gas());
        let referee = 1_000_000;
        assert!(f.ink_within(referee) <= params.gas_to_ink(referee - floor));
        assert_eq!(
            f.ink_within(floor / 2),
            0,
            "a budget below the entry leaves no ink"
        );
    }

    #[test]
    fn code_that_is_not_the_artifact_is_refused() {
        let code = echo();
        let err = Function::load(&code, B256::ZERO).unwrap_err();
        assert!(matches!(err, LoadError::ArtifactMismatch { .. }), "{err}");
    }

    #[test]
    fn an_impure_function_is_refused_naming_the_import() {
        let wat = r#"(module
            (import "vm_hooks" "block_number" (func $n (result i64)))
            (memory (export "memory") 1)
            (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#;
        let code = process(&wat::parse_str(wat).unwrap()).unwrap().code;
        let err = Function::load(&code, keccak256(&code)).unwrap_err();
        assert!(
            matches!(&err, LoadError::Impure(m) if m.contains("vm_hooks::block_number")),
            "{err}"
        );
    }
}
