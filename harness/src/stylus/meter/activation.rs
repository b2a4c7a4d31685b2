//! The cost figures activation stores with a program (Nitro's `StylusData`), from module counts.
//!
//! With `funcs` the module's own functions, `types` the sum of parameters and results over their
//! signatures, `bytes` the input wasm length, `globals` the defined globals plus the 4
//! instrumentation adds, `segments` the bytes of all data and element segments (headers
//! included), `pages` the initial memory, and every `a·x/b` term rounded down on its own:
//!
//! ```text
//! asm_estimate     = 512,000 + funcs·996,829/1,000 + types·11,416/1,000 + bytes·62,628/10,000
//! cached_init_cost = funcs·13,420/100,000 + types·89/100,000 + bytes·122/100,000
//!                  + globals·1,628/1,000 + segments·75,244/100,000 + pages·5
//! init_cost        = funcs·8,252/1,000 + types·1,059/1,000 + bytes·1,286/10,000
//!                  (+ cached_init_cost for Stylus version 1)
//! ```
//!
//! Activation also charges gas for the work (Nitro's `Module::activate`, ArbOS ≥ 32): an estimate
//! in microseconds, 28 gas each, paid term by term, with `data` the payload bytes of the data
//! segments, `elements` the bytes of the element segments and `ops` the operators of every body
//! once Nitro has instrumented it:
//!
//! ```text
//! gas = 28·(bytes·31,733/100,000) + 28·(funcs·17,263/100,000) + 28·(data·17,376/100,000)
//!     + 28·(elements·17,376/100,000) + 28·(pages·2,217) + 28·(ops·535/1,000)
//! ```

use super::error::Rejection;

/// Module counts the figures are computed from.
#[derive(Clone, Copy, Debug)]
pub(super) struct ModuleCounts {
    /// The module's own functions.
    pub(super) funcs: u64,
    /// Parameters plus results over the own functions' signatures.
    pub(super) type_len: u64,
    /// Length of the input wasm.
    pub(super) wasm_len: u64,
    /// Globals after instrumentation (defined plus added).
    pub(super) globals: u64,
    /// Bytes of data and element segments.
    pub(super) segment_bytes: u64,
    /// Payload bytes of the data segments.
    pub(super) data_bytes: u64,
    /// Bytes of the element segments.
    pub(super) element_bytes: u64,
    /// Operators of all bodies as Nitro instruments them.
    pub(super) code_ops: u64,
    /// Initial memory pages.
    pub(super) footprint: u16,
}

/// The activation figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Figures {
    /// Init cost units.
    pub(super) init_cost: u16,
    /// Cached init cost units.
    pub(super) cached_init_cost: u16,
    /// Estimated native code bytes.
    pub(super) asm_estimate: u32,
    /// Gas the activation itself costs.
    pub(super) gas: u64,
}

/// `value · num / den`, saturating, rounded down.
fn scaled(value: u64, num: u64, den: u64) -> u64 {
    value.saturating_mul(num) / den
}

/// Gas per estimated microsecond of activation work (Nitro's `us_to_gas`).
const GAS_PER_MICROSECOND: u64 = 28;

/// Nitro's activation gas: each term's microseconds rounded down, then priced.
fn activation_gas(c: &ModuleCounts) -> u64 {
    [
        scaled(c.wasm_len, 31_733, 100_000),
        scaled(c.funcs, 17_263, 100_000),
        scaled(c.data_bytes, 17_376, 100_000),
        scaled(c.element_bytes, 17_376, 100_000),
        u64::from(c.footprint) * 2_217,
        scaled(c.code_ops, 535, 1_000),
    ]
    .into_iter()
    .fold(0, |gas, micros| {
        gas.saturating_add(micros.saturating_mul(GAS_PER_MICROSECOND))
    })
}

/// Computes the figures for a program of Stylus `version`.
pub(super) fn figures(c: &ModuleCounts, version: u16) -> Result<Figures, Rejection> {
    let asm_estimate = 512_000_u64
        .saturating_add(scaled(c.funcs, 996_829, 1_000))
        .saturating_add(scaled(c.type_len, 11_416, 1_000))
        .saturating_add(scaled(c.wasm_len, 62_628, 10_000));
    let cached = scaled(c.funcs, 13_420, 100_000)
        .saturating_add(scaled(c.type_len, 89, 100_000))
        .saturating_add(scaled(c.wasm_len, 122, 100_000))
        .saturating_add(scaled(c.globals, 1_628, 1_000))
        .saturating_add(scaled(c.segment_bytes, 75_244, 100_000))
        .saturating_add(u64::from(c.footprint) * 5);
    let included = if version == 1 { cached } else { 0 };
    let init = included
        .saturating_add(scaled(c.funcs, 8_252, 1_000))
        .saturating_add(scaled(c.type_len, 1_059, 1_000))
        .saturating_add(scaled(c.wasm_len, 1_286, 10_000));
    let overflow = |what, value| Rejection::FigureOverflow { what, value };
    Ok(Figures {
        init_cost: init.try_into().map_err(|_| overflow("init cost", init))?,
        cached_init_cost: cached
            .try_into()
            .map_err(|_| overflow("cached init cost", cached))?,
        asm_estimate: asm_estimate
            .try_into()
            .map_err(|_| overflow("asm estimate", asm_estimate))?,
        gas: activation_gas(c),
    })
}
