//! A frame that runs a Stylus program: entry costs, the request loop, suspension for child
//! frames, and the outcome mapped to revm's results.

use alloy_primitives::{Bytes, U256};
use revm::{
    context::{Cfg, ContextTr, JournalTr},
    context_interface::{host::Host, journaled_state::JournalCheckpoint},
    handler::{FrameResult, ItemOrResult},
    interpreter::{
        CallInputs, CallOutcome, CallValue, Gas, InstructionResult, InterpreterResult,
        SharedMemory, interpreter::num_words, interpreter_action::FrameInit,
    },
    primitives::CALL_STACK_LIMIT,
};

use super::{
    arbos::ArbOs,
    arbwasm,
    bridge::{self, Answer, Caller, PendingChild},
    machine::{Ctx, TxScope},
};
use crate::{
    artifact,
    stylus::{
        api::{EvmData, Outcome, Response, Step},
        hostio::HostioRecord,
        invocation::Invocation,
        memory::MemoryModel,
    },
};

/// What the frame does on its next run.
enum Next {
    /// Handle this step of the program.
    Step(Step),
    /// Resume the program with this response.
    Resume(Response),
}

/// A suspended Stylus invocation and the bookkeeping of its frame.
pub(super) struct StylusFrame {
    inputs: Box<CallInputs>,
    depth: usize,
    checkpoint: JournalCheckpoint,
    memory: SharedMemory,
    invocation: Invocation,
    next: Option<Next>,
    child: Option<PendingChild>,
    /// The transaction's open pages when the frame started, restored when it ends.
    saved_open_pages: u16,
    refund: i64,
}

/// An immediate result for a call that never ran.
fn early(inputs: &CallInputs, result: InstructionResult, gas: Gas) -> FrameResult {
    FrameResult::Call(CallOutcome::new(
        InterpreterResult {
            result,
            output: Bytes::new(),
            gas,
        },
        inputs.return_memory_offset.clone(),
    ))
}

impl StylusFrame {
    /// Starts the program for `inputs`: depth check, value transfer, activation check, entry
    /// costs (memory footprint and init gas), then the program runs to its first request.
    pub(super) fn init(
        ctx: &mut Ctx,
        arbos: &mut ArbOs,
        tx: &mut TxScope,
        depth: usize,
        memory: SharedMemory,
        inputs: Box<CallInputs>,
        reentrant: bool,
    ) -> ItemOrResult<Box<Self>, FrameResult> {
        let limit = inputs.gas_limit;
        if depth > CALL_STACK_LIMIT as usize {
            return ItemOrResult::Result(early(
                &inputs,
                InstructionResult::CallTooDeep,
                Gas::new(limit),
            ));
        }
        let checkpoint = ctx.journal_mut().checkpoint();
        if let CallValue::Transfer(value) = inputs.value
            && let Some(e) =
                ctx.journal_mut()
                    .transfer_loaded(inputs.caller, inputs.target_address, value)
        {
            ctx.journal_mut().checkpoint_revert(checkpoint);
            return ItemOrResult::Result(early(&inputs, e.into(), Gas::new(limit)));
        }
        let spent = |ctx: &mut Ctx, result| {
            ctx.journal_mut().checkpoint_revert(checkpoint);
            let mut gas = Gas::new(limit);
            gas.spend_all();
            ItemOrResult::Result(early(&inputs, result, gas))
        };

        let (codehash, code) = (
            inputs.known_bytecode.0,
            inputs.known_bytecode.1.original_bytes(),
        );
        let Ok(record) = arbwasm::runnable(arbos, ctx, codehash) else {
            return spent(ctx, InstructionResult::NotActivated);
        };
        let max_wasm = arbos.params.max_wasm_size as usize;
        let Some(program) = arbos.program(codehash, || artifact::decompress(&code, max_wasm).ok())
        else {
            return spent(ctx, InstructionResult::NotActivated);
        };

        let saved_open_pages = tx.pages.open;
        let memory_gas = tx
            .pages
            .add_pages(&MemoryModel::from(&arbos.params), record.footprint);
        let entry = memory_gas + record.entry_gas(&arbos.params);
        if entry > limit {
            tx.pages.open = saved_open_pages;
            return spent(ctx, InstructionResult::OutOfGas);
        }

        let data = EvmData {
            block_basefee: U256::from(ctx.block.basefee),
            chain_id: ctx.cfg.chain_id,
            block_coinbase: ctx.block.beneficiary,
            block_gas_limit: ctx.block.gas_limit,
            block_number: ctx.block.number.saturating_to(),
            block_timestamp: ctx.block.timestamp.saturating_to(),
            contract_address: inputs.target_address,
            module_hash: program.module_hash,
            msg_sender: inputs.caller,
            msg_value: inputs.value.get(),
            tx_gas_price: ctx.effective_gas_price(),
            tx_origin: ctx.tx.caller,
            reentrant,
            is_static: inputs.is_static,
        };
        let calldata = inputs.input.bytes(ctx).to_vec();
        let ink = arbos.params.gas_to_ink(limit - entry);
        let start = match tx.record_hostios {
            false => Invocation::start,
            true => Invocation::start_traced,
        };
        let (invocation, step) = start(&program, data, calldata, ink, &arbos.params);
        ItemOrResult::Item(Box::new(Self {
            inputs,
            depth,
            checkpoint,
            memory,
            invocation,
            next: Some(Next::Step(step)),
            child: None,
            saved_open_pages,
            refund: 0,
        }))
    }

    /// Runs the program until it needs a child frame or finishes.
    pub(super) fn run(
        &mut self,
        ctx: &mut Ctx,
        arbos: &ArbOs,
        tx: &mut TxScope,
    ) -> ItemOrResult<FrameInit, FrameResult> {
        loop {
            let step = match self
                .next
                .take()
                .expect("a suspended frame always has a next step")
            {
                Next::Step(step) => step,
                Next::Resume(response) => self.invocation.resume(response),
            };
            match step {
                Step::Request(request) => {
                    let mut from = Caller {
                        address: self.inputs.target_address,
                        sender: self.inputs.caller,
                        value: self.inputs.value.get(),
                        is_static: self.inputs.is_static,
                        depth: self.depth,
                        memory: &mut self.memory,
                    };
                    match bridge::answer(
                        ctx,
                        tx,
                        &arbos.params,
                        &mut from,
                        &mut self.refund,
                        request,
                    ) {
                        Answer::Now(response) => self.next = Some(Next::Resume(response)),
                        Answer::Child(init, pending) => {
                            self.child = Some(pending);
                            return ItemOrResult::Item(init);
                        }
                    }
                }
                Step::Finished { outcome, ink_left } => {
                    let gas_left = arbos.params.ink_to_gas(ink_left);
                    return ItemOrResult::Result(self.finish(ctx, tx, outcome, gas_left));
                }
            }
        }
    }

    /// The call that started the frame.
    pub(super) fn inputs(&self) -> &CallInputs {
        &self.inputs
    }

    /// The hostios the program made since the last call (none unless traced).
    pub(super) fn take_hostios(&mut self) -> Vec<HostioRecord> {
        self.invocation.take_hostios()
    }

    /// Takes a child frame's result; the program resumes with it on the next run.
    pub(super) fn child_returned(&mut self, result: FrameResult) {
        self.memory.free_child_context();
        let pending = self
            .child
            .take()
            .expect("a child result answers a pending call");
        self.next = Some(Next::Resume(bridge::child_response(
            pending,
            result,
            &mut self.refund,
        )));
    }

    /// Maps the program's outcome to a frame result (Nitro §3.9): success and revert keep the
    /// gas left; a failure reverts with no data; out of ink and out of stack take all gas. A
    /// successful return must have cost at least the EVM memory expansion of its data.
    fn finish(
        &mut self,
        ctx: &mut Ctx,
        tx: &mut TxScope,
        outcome: Outcome,
        gas_left: u64,
    ) -> FrameResult {
        tx.pages.open = self.saved_open_pages;
        let limit = self.inputs.gas_limit;
        let (result, output, gas_left) = match outcome {
            Outcome::Success(out) => {
                let floor = ctx.cfg().gas_params().memory_cost(num_words(out.len()));
                let used = limit - gas_left;
                if used >= floor {
                    (InstructionResult::Return, out, gas_left)
                } else if limit >= floor {
                    (InstructionResult::Return, out, limit - floor)
                } else {
                    (InstructionResult::OutOfGas, Vec::new(), 0)
                }
            }
            Outcome::Revert(out) => (InstructionResult::Revert, out, gas_left),
            Outcome::Failure(_) => (InstructionResult::Revert, Vec::new(), gas_left),
            Outcome::OutOfInk => (InstructionResult::OutOfGas, Vec::new(), 0),
            Outcome::OutOfStack => (InstructionResult::StackOverflow, Vec::new(), 0),
        };
        let mut gas = Gas::new(limit);
        gas.set_remaining(gas_left);
        if result.is_ok() {
            ctx.journal_mut().checkpoint_commit();
            gas.record_refund(self.refund);
        } else {
            ctx.journal_mut().checkpoint_revert(self.checkpoint);
        }
        FrameResult::Call(CallOutcome::new(
            InterpreterResult {
                result,
                output: Bytes::from(output),
                gas,
            },
            self.inputs.return_memory_offset.clone(),
        ))
    }
}
