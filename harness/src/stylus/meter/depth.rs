//! Stack units of a function frame, as Nitro's `DepthChecker` counts them.
//!
//! The count is a deliberately simple model, not wasm's exact typing: walking the operators
//! (after the meter's and the dynamic meter's insertions), every value-producing operator
//! raises a height and every consuming one lowers it (never below zero); a call first raises by
//! its results and then lowers by its parameters; a block with a result pre-allocates its slot;
//! `else` and `end` restore the height at the block's start. The frame costs the highest height
//! reached, plus the declared locals (parameters are not counted), plus 4.

use wasmparser::{BlockType, FuncType, Operator};

use super::error::Rejection;
use super::module::Signatures;

/// Largest frame, in stack units (Nitro's `max_frame_size`, 10 Ki words).
const MAX_FRAME_UNITS: u32 = 10 * 1024;
/// Highest operand stack allowed (Nitro's `max_frame_contention`).
const MAX_CONTENTION: u32 = 4_096;
/// Units every frame pays on top of its values and locals.
const FRAME_OVERHEAD: u32 = 4;

/// Operand heights of the model, with the block starts to restore.
struct Heights {
    /// Current height.
    now: u32,
    /// Highest height seen.
    worst: u32,
    /// Height at the start of each open block (the function body is the first).
    scopes: Vec<u32>,
}

impl Heights {
    /// Raises the height by `count`.
    fn push(&mut self, count: usize) {
        self.now = self.now.saturating_add(count as u32);
        self.worst = self.worst.max(self.now);
    }

    /// Lowers the height by `count`, stopping at zero.
    fn pop(&mut self, count: usize) {
        self.now = self.now.saturating_sub(count as u32);
    }

    /// A call-like effect: results first, then parameters.
    fn call(&mut self, ty: &FuncType) {
        self.push(ty.results().len());
        self.pop(ty.params().len());
    }

    /// Enters a block, counting its type's slots first.
    fn enter(&mut self, ty: &BlockType, sigs: &Signatures) -> Result<(), Rejection> {
        match ty {
            BlockType::Empty => {}
            BlockType::Type(_) => self.push(1),
            BlockType::FuncType(index) => self.call(sigs.of_type(*index)?),
        }
        self.scopes.push(self.now);
        Ok(())
    }
}

/// Stack units function `func` reserves on entry; `ops` is its body after metering, `locals`
/// the number of declared locals.
pub(super) fn frame_units<'a>(
    ops: impl Iterator<Item = Operator<'a>>,
    locals: u32,
    sigs: &Signatures,
    func: u32,
) -> Result<u32, Rejection> {
    use Operator as O;
    let mut h = Heights {
        now: 0,
        worst: 0,
        scopes: vec![0],
    };
    let malformed = || Rejection::MalformedBody(func);
    for op in ops {
        match &op {
            O::Block { blockty } | O::Loop { blockty } => h.enter(blockty, sigs)?,
            O::If { blockty } => {
                h.pop(1);
                h.enter(blockty, sigs)?;
            }
            O::Else => h.now = *h.scopes.last().ok_or_else(malformed)?,
            O::End => h.now = h.scopes.pop().ok_or_else(malformed)?,
            O::Call { function_index } => h.call(sigs.of_func(*function_index)?),
            O::CallIndirect { type_index, .. } => {
                h.call(sigs.of_type(*type_index)?);
                h.pop(1);
            }
            O::MemoryFill { .. } | O::MemoryCopy { .. } => h.pop(3),
            O::LocalGet { .. }
            | O::GlobalGet { .. }
            | O::MemorySize { .. }
            | O::I32Const { .. }
            | O::I64Const { .. }
            | O::F32Const { .. }
            | O::F64Const { .. } => h.push(1),
            O::Select
            | O::I32Store { .. }
            | O::I64Store { .. }
            | O::F32Store { .. }
            | O::F64Store { .. }
            | O::I32Store8 { .. }
            | O::I32Store16 { .. }
            | O::I64Store8 { .. }
            | O::I64Store16 { .. }
            | O::I64Store32 { .. } => h.pop(2),
            O::Drop
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::LocalSet { .. }
            | O::GlobalSet { .. } => h.pop(1),
            op if is_binary(op) => h.pop(1),
            op if is_neutral(op) => {}
            op => {
                return Err(Rejection::UnsupportedOpcode {
                    func,
                    op: format!("{op:?}"),
                });
            }
        }
    }
    if !h.scopes.is_empty() {
        return Err(malformed());
    }
    if h.worst > MAX_CONTENTION {
        return Err(Rejection::StackContention {
            func,
            worst: h.worst,
            limit: MAX_CONTENTION,
        });
    }
    let units = h
        .worst
        .saturating_add(locals)
        .saturating_add(FRAME_OVERHEAD);
    if units > MAX_FRAME_UNITS {
        return Err(Rejection::FrameTooLarge {
            func,
            units,
            limit: MAX_FRAME_UNITS,
        });
    }
    Ok(units)
}

/// Two operands in, one out: comparisons and arithmetic.
fn is_binary(op: &Operator) -> bool {
    use Operator as O;
    matches!(
        op,
        O::I32Eq
            | O::I32Ne
            | O::I32LtS
            | O::I32LtU
            | O::I32GtS
            | O::I32GtU
            | O::I32LeS
            | O::I32LeU
            | O::I32GeS
            | O::I32GeU
            | O::I64Eq
            | O::I64Ne
            | O::I64LtS
            | O::I64LtU
            | O::I64GtS
            | O::I64GtU
            | O::I64LeS
            | O::I64LeU
            | O::I64GeS
            | O::I64GeU
            | O::F32Eq
            | O::F32Ne
            | O::F32Lt
            | O::F32Gt
            | O::F32Le
            | O::F32Ge
            | O::F64Eq
            | O::F64Ne
            | O::F64Lt
            | O::F64Gt
            | O::F64Le
            | O::F64Ge
            | O::I32Add
            | O::I32Sub
            | O::I32Mul
            | O::I32DivS
            | O::I32DivU
            | O::I32RemS
            | O::I32RemU
            | O::I32And
            | O::I32Or
            | O::I32Xor
            | O::I32Shl
            | O::I32ShrS
            | O::I32ShrU
            | O::I32Rotl
            | O::I32Rotr
            | O::I64Add
            | O::I64Sub
            | O::I64Mul
            | O::I64DivS
            | O::I64DivU
            | O::I64RemS
            | O::I64RemU
            | O::I64And
            | O::I64Or
            | O::I64Xor
            | O::I64Shl
            | O::I64ShrS
            | O::I64ShrU
            | O::I64Rotl
            | O::I64Rotr
            | O::F32Add
            | O::F32Sub
            | O::F32Mul
            | O::F32Div
            | O::F32Min
            | O::F32Max
            | O::F32Copysign
            | O::F64Add
            | O::F64Sub
            | O::F64Mul
            | O::F64Div
            | O::F64Min
            | O::F64Max
            | O::F64Copysign
    )
}

/// Operators the model treats as leaving the height unchanged: unary operators, loads,
/// conversions, `local.tee`, `memory.grow`, and the unconditional exits.
fn is_neutral(op: &Operator) -> bool {
    use Operator as O;
    matches!(
        op,
        O::Nop
            | O::Unreachable
            | O::Br { .. }
            | O::Return
            | O::LocalTee { .. }
            | O::MemoryGrow { .. }
            | O::I32Eqz
            | O::I64Eqz
            | O::I32Clz
            | O::I32Ctz
            | O::I32Popcnt
            | O::I64Clz
            | O::I64Ctz
            | O::I64Popcnt
            | O::I32Load { .. }
            | O::I64Load { .. }
            | O::F32Load { .. }
            | O::F64Load { .. }
            | O::I32Load8S { .. }
            | O::I32Load8U { .. }
            | O::I32Load16S { .. }
            | O::I32Load16U { .. }
            | O::I64Load8S { .. }
            | O::I64Load8U { .. }
            | O::I64Load16S { .. }
            | O::I64Load16U { .. }
            | O::I64Load32S { .. }
            | O::I64Load32U { .. }
            | O::I32WrapI64
            | O::I64ExtendI32S
            | O::I64ExtendI32U
            | O::I32Extend8S
            | O::I32Extend16S
            | O::I64Extend8S
            | O::I64Extend16S
            | O::I64Extend32S
            | O::F32Abs
            | O::F32Neg
            | O::F32Ceil
            | O::F32Floor
            | O::F32Trunc
            | O::F32Nearest
            | O::F32Sqrt
            | O::F64Abs
            | O::F64Neg
            | O::F64Ceil
            | O::F64Floor
            | O::F64Trunc
            | O::F64Nearest
            | O::F64Sqrt
            | O::I32TruncF32S
            | O::I32TruncF32U
            | O::I32TruncF64S
            | O::I32TruncF64U
            | O::I64TruncF32S
            | O::I64TruncF32U
            | O::I64TruncF64S
            | O::I64TruncF64U
            | O::F32ConvertI32S
            | O::F32ConvertI32U
            | O::F32ConvertI64S
            | O::F32ConvertI64U
            | O::F32DemoteF64
            | O::F64ConvertI32S
            | O::F64ConvertI32U
            | O::F64ConvertI64S
            | O::F64ConvertI64U
            | O::F64PromoteF32
            | O::I32ReinterpretF32
            | O::I64ReinterpretF64
            | O::F32ReinterpretI32
            | O::F64ReinterpretI64
            | O::I32TruncSatF32S
            | O::I32TruncSatF32U
            | O::I32TruncSatF64S
            | O::I32TruncSatF64U
            | O::I64TruncSatF32S
            | O::I64TruncSatF32U
            | O::I64TruncSatF64S
            | O::I64TruncSatF64U
    )
}
