//! ArbOS as the harness models it: the precompiles (Ethereum's plus ArbWasm at `0x…71` and
//! ArbWasmCache at `0x…72`), the Stylus parameters, and the compiled programs keyed by code hash.

use std::sync::Arc;

use alloy_primitives::{Address, B256, map::B256Map};
use revm::{
    context::{Cfg, ContextTr},
    handler::{EthPrecompiles, PrecompileProvider},
    interpreter::{CallInputs, InterpreterResult},
    primitives::{AddressSet, hardfork::SpecId},
};

use super::{
    arbwasm,
    arbwasm_cache::{self, ARB_WASM_CACHE},
    machine::Ctx,
};
use crate::stylus::{
    params::StylusParams,
    program::{self, Program},
};

/// Address of the ArbWasm precompile.
pub use cloudless_abi::arbwasm::ARB_WASM;

/// The precompile provider of the harness, and the home of everything ArbOS keeps about Stylus.
#[derive(Clone)]
pub struct ArbOs {
    eth: EthPrecompiles,
    warm: AddressSet,
    /// Stylus parameters in force.
    pub params: StylusParams,
    engine: wasmi::Engine,
    programs: B256Map<Arc<Program>>,
}

impl std::fmt::Debug for ArbOs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArbOs")
            .field("params", &self.params)
            .field("compiled_programs", &self.programs.len())
            .finish_non_exhaustive()
    }
}

impl ArbOs {
    /// ArbOS for `spec` with the given Stylus parameters.
    pub fn new(spec: SpecId, params: StylusParams) -> Self {
        let eth = EthPrecompiles::new(spec);
        let warm = Self::warm_set(&eth);
        Self {
            eth,
            warm,
            params,
            engine: program::engine(),
            programs: B256Map::default(),
        }
    }

    fn warm_set(eth: &EthPrecompiles) -> AddressSet {
        let mut warm = eth.warm_addresses().clone();
        warm.insert(ARB_WASM);
        warm.insert(ARB_WASM_CACHE);
        warm
    }

    /// The compiled program for `codehash`, compiling `wasm` on a cache miss. Activation has
    /// already validated the program, so compiling again is deterministic and cannot fail unless
    /// the parameters changed.
    pub(crate) fn program(
        &mut self,
        codehash: B256,
        wasm: impl FnOnce() -> Option<Vec<u8>>,
    ) -> Option<Arc<Program>> {
        if let Some(program) = self.programs.get(&codehash) {
            return Some(program.clone());
        }
        let program = Arc::new(Program::activate(&wasm()?, &self.params, &self.engine).ok()?);
        self.programs.insert(codehash, program.clone());
        Some(program)
    }

    /// Activates `wasm` and caches the result under `codehash`.
    pub(crate) fn activate(
        &mut self,
        codehash: B256,
        wasm: &[u8],
    ) -> Result<Arc<Program>, program::ActivationError> {
        let program = Arc::new(Program::activate(wasm, &self.params, &self.engine)?);
        self.programs.insert(codehash, program.clone());
        Ok(program)
    }
}

impl PrecompileProvider<Ctx> for ArbOs {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <<Ctx as ContextTr>::Cfg as Cfg>::Spec) -> bool {
        let changed = <EthPrecompiles as PrecompileProvider<Ctx>>::set_spec(&mut self.eth, spec);
        if changed {
            self.warm = Self::warm_set(&self.eth);
        }
        changed
    }

    fn run(
        &mut self,
        ctx: &mut Ctx,
        inputs: &CallInputs,
    ) -> Result<Option<InterpreterResult>, String> {
        if inputs.bytecode_address == ARB_WASM {
            return Ok(Some(arbwasm::run(self, ctx, inputs)));
        }
        if inputs.bytecode_address == ARB_WASM_CACHE {
            return Ok(Some(arbwasm_cache::run(self, ctx, inputs)));
        }
        self.eth.run(ctx, inputs)
    }

    fn warm_addresses(&self) -> &AddressSet {
        &self.warm
    }

    fn contains(&self, address: &Address) -> bool {
        *address == ARB_WASM || *address == ARB_WASM_CACHE || self.eth.contains(address)
    }
}
