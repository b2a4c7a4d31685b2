//! Transactions under a revm [`Inspector`] (`debug_traceTransaction`): EVM frames are stepped
//! with the inspector's `step` hooks as revm does it; Stylus frames report their start and end
//! through `call` / `call_end` and their logs through `log` like any frame, so call tracers see
//! the whole tree; a [`StylusInspector`] that asks for it also gets each program's host I/O.
//!
//! Untraced execution ([`StylusEvm::transact`]) does not go through this module.

use revm::{
    context::{ContextTr, FrameStack, JournalTr, TxEnv, result::ExecutionResult},
    handler::{
        EthFrame, EvmTr, FrameInitOrResult, FrameResult, Handler, ItemOrResult,
        evm::{ContextDbError, FrameInitResult},
    },
    inspector::{
        Inspector, InspectorEvmTr, InspectorFrame, InspectorHandler, handler::frame_end,
        inspect_instructions,
    },
    interpreter::{FrameInput, interpreter::EthInterpreter, interpreter_action::FrameInit},
};
use revm_inspectors::tracing::TracingInspector;

use super::{
    arbos::ArbOs,
    frame::Frame,
    machine::{Ctx, Instructions, StylusEvm, TxError, process_eth_action},
};
use crate::stylus::hostio::HostioRecord;

/// An inspector of harness transactions.
pub trait StylusInspector: Inspector<Ctx> {
    /// Whether programs record their host I/O for [`StylusInspector::hostio`] (off by default:
    /// recording costs time).
    fn records_hostios(&self) -> bool {
        false
    }

    /// A hostio of the program in the innermost running frame, in the order it was made. A call
    /// or create hostio comes after the frame it opened has ended.
    fn hostio(&mut self, record: HostioRecord) {
        let _ = record;
    }
}

impl StylusInspector for TracingInspector {}

impl InspectorFrame for Frame {
    type IT = EthInterpreter;

    fn eth_frame(&mut self) -> Option<&mut EthFrame<EthInterpreter>> {
        match self.stylus {
            Some(_) => None,
            None => Some(&mut self.eth),
        }
    }
}

impl StylusEvm {
    /// Executes `tx` on the current state under `inspector`, without committing; the state
    /// changes come back.
    pub fn inspect<I: StylusInspector>(
        &mut self,
        tx: TxEnv,
        inspector: &mut I,
    ) -> Result<revm::context::result::ExecResultAndState<ExecutionResult>, TxError> {
        let record_hostios = inspector.records_hostios();
        self.execute(tx, record_hostios, |evm| {
            InspectingHandler::default().inspect_run(&mut Inspecting { evm, inspector })
        })
    }
}

/// The harness EVM with an inspector attached for one transaction.
struct Inspecting<'a, I> {
    evm: &'a mut StylusEvm,
    inspector: &'a mut I,
}

/// revm's mainnet handler, run through its inspecting entry points.
struct InspectingHandler<'a, I>(std::marker::PhantomData<&'a mut I>);

impl<I> Default for InspectingHandler<'_, I> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'a, I: StylusInspector> Handler for InspectingHandler<'a, I> {
    type Evm = Inspecting<'a, I>;
    type Error = TxError;
    type HaltReason = revm::context::result::HaltReason;
}

impl<'a, I: StylusInspector> InspectorHandler for InspectingHandler<'a, I> {
    type IT = EthInterpreter;
}

impl<I: StylusInspector> EvmTr for Inspecting<'_, I> {
    type Context = Ctx;
    type Instructions = Instructions;
    type Precompiles = ArbOs;
    type Frame = Frame;

    fn all(&self) -> (&Ctx, &Instructions, &ArbOs, &FrameStack<Frame>) {
        self.evm.all()
    }

    fn all_mut(
        &mut self,
    ) -> (
        &mut Ctx,
        &mut Instructions,
        &mut ArbOs,
        &mut FrameStack<Frame>,
    ) {
        self.evm.all_mut()
    }

    fn frame_init(
        &mut self,
        init: FrameInit,
    ) -> Result<FrameInitResult<'_, Frame>, ContextDbError<Ctx>> {
        self.evm.frame_init(init)
    }

    fn frame_run(&mut self) -> Result<FrameInitOrResult<Frame>, ContextDbError<Ctx>> {
        self.evm.frame_run()
    }

    fn frame_return_result(
        &mut self,
        result: FrameResult,
    ) -> Result<Option<FrameResult>, ContextDbError<Ctx>> {
        self.evm.frame_return_result(result)
    }
}

impl<I: StylusInspector> InspectorEvmTr for Inspecting<'_, I> {
    type Inspector = I;

    fn all_inspector(&self) -> (&Ctx, &Instructions, &ArbOs, &FrameStack<Frame>, &I) {
        let (ctx, instructions, arbos, frames) = self.evm.all();
        (ctx, instructions, arbos, frames, self.inspector)
    }

    fn all_mut_inspector(
        &mut self,
    ) -> (
        &mut Ctx,
        &mut Instructions,
        &mut ArbOs,
        &mut FrameStack<Frame>,
        &mut I,
    ) {
        let (ctx, instructions, arbos, frames) = self.evm.all_mut();
        (ctx, instructions, arbos, frames, self.inspector)
    }

    /// Runs the top frame. An EVM frame steps under the inspector with the same EIP-3541
    /// exemption as [`StylusEvm`]; a Stylus frame runs as it does untraced, then its logs,
    /// hostios and (when it finished) its end go to the inspector.
    fn inspect_frame_run(&mut self) -> Result<FrameInitOrResult<Frame>, ContextDbError<Ctx>> {
        let inspector = &mut *self.inspector;
        let (ctx, instructions, _, frames) = self.evm.all_mut();
        let frame = frames.get();
        if frame.stylus.is_none() {
            let action = inspect_instructions(
                ctx,
                &mut frame.eth.interpreter,
                &mut *inspector,
                instructions.instruction_table(),
                instructions.gas_table(),
            );
            let mut next = process_eth_action(ctx, &mut frame.eth, action);
            if let Ok(ItemOrResult::Result(result)) = &mut next {
                frame_end(ctx, inspector, &frame.eth.input, result);
            }
            return next;
        }

        let logs_before = ctx.journal().logs().len();
        let mut next = self.evm.frame_run();
        let inspector = &mut *self.inspector;
        let (ctx, _, _, frames) = self.evm.all_mut();
        let stylus = frames
            .get()
            .stylus
            .as_mut()
            .expect("the frame that ran is a Stylus frame");
        // A frame that reverted has dropped its logs from the journal: they are not reported.
        let logs = ctx.journal().logs().get(logs_before..).map(<[_]>::to_vec);
        for log in logs.unwrap_or_default() {
            inspector.log(ctx, log);
        }
        for record in stylus.take_hostios() {
            inspector.hostio(record);
        }
        if let Ok(ItemOrResult::Result(result)) = &mut next {
            let input = FrameInput::Call(Box::new(stylus.inputs().clone()));
            frame_end(ctx, inspector, &input, result);
        }
        next
    }
}
