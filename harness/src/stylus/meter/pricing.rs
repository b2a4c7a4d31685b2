//! Ink prices of Stylus versions 1 and 2 (Nitro's `pricing_v1` table) and the operators that
//! close a metered basic block.

use wasmparser::Operator;

use super::error::Rejection;
use super::module::Signatures;

/// Ink every basic block pays on top of its operators, for checking and updating the counter.
pub(super) const HEADER_INK: u64 = 2_450;
/// Extra ink per byte written by `memory.fill` (800 ink per 8 bytes).
pub(super) const FILL_INK_PER_BYTE: u64 = 100;
/// Extra ink per byte moved by `memory.copy` (800 ink per 8 bytes).
pub(super) const COPY_INK_PER_BYTE: u64 = 100;

/// Whether `op` is the last operator of a basic block: control flow that may leave or enter
/// straight-line code. `block` does not end one (its start is no branch target); `loop` does.
pub(super) fn ends_basic_block(op: &Operator) -> bool {
    use Operator as O;
    matches!(
        op,
        O::End
            | O::Else
            | O::Return
            | O::Loop { .. }
            | O::Br { .. }
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::If { .. }
            | O::Call { .. }
            | O::CallIndirect { .. }
    )
}

/// The ink `op` costs. Operators outside the table (floats, SIMD, atomics, reference types,
/// tables, exceptions, …) cost `u64::MAX`: a block containing one can never be paid for.
pub(super) fn op_ink(op: &Operator, sigs: &Signatures) -> Result<u64, Rejection> {
    use Operator as O;
    let ink = match op {
        O::Unreachable | O::Return | O::Nop | O::I32Const { .. } | O::I64Const { .. } => 1,
        O::Block { .. } | O::Loop { .. } | O::Else | O::End => 1,
        O::Drop => 9,
        O::Br { .. } | O::BrIf { .. } | O::If { .. } => 765,
        O::Select => 1_250,
        O::Call { .. } => 3_800,
        O::LocalGet { .. } | O::LocalTee { .. } => 75,
        O::LocalSet { .. } => 210,
        O::GlobalGet { .. } => 225,
        O::GlobalSet { .. } => 575,
        O::I32Load { .. }
        | O::I32Load8S { .. }
        | O::I32Load8U { .. }
        | O::I32Load16S { .. }
        | O::I32Load16U { .. } => 670,
        O::I64Load { .. }
        | O::I64Load8S { .. }
        | O::I64Load8U { .. }
        | O::I64Load16S { .. }
        | O::I64Load16U { .. }
        | O::I64Load32S { .. }
        | O::I64Load32U { .. } => 680,
        O::I32Store { .. } | O::I32Store8 { .. } | O::I32Store16 { .. } => 825,
        O::I64Store { .. } | O::I64Store8 { .. } | O::I64Store16 { .. } | O::I64Store32 { .. } => {
            950
        }
        O::MemorySize { .. } => 3_000,
        O::MemoryGrow { .. } => 8_050,
        O::I32Eqz
        | O::I32Eq
        | O::I32Ne
        | O::I32LtS
        | O::I32LtU
        | O::I32GtS
        | O::I32GtU
        | O::I32LeS
        | O::I32LeU
        | O::I32GeS
        | O::I32GeU => 170,
        O::I64Eqz
        | O::I64Eq
        | O::I64Ne
        | O::I64LtS
        | O::I64LtU
        | O::I64GtS
        | O::I64GtU
        | O::I64LeS
        | O::I64LeU
        | O::I64GeS
        | O::I64GeU => 225,
        O::I32Clz | O::I32Ctz | O::I64Clz | O::I64Ctz => 210,
        O::I32Add | O::I32Sub => 70,
        O::I32Mul | O::I64Mul => 160,
        O::I32DivS | O::I32DivU | O::I32RemS | O::I32RemU => 1_120,
        O::I32And
        | O::I32Or
        | O::I32Xor
        | O::I32Shl
        | O::I32ShrS
        | O::I32ShrU
        | O::I32Rotl
        | O::I32Rotr => 70,
        O::I64Add | O::I64Sub => 100,
        O::I64DivS | O::I64DivU | O::I64RemS | O::I64RemU => 1_270,
        O::I64And
        | O::I64Or
        | O::I64Xor
        | O::I64Shl
        | O::I64ShrS
        | O::I64ShrU
        | O::I64Rotl
        | O::I64Rotr => 100,
        O::I32Popcnt => 2_650,
        O::I64Popcnt => 6_000,
        O::I32WrapI64 | O::I64ExtendI32S | O::I64ExtendI32U => 100,
        O::I32Extend8S | O::I32Extend16S | O::I64Extend8S | O::I64Extend16S | O::I64Extend32S => {
            100
        }
        O::MemoryCopy { .. } | O::MemoryFill { .. } => 950,
        O::BrTable { targets } => 2_400 + 325 * u64::from(targets.len()),
        O::CallIndirect { type_index, .. } => {
            let params = sigs.of_type(*type_index)?.params().len();
            13_610 + 650 * params as u64
        }
        _ => u64::MAX,
    };
    Ok(ink)
}
