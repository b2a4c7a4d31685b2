//! The operators instrumentation adds inside a metered body, in the two forms it needs: as
//! wasmparser operators for the stack model and as wasm-encoder instructions for the output.

use wasm_encoder::{BlockType as EncBlockType, Instruction};
use wasmparser::{BlockType, Operator};

/// An operator instrumentation adds to a metered body.
#[derive(Clone, Copy, Debug)]
pub(super) enum Added {
    /// `global.get`.
    GlobalGet(u32),
    /// `global.set`.
    GlobalSet(u32),
    /// `i32.const`.
    I32Const(i32),
    /// `i64.const`.
    I64Const(i64),
    /// `i64.lt_u`.
    I64LtU,
    /// `i64.sub`.
    I64Sub,
    /// `i64.mul`.
    I64Mul,
    /// `i64.extend_i32_u`.
    I64ExtendI32U,
    /// `if` without results.
    If,
    /// `unreachable`.
    Unreachable,
    /// `end`.
    End,
}

impl Added {
    /// As a wasmparser operator.
    pub(super) fn operator(self) -> Operator<'static> {
        match self {
            Self::GlobalGet(global_index) => Operator::GlobalGet { global_index },
            Self::GlobalSet(global_index) => Operator::GlobalSet { global_index },
            Self::I32Const(value) => Operator::I32Const { value },
            Self::I64Const(value) => Operator::I64Const { value },
            Self::I64LtU => Operator::I64LtU,
            Self::I64Sub => Operator::I64Sub,
            Self::I64Mul => Operator::I64Mul,
            Self::I64ExtendI32U => Operator::I64ExtendI32U,
            Self::If => Operator::If {
                blockty: BlockType::Empty,
            },
            Self::Unreachable => Operator::Unreachable,
            Self::End => Operator::End,
        }
    }

    /// As a wasm-encoder instruction.
    pub(super) fn instruction(self) -> Instruction<'static> {
        match self {
            Self::GlobalGet(index) => Instruction::GlobalGet(index),
            Self::GlobalSet(index) => Instruction::GlobalSet(index),
            Self::I32Const(value) => Instruction::I32Const(value),
            Self::I64Const(value) => Instruction::I64Const(value),
            Self::I64LtU => Instruction::I64LtU,
            Self::I64Sub => Instruction::I64Sub,
            Self::I64Mul => Instruction::I64Mul,
            Self::I64ExtendI32U => Instruction::I64ExtendI32U,
            Self::If => Instruction::If(EncBlockType::Empty),
            Self::Unreachable => Instruction::Unreachable,
            Self::End => Instruction::End,
        }
    }
}
