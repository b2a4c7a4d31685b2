//! Ink metering: rewrites a validated user wasm so that it pays ink per opcode and traps when ink or
//! stack runs out, as Nitro's activation-time instrumentation does (Stylus versions 1 and 2, the
//! `pricing_v1` table; ArbOS 50).
//!
//! # What the rewritten module does
//! - **Meter.** The body is cut into basic blocks after every `end`, `else`, `return`, `loop`, `br`,
//!   `br_if`, `br_table`, `if`, `call` and `call_indirect` (`block` does not cut). In front of each
//!   block the program pays the sum of its operators' ink plus 2,450: if [`INK_LEFT`] is below that
//!   (unsigned), [`STATUS`] becomes [`STATUS_OUT_OF_INK`] and the program traps with ink untouched;
//!   otherwise the ink is subtracted. Prices: see `pricing.rs` (e.g. `i32.add` 70, `local.get` 75,
//!   `call` 3,800, `br_if` 765, `br_table` 2,400 + 325 per target, `call_indirect` 13,610 + 650 per
//!   parameter); unpriced operators (floats, SIMD, …) cost `u64::MAX`, so their block always traps.
//! - **Dynamic meter.** `memory.fill` and `memory.copy` also pay 100 ink per byte just before they
//!   run. The ink is subtracted first and a wrap-around traps with status 1, so after such a trap
//!   the ink global holds a wrapped value: hosts must treat status ≠ 0 as "no ink left" (Nitro's
//!   `MachineMeter::Exhausted` does the same).
//! - **Depth checker.** Each function reserves its stack units on entry (see `depth.rs`: worst-case
//!   operand height of the metered body + declared locals + 4; parameters are not counted). If
//!   [`STACK_LEFT`] ≤ units, status becomes [`STATUS_OUT_OF_STACK`], the stack global 0 (as Nitro
//!   leaves it) and the program traps; otherwise the units are subtracted, and given back on every
//!   exit: `return`, the end of the body, and a branch to the body's label.
//! - **Heap bound.** The single memory must be exported as `memory` and start at no more than
//!   `min(128, page_limit)` pages (the footprint). If it can grow, the module must import
//!   `vm_hooks.pay_for_memory_grow: (i32) -> ()`, and every `memory.grow` first calls it with the
//!   page count (as Nitro does; stylus-sdk only calls it with 0 to force the import). The memory's
//!   maximum is lowered to that bound, so wasmi's `memory.grow` beyond it returns -1.
//! - **Start mover.** A start section is refused. Exports other than `user_entrypoint` and
//!   `memory` are dropped, as Nitro drops them.
//!
//! Host contract: before `user_entrypoint`, set [`INK_LEFT`] (and [`STATUS`] to
//! [`STATUS_RUNNING`]) and [`STACK_LEFT`] (`max_stack_depth`). A frame costs at least 6 units, so
//! wasmi's recursion limit must exceed `max_stack_depth / 6` (wasmi's default is 1,000) for the
//! depth checker, not wasmi, to stop deep recursion.
//!
//! # Differences from Nitro
//! - Nitro never gives the units back when a function leaves through a branch to its own label
//!   (it only releases before `return`s and its trailing `return`); here every exit releases them,
//!   which matters only for hand-written wasm (LLVM emits `return`).
//! - The emitted code differs in layout (the body runs inside an exit block; the out-of-stack
//!   trap also sets [`STATUS`]; a block charge reads the ink global once, keeps the difference
//!   in an extra local and traps when it wrapped; a release restores the units the function
//!   found on entry, kept in another local; every mutable global is exported), but the
//!   ink charged, the units reserved
//!   and the failure points are Nitro's, because they are computed on Nitro's instrumented form.
//! - The memory maximum is lowered to the page bound; on Nitro the same growth fails by running
//!   out of ink in `pay_for_memory_grow` (pages beyond 128 are priced at `u64::MAX` gas).

mod activation;
mod added;
mod body;
mod depth;
mod encode;
mod error;
mod exits;
mod heap;
mod module;
mod pricing;
#[cfg(test)]
mod tests;

use super::params::StylusParams;
use body::{FuncContext, Globals};
use error::Rejection;
use module::ModuleInfo;

/// Exported mutable i64 global holding the ink left (as u64).
pub const INK_LEFT: &str = "stylus_ink_left";
/// Exported mutable i32 global: 0 running, 1 out of ink, 2 out of stack.
pub const STATUS: &str = "stylus_ink_status";
/// Exported mutable i32 global holding the stack depth units left.
pub const STACK_LEFT: &str = "stylus_stack_left";
/// Prefix of the names under which every other mutable global is exported (the program's own,
/// such as its stack pointer, and the meter's scratch slot), followed by the global's index:
/// the host resets them to recycle an instance (see `instances.rs`).
pub const MUTABLE_GLOBAL_PREFIX: &str = "stylus_global_";

/// [`STATUS`] while the program runs normally.
pub const STATUS_RUNNING: i32 = 0;
/// [`STATUS`] after the program ran out of ink.
pub const STATUS_OUT_OF_INK: i32 = 1;
/// [`STATUS`] after the program ran out of stack units.
pub const STATUS_OUT_OF_STACK: i32 = 2;

/// An instrumented module and the figures activation records for it.
#[derive(Clone, Debug)]
pub struct Instrumented {
    /// The instrumented wasm, ready for wasmi.
    pub wasm: Vec<u8>,
    /// Initial memory pages.
    pub footprint: u16,
    /// Init cost units (Nitro's `init_cost`).
    pub init_cost: u16,
    /// Cached init cost units.
    pub cached_init_cost: u16,
    /// Estimated native code size in bytes.
    pub asm_estimate: u32,
    /// Gas activating the module costs, on top of ArbWasm's fixed charge.
    pub activation_gas: u64,
}

/// Why instrumentation failed.
#[derive(Debug, thiserror::Error)]
#[error("instrumentation failed: {0}")]
pub struct InstrumentError(pub String);

impl From<Rejection> for InstrumentError {
    fn from(rejection: Rejection) -> Self {
        Self(rejection.to_string())
    }
}

/// Instruments a validated, decompressed user wasm.
pub fn instrument(wasm: &[u8], params: &StylusParams) -> Result<Instrumented, InstrumentError> {
    Ok(instrument_module(wasm, params)?)
}

/// [`instrument`] with the named failure.
fn instrument_module(wasm: &[u8], params: &StylusParams) -> Result<Instrumented, Rejection> {
    if !matches!(params.version, 1 | 2) {
        return Err(Rejection::UnknownVersion(params.version));
    }
    let info = ModuleInfo::parse(wasm)?;
    if info.has_start {
        return Err(Rejection::StartFunction);
    }
    let heap = heap::plan(&info, params.page_limit)?;
    let exits = exits::plan(&info)?;
    let ctx = FuncContext {
        sigs: &info.sigs,
        globals: Globals::starting_at(info.next_global()),
        pay_func: heap.pay_func,
    };
    let mut bodies = Vec::with_capacity(info.bodies.len());
    let mut type_len = 0_u64;
    let mut code_ops = 0_u64;
    for (local, (body, exit)) in info.bodies.iter().zip(&exits.per_func).enumerate() {
        let local = local as u32;
        let ty = info.local_func_type(local)?;
        type_len += (ty.params().len() + ty.results().len()) as u64;
        let (function, nitro_ops) =
            body::instrument(&ctx, wasm, info.imported_funcs + local, body, *exit)?;
        code_ops += nitro_ops as u64;
        bodies.push(function);
    }
    let counts = activation::ModuleCounts {
        funcs: info.bodies.len() as u64,
        type_len,
        wasm_len: wasm.len() as u64,
        globals: u64::from(info.defined_globals + Globals::COUNT),
        segment_bytes: info.data_segment_bytes + info.element_bytes,
        data_bytes: info.data_bytes,
        element_bytes: info.element_bytes,
        code_ops,
        footprint: heap.footprint,
    };
    let figures = activation::figures(&counts, params.version)?;
    let wasm = encode::rewrite(
        wasm,
        encode::Rewrite {
            appended_types: &exits.appended,
            memory: heap.memory,
            globals: ctx.globals,
            mutable_globals: &info.mutable_globals,
            bodies,
        },
    )?;
    Ok(Instrumented {
        wasm,
        footprint: heap.footprint,
        init_cost: figures.init_cost,
        cached_init_cost: figures.cached_init_cost,
        asm_estimate: figures.asm_estimate,
        activation_gas: figures.gas,
    })
}
