//! The harness's frame: revm's `EthFrame` for EVM bytecode, or a [`StylusFrame`] for programs.

use alloy_primitives::Address;
use revm::{
    handler::{EthFrame, FrameData, FrameResult, FrameTr, ItemOrResult},
    interpreter::{FrameInput, interpreter::EthInterpreter, interpreter_action::FrameInit},
};

use super::stylus_frame::StylusFrame;

/// One entry of revm's frame stack.
pub struct Frame {
    pub(super) eth: EthFrame<EthInterpreter>,
    pub(super) stylus: Option<Box<StylusFrame>>,
    pub(super) stylus_finished: bool,
    /// The address this frame counts as open for `msg_reentrant` (non-delegate frames only).
    pub(super) counted: Option<Address>,
}

impl FrameTr for Frame {
    type FrameResult = FrameResult;
    type FrameInit = FrameInit;
}

impl Default for Frame {
    /// A fresh slot for revm's frame-stack pool.
    fn default() -> Self {
        Self {
            eth: EthFrame::invalid(),
            stylus: None,
            stylus_finished: false,
            counted: None,
        }
    }
}

impl Frame {
    /// Forgets whatever a previous use of this pooled slot left behind.
    pub(super) fn reset(&mut self) {
        self.stylus = None;
        self.stylus_finished = false;
        self.counted = None;
    }

    /// Whether the frame has produced its result.
    pub(super) fn is_finished(&self) -> bool {
        match self.stylus {
            Some(_) => self.stylus_finished,
            None => self.eth.is_finished(),
        }
    }

    /// The address an initialised EVM frame acts for, if it counts toward reentrancy (Nitro
    /// counts every frame except DELEGATECALL/CALLCODE ones).
    pub(super) fn eth_counted_address(&self) -> Option<Address> {
        match (&self.eth.data, &self.eth.input) {
            (FrameData::Create(create), _) => Some(create.created_address),
            (FrameData::Call(_), FrameInput::Call(inputs)) if counts(inputs.scheme) => {
                Some(inputs.target_address)
            }
            _ => None,
        }
    }
}

/// Whether a call scheme opens a frame of the callee's own (as opposed to borrowing the caller's).
pub(super) fn counts(scheme: revm::interpreter::CallScheme) -> bool {
    use revm::interpreter::CallScheme::*;
    matches!(scheme, Call | StaticCall)
}

/// `ItemOrResult` with the item dropped.
pub(super) fn unit<T, R>(r: ItemOrResult<T, R>) -> ItemOrResult<(), R> {
    match r {
        ItemOrResult::Item(_) => ItemOrResult::Item(()),
        ItemOrResult::Result(r) => ItemOrResult::Result(r),
    }
}
