//! Instrumentation of one function body.
//!
//! The body first gets Nitro's metering: a charge in front of every basic block and a per-byte
//! charge in front of `memory.fill` / `memory.copy`. That *metered* body fixes the ink and, through
//! [`depth::frame_units`], the frame's stack units. The emitted body then wraps it: a reservation
//! of the units on entry, a release on every way out, and a `pay_for_memory_grow` call in front
//! of every `memory.grow` when memory can grow.

use wasm_encoder::{BlockType as EncBlockType, Function};
use wasmparser::{FunctionBody, Operator};

use super::added::Added;
use super::encode::val_type;
use super::error::Rejection;
use super::module::Signatures;
use super::pricing::{COPY_INK_PER_BYTE, FILL_INK_PER_BYTE, HEADER_INK, ends_basic_block, op_ink};
use super::{STATUS_OUT_OF_INK, STATUS_OUT_OF_STACK, depth};

/// Most operators a body may have once Nitro has instrumented it.
const MAX_NITRO_OPS: usize = 65_536;
/// Operators of Nitro's entry check (compare, trap, subtract).
const NITRO_ENTRY_OPS: usize = 12;
/// Operators of Nitro's release of the stack units, in front of every `return`.
const NITRO_RELEASE_OPS: usize = 4;
/// Operators Nitro adds in front of a `memory.grow` to pay for it.
const NITRO_GROW_OPS: usize = 4;
/// Operators of Nitro's charge of a basic block.
const CHARGE_OPS: usize = 12;

/// An operator of a metered body.
enum Item<'a> {
    /// An input operator and its encoding, copied unchanged to the output.
    Input(Operator<'a>, &'a [u8]),
    /// An operator the meter added.
    Added(Added),
    /// A basic block's charge of this much ink: Nitro's operators ([`block_charge`]) in the
    /// model, a shorter equivalent ([`emit_charge`]) in the output.
    Charge(u64),
}

/// The operators of an [`Item`] in Nitro's instrumented form.
enum Operators<'a> {
    /// An input or added operator.
    One(Option<Operator<'a>>),
    /// A block charge.
    Charge(std::array::IntoIter<Added, CHARGE_OPS>),
}

impl<'a> Iterator for Operators<'a> {
    type Item = Operator<'a>;

    fn next(&mut self) -> Option<Operator<'a>> {
        match self {
            Self::One(op) => op.take(),
            Self::Charge(ops) => ops.next().map(Added::operator),
        }
    }
}

impl<'a> Item<'a> {
    /// The operators Nitro's instrumented form has for this item, for the stack model.
    fn operators(&self, g: Globals) -> Operators<'a> {
        match self {
            Self::Input(op, _) => Operators::One(Some(op.clone())),
            Self::Added(added) => Operators::One(Some(added.operator())),
            Self::Charge(ink) => Operators::Charge(block_charge(g, *ink).into_iter()),
        }
    }

    /// How many operators Nitro's instrumented form has for this item.
    fn nitro_len(&self) -> usize {
        match self {
            Self::Charge(_) => CHARGE_OPS,
            _ => 1,
        }
    }

    /// Whether this is an input operator matching `test`.
    fn is_input(&self, test: fn(&Operator) -> bool) -> bool {
        matches!(self, Self::Input(op, _) if test(op))
    }
}

/// Indices of the globals instrumentation adds.
#[derive(Clone, Copy, Debug)]
pub(super) struct Globals {
    /// Ink left (`i64`, read as `u64`).
    pub(super) ink: u32,
    /// Status (`i32`).
    pub(super) status: u32,
    /// Scratch slot for the operand a charge has to move out of the way (`i32`).
    pub(super) scratch: u32,
    /// Stack units left (`i32`, read as `u32`).
    pub(super) stack: u32,
}

impl Globals {
    /// Number of globals instrumentation adds.
    pub(super) const COUNT: u32 = 4;

    /// The four globals, numbered from `first` in Nitro's order.
    pub(super) fn starting_at(first: u32) -> Self {
        Self {
            ink: first,
            status: first + 1,
            scratch: first + 2,
            stack: first + 3,
        }
    }
}

/// What every body of a module is instrumented with.
pub(super) struct FuncContext<'m> {
    /// Module signatures.
    pub(super) sigs: &'m Signatures,
    /// Added globals.
    pub(super) globals: Globals,
    /// Function index of `pay_for_memory_grow`, when memory can grow.
    pub(super) pay_func: Option<u32>,
}

/// Instruments the body of function `func`; `wasm` is the module the body was read from and
/// `exit` a block type with the function's results. Returns the body and the number of operators
/// Nitro's instrumented form of it has.
pub(super) fn instrument(
    ctx: &FuncContext,
    wasm: &[u8],
    func: u32,
    body: &FunctionBody,
    exit: EncBlockType,
) -> Result<(Function, usize), Rejection> {
    let mut locals = Vec::new();
    let mut local_count = 0_u32;
    for group in body.get_locals_reader()? {
        let (count, ty) = group?;
        local_count = local_count.saturating_add(count);
        locals.push((count, val_type(ty)?));
    }
    let mut reader = body.get_operators_reader()?;
    let mut ops: Vec<(Operator, u64)> = Vec::new();
    while !reader.eof() {
        ops.push(reader.read_with_offset()?);
    }
    // Each input operator's encoding runs up to the next one (the last to the body's end).
    let body_end = body.range().end;
    let mut inputs = Vec::with_capacity(ops.len());
    for index in 0..ops.len() {
        let start = ops[index].1;
        let stop = ops.get(index + 1).map_or(body_end, |next| next.1);
        let bytes = usize::try_from(start)
            .ok()
            .zip(usize::try_from(stop).ok())
            .and_then(|(start, stop)| wasm.get(start..stop))
            .ok_or(Rejection::MalformedBody(func))?;
        inputs.push((ops[index].0.clone(), bytes));
    }

    let metered = meter(inputs, ctx, func)?;
    let units = depth::frame_units(
        metered.iter().flat_map(|item| item.operators(ctx.globals)),
        local_count,
        ctx.sigs,
        func,
    )?;
    let nitro_ops = nitro_op_count(&metered, ctx.pay_func.is_some(), func)?;
    // The output's two extra locals, after the parameters and the declared locals.
    let params = ctx.sigs.of_func(func)?.params().len() as u32;
    let scratch = Scratch {
        ink: params.saturating_add(local_count),
        depth: params.saturating_add(local_count).saturating_add(1),
    };
    locals.push((1, wasm_encoder::ValType::I64));
    locals.push((1, wasm_encoder::ValType::I32));
    Ok((emit(metered, locals, units, scratch, ctx, exit), nitro_ops))
}

/// Nitro's Meter and DynamicMeter applied to the input operators.
fn meter<'a>(
    inputs: Vec<(Operator<'a>, &'a [u8])>,
    ctx: &FuncContext,
    func: u32,
) -> Result<Vec<Item<'a>>, Rejection> {
    let mut out = Vec::with_capacity(inputs.len() * 2);
    let mut block = Vec::new();
    let mut ink = 0_u64;
    for (op, bytes) in inputs {
        ink = ink.saturating_add(op_ink(&op, ctx.sigs)?);
        let ends = ends_basic_block(&op);
        block.push((op, bytes));
        if ends {
            out.push(Item::Charge(ink.saturating_add(HEADER_INK)));
            for (op, bytes) in block.drain(..) {
                if let Some(per_byte) = per_byte_ink(&op, func)? {
                    out.extend(byte_charge(ctx.globals, per_byte).map(Item::Added));
                }
                out.push(Item::Input(op, bytes));
            }
            ink = 0;
        }
    }
    if !block.is_empty() {
        return Err(Rejection::MalformedBody(func));
    }
    Ok(out)
}

/// The per-byte price of a bulk-memory operator, or a refusal for the ones Nitro rejects.
fn per_byte_ink(op: &Operator, func: u32) -> Result<Option<u64>, Rejection> {
    use Operator as O;
    match op {
        O::MemoryFill { .. } => Ok(Some(FILL_INK_PER_BYTE)),
        O::MemoryCopy { .. } => Ok(Some(COPY_INK_PER_BYTE)),
        O::MemoryInit { .. }
        | O::DataDrop { .. }
        | O::ElemDrop { .. }
        | O::TableInit { .. }
        | O::TableCopy { .. }
        | O::TableFill { .. }
        | O::TableGet { .. }
        | O::TableSet { .. }
        | O::TableGrow { .. }
        | O::TableSize { .. } => Err(Rejection::UnsupportedOpcode {
            func,
            op: format!("{op:?}"),
        }),
        _ => Ok(None),
    }
}

/// Charge of a basic block, as Nitro writes it: trap with status 1 when fewer than `ink` are
/// left, else subtract.
fn block_charge(g: Globals, ink: u64) -> [Added; CHARGE_OPS] {
    // Bit pattern of the u64 price; the comparison is unsigned.
    let price = Added::I64Const(ink as i64);
    [
        Added::GlobalGet(g.ink),
        price,
        Added::I64LtU,
        Added::If,
        Added::I32Const(STATUS_OUT_OF_INK),
        Added::GlobalSet(g.status),
        Added::Unreachable,
        Added::End,
        Added::GlobalGet(g.ink),
        price,
        Added::I64Sub,
        Added::GlobalSet(g.ink),
    ]
}

/// Charge of `per_byte` ink for each byte of the length on top of the stack: the length is set
/// aside, the product subtracted, and a wrap-around (the old ink below the new) traps with
/// status 1; then the length is put back.
fn byte_charge(g: Globals, per_byte: u64) -> [Added; 17] {
    [
        Added::GlobalSet(g.scratch),
        Added::GlobalGet(g.ink),
        Added::GlobalGet(g.ink),
        Added::GlobalGet(g.scratch),
        Added::I64ExtendI32U,
        Added::I64Const(per_byte as i64),
        Added::I64Mul,
        Added::I64Sub,
        Added::GlobalSet(g.ink),
        Added::GlobalGet(g.ink),
        Added::I64LtU,
        Added::If,
        Added::I32Const(STATUS_OUT_OF_INK),
        Added::GlobalSet(g.status),
        Added::Unreachable,
        Added::End,
        Added::GlobalGet(g.scratch),
    ]
}

/// Operators of a body's Nitro-instrumented form (metered ops, entry check, a trailing `return`,
/// a release before every `return`, the grow payments); refuses one beyond Nitro's op limit.
fn nitro_op_count(metered: &[Item], pays: bool, func: u32) -> Result<usize, Rejection> {
    let count_of = |test| metered.iter().filter(|item| item.is_input(test)).count();
    let returns = count_of(|op| matches!(op, Operator::Return)) + 1;
    let grows = if pays {
        count_of(|op| matches!(op, Operator::MemoryGrow { .. }))
    } else {
        0
    };
    let metered_ops: usize = metered.iter().map(Item::nitro_len).sum();
    let count =
        metered_ops + NITRO_ENTRY_OPS + 1 + NITRO_RELEASE_OPS * returns + NITRO_GROW_OPS * grows;
    if count > MAX_NITRO_OPS {
        return Err(Rejection::TooManyOps {
            func,
            count,
            limit: MAX_NITRO_OPS,
        });
    }
    Ok(count)
}

/// The locals the emitted body adds.
#[derive(Clone, Copy)]
struct Scratch {
    /// i64: a block charge's difference.
    ink: u32,
    /// i32: the stack units left when the function was entered.
    depth: u32,
}

/// Writes the final body: reserve `units`, run the metered body inside a block typed `exit`
/// (so that a branch to the function's label lands before the release), release, return.
fn emit(
    metered: Vec<Item>,
    locals: Vec<(u32, wasm_encoder::ValType)>,
    units: u32,
    scratch: Scratch,
    ctx: &FuncContext,
    exit: EncBlockType,
) -> Function {
    let mut f = Function::new(locals);
    let g = ctx.globals;
    // Units fit i32: depth::frame_units caps them at 10 Ki.
    let units = units as i32;
    f.instructions()
        .global_get(g.stack)
        .local_tee(scratch.depth)
        .i32_const(units)
        .i32_le_u()
        .if_(EncBlockType::Empty)
        .i32_const(STATUS_OUT_OF_STACK)
        .global_set(g.status)
        .i32_const(0)
        .global_set(g.stack)
        .unreachable()
        .end()
        .local_get(scratch.depth)
        .i32_const(units)
        .i32_sub()
        .global_set(g.stack)
        .block(exit);

    let body_len = metered.len().saturating_sub(1); // the last operator is the body's `end`
    for item in metered.into_iter().take(body_len) {
        match item {
            Item::Added(added) => {
                f.instruction(&added.instruction());
            }
            Item::Charge(ink) => emit_charge(&mut f, g, scratch.ink, ink),
            Item::Input(op, bytes) => {
                match (op, ctx.pay_func) {
                    (Operator::Return, _) => release(&mut f, g, scratch),
                    (Operator::MemoryGrow { .. }, Some(pay)) => {
                        f.instructions()
                            .global_set(g.scratch)
                            .global_get(g.scratch)
                            .global_get(g.scratch)
                            .call(pay);
                    }
                    _ => {}
                }
                f.raw(bytes.iter().copied());
            }
        }
    }
    f.instructions().end();
    release(&mut f, g, scratch);
    f.instructions().end();
    f
}

/// A block charge with one read of the ink global instead of Nitro's two: the difference is
/// computed first into the local `ink_copy`, and it wrapped (it exceeds `u64::MAX - price`)
/// exactly when fewer than `price` were left. The trap point, the status and the ink left are
/// the same as [`block_charge`]'s: the global is written only when no trap is taken.
fn emit_charge(f: &mut Function, g: Globals, ink_copy: u32, ink: u64) {
    // Bit patterns of u64s; the comparison is unsigned.
    f.instructions()
        .global_get(g.ink)
        .i64_const(ink as i64)
        .i64_sub()
        .local_tee(ink_copy)
        .i64_const((u64::MAX - ink) as i64)
        .i64_gt_u()
        .if_(EncBlockType::Empty)
        .i32_const(STATUS_OUT_OF_INK)
        .global_set(g.status)
        .unreachable()
        .end()
        .local_get(ink_copy)
        .global_set(g.ink);
}

/// Gives the frame's stack units back by restoring what was left on entry: every callee has
/// given back what it took by the time the function leaves (a trap leaves no function), so
/// this is the global plus the units, without reading the global.
fn release(f: &mut Function, g: Globals, scratch: Scratch) {
    f.instructions()
        .local_get(scratch.depth)
        .global_set(g.stack);
}
