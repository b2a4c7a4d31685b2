//! Activated programs: a validated, instrumented and compiled user wasm, with the figures ArbOS
//! records for it, ready to start [`Invocation`](super::invocation::Invocation)s.

use std::sync::Arc;

use alloy_primitives::{B256, keccak256};
use wasmi::{Config, Engine, Linker, Module, Store};

use super::{
    hostio::{self, HostState},
    instances::{Pool, StartError, Warm},
    meter::{self, InstrumentError, Instrumented},
    params::StylusParams,
};
use crate::artifact::validate::{self, ValidationError};

/// Most nested wasm calls wasmi allows. Nitro's depth checker (`max_stack_depth` units, at least
/// one per frame) stops programs long before this.
const MAX_RECURSION_DEPTH: usize = 32 * 1024;
/// Most bytes of wasmi's value stack.
const MAX_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Gas per unit of `min_init_gas`.
const MIN_INIT_GAS_UNITS: u64 = 128;
/// Gas per unit of `min_cached_init_gas`.
const MIN_CACHED_GAS_UNITS: u64 = 32;
/// Percent per unit of the cost scalars.
const COST_SCALAR_PERCENT: u64 = 2;

/// The wasmi engine configuration every program runs under: Nitro's wasm features (no reference
/// types, tail calls, extended constants, multi-memory or memory64; no start function),
/// no fuel (ink is metered by the instrumentation), deterministic execution.
pub fn engine() -> Engine {
    let mut config = Config::default();
    config
        .consume_fuel(false)
        .wasm_mutable_global(true)
        .wasm_sign_extension(true)
        .wasm_saturating_float_to_int(true)
        .wasm_multi_value(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_multi_memory(false)
        .wasm_wide_arithmetic(false)
        .wasm_custom_page_sizes(false)
        .allow_start_fn(false)
        .set_max_recursion_depth(MAX_RECURSION_DEPTH)
        .set_max_stack_height(MAX_STACK_BYTES);
    Engine::new(&config)
}

/// Why a wasm cannot become a program.
#[derive(Debug, thiserror::Error)]
pub enum ActivationError {
    /// Larger than `max_wasm_size` once decompressed.
    #[error("wasm is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// Decompressed size.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// Outside Nitro's wasm feature set or limits.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The ink instrumentation failed.
    #[error(transparent)]
    Instrument(#[from] InstrumentError),
    /// Initial memory above the page limit.
    #[error("initial memory of {pages} pages exceeds the limit of {limit}")]
    TooManyPages {
        /// Initial pages.
        pages: u16,
        /// `page_limit`.
        limit: u16,
    },
    /// wasmi rejected the instrumented module.
    #[error("compiling the instrumented module failed: {0}")]
    Compile(#[source] wasmi::Error),
    /// The host functions could not be linked.
    #[error("linking the hostios failed: {0}")]
    Link(#[from] wasmi::errors::LinkerError),
}

/// An activated program.
pub struct Program {
    /// Stylus version it was activated under.
    pub version: u16,
    /// Initial memory pages, charged at every call.
    pub footprint: u16,
    /// Init cost units (Nitro's `init_cost`).
    pub init_cost: u16,
    /// Cached init cost units.
    pub cached_init_cost: u16,
    /// Estimated native size in bytes.
    pub asm_estimate: u32,
    /// Gas its activation cost, on top of ArbWasm's fixed charge.
    pub activation_gas: u64,
    /// Keccak of the decompressed wasm.
    pub module_hash: B256,
    module: Module,
    linker: Linker<HostState>,
    pool: Arc<Pool>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("version", &self.version)
            .field("footprint", &self.footprint)
            .field("init_cost", &self.init_cost)
            .field("cached_init_cost", &self.cached_init_cost)
            .field("asm_estimate", &self.asm_estimate)
            .field("activation_gas", &self.activation_gas)
            .field("module_hash", &self.module_hash)
            .finish_non_exhaustive()
    }
}

impl Program {
    /// Activates a decompressed user wasm: Nitro's validation, the ink instrumentation, then
    /// compilation on `engine` (made by [`engine`]).
    pub fn activate(
        wasm: &[u8],
        params: &StylusParams,
        engine: &Engine,
    ) -> Result<Self, ActivationError> {
        if wasm.len() > params.max_wasm_size as usize {
            return Err(ActivationError::TooLarge {
                size: wasm.len(),
                max: params.max_wasm_size,
            });
        }
        validate::validate(wasm)?;
        let instrumented = meter::instrument(wasm, params)?;
        Self::compile(instrumented, keccak256(wasm), params, engine)
    }

    /// Compiles a module that is already instrumented (it exports `memory`, `user_entrypoint`
    /// and the three meter globals) with its activation figures.
    pub fn compile(
        instrumented: Instrumented,
        module_hash: B256,
        params: &StylusParams,
        engine: &Engine,
    ) -> Result<Self, ActivationError> {
        if instrumented.footprint > params.page_limit {
            let (pages, limit) = (instrumented.footprint, params.page_limit);
            return Err(ActivationError::TooManyPages { pages, limit });
        }
        let module = Module::new(engine, &instrumented.wasm).map_err(ActivationError::Compile)?;
        Ok(Self {
            version: params.version,
            footprint: instrumented.footprint,
            init_cost: instrumented.init_cost,
            cached_init_cost: instrumented.cached_init_cost,
            asm_estimate: instrumented.asm_estimate,
            activation_gas: instrumented.activation_gas,
            module_hash,
            pool: Arc::new(Pool::new(&instrumented.wasm)),
            module,
            linker: hostio::linker(engine)?,
        })
    }

    /// Gas to start the program; see [`init_gas`].
    pub fn init_gas(&self, params: &StylusParams, cached: bool) -> u64 {
        init_gas(
            params,
            self.version,
            self.init_cost,
            self.cached_init_cost,
            cached,
        )
    }

    /// An instance for one invocation with host state `state`: an idle one from the pool, or
    /// a new one with the hostios linked.
    pub(crate) fn warm(&self, state: HostState) -> Result<Box<Warm>, StartError> {
        let mut warm = match self.pool.take() {
            Some(mut warm) => {
                *warm.store.data_mut() = state;
                warm
            }
            None => {
                let mut store = Store::new(self.module.engine(), state);
                let instance = self
                    .linker
                    .instantiate_and_start(&mut store, &self.module)?;
                let warm = Box::new(Warm::new(store, instance)?);
                self.pool.first_seen(&warm);
                warm
            }
        };
        warm.store.data_mut().exports = Some(warm.exports);
        Ok(warm)
    }

    /// Where this program's instances go back when their invocations end.
    pub(crate) fn pool(&self) -> Arc<Pool> {
        self.pool.clone()
    }
}

/// Gas to start a program with these activation figures (Nitro's formula): the cached part
/// `MinCachedInitGas·32 + ⌈cached_init_cost·CachedCostScalar·2/100⌉` always, plus
/// `MinInitGas·128 + ⌈init_cost·InitCostScalar·2/100⌉` unless the program is cached; version 1
/// programs pay only the latter.
pub fn init_gas(
    params: &StylusParams,
    version: u16,
    init_cost: u16,
    cached_init_cost: u16,
    cached: bool,
) -> u64 {
    let scaled = |cost: u16, scalar: u8| {
        (u64::from(cost) * u64::from(scalar) * COST_SCALAR_PERCENT).div_ceil(100)
    };
    let cached_gas = u64::from(params.min_cached_init_gas) * MIN_CACHED_GAS_UNITS
        + scaled(cached_init_cost, params.cached_cost_scalar);
    let init_gas = u64::from(params.min_init_gas) * MIN_INIT_GAS_UNITS
        + scaled(init_cost, params.init_cost_scalar);
    match (cached, version > 1) {
        (true, _) => cached_gas,
        (false, true) => cached_gas + init_gas,
        (false, false) => init_gas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(init_cost: u16, cached_init_cost: u16, version: u16) -> Program {
        let wasm = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
        let instrumented = Instrumented {
            wasm,
            footprint: 1,
            init_cost,
            cached_init_cost,
            asm_estimate: 0,
            activation_gas: 0,
        };
        let params = StylusParams {
            version,
            ..StylusParams::default()
        };
        Program::compile(instrumented, B256::ZERO, &params, &engine()).unwrap()
    }

    #[test]
    fn init_gas_follows_nitros_formula() {
        let params = StylusParams::default();
        let p = program(1_001, 77, 2);
        // 11·32 + ⌈77·50·2/100⌉ = 352 + 77; 69·128 + ⌈1,001·100/100⌉ = 8,832 + 1,001.
        assert_eq!(p.init_gas(&params, true), 352 + 77);
        assert_eq!(p.init_gas(&params, false), 352 + 77 + 8_832 + 1_001);
        let odd = StylusParams {
            init_cost_scalar: 33,
            ..params.clone()
        };
        // ⌈1,001·66/100⌉ = ⌈660.66⌉ = 661.
        assert_eq!(p.init_gas(&odd, false), 352 + 77 + 8_832 + 661);
        let v1 = program(1_001, 77, 1);
        assert_eq!(v1.init_gas(&params, false), 8_832 + 1_001);
    }

    #[test]
    fn compile_checks_the_page_limit_and_keeps_the_figures() {
        let wasm = wat::parse_str(r#"(module (memory (export "memory") 129))"#).unwrap();
        let instrumented = Instrumented {
            wasm,
            footprint: 129,
            init_cost: 0,
            cached_init_cost: 0,
            asm_estimate: 0,
            activation_gas: 0,
        };
        let err = Program::compile(
            instrumented,
            B256::ZERO,
            &StylusParams::default(),
            &engine(),
        );
        assert!(matches!(
            err,
            Err(ActivationError::TooManyPages {
                pages: 129,
                limit: 128
            })
        ));
        let p = program(5, 6, 2);
        assert_eq!(
            (p.version, p.footprint, p.init_cost, p.cached_init_cost),
            (2, 1, 5, 6)
        );
    }

    #[test]
    fn oversized_wasm_is_refused_before_validation() {
        let params = StylusParams {
            max_wasm_size: 4,
            ..StylusParams::default()
        };
        let err = Program::activate(&[0; 5], &params, &engine());
        assert!(matches!(
            err,
            Err(ActivationError::TooLarge { size: 5, max: 4 })
        ));
    }

    #[test]
    fn the_engine_refuses_reference_types() {
        let wasm = wat::parse_str(r#"(module (func (drop (ref.null func))))"#).unwrap();
        assert!(Module::new(&engine(), &wasm).is_err());
    }
}
