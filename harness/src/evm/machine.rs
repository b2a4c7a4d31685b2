//! [`StylusEvm`]: revm's mainnet handler driving frames that are either EVM interpreters or
//! Stylus programs, with the per-transaction state Nitro keeps (open frames per address for
//! `msg_reentrant`, and the memory model's page counters).
#![allow(unsafe_code)]

use std::{convert::Infallible, sync::Arc};

use alloy_primitives::{Address, B256, U256, map::AddressMap};
use revm::{
    DatabaseRef, Journal,
    context::{
        BlockEnv, CfgEnv, Context, ContextTr, FrameStack, JournalTr, TxEnv,
        result::{EVMError, ExecResultAndState, ExecutionResult, InvalidTransaction},
    },
    database::{CacheDB, EmptyDB},
    handler::{
        EthFrame, EvmTr, FrameInitOrResult, FrameResult, Handler, ItemOrResult, MainnetHandler,
        PrecompileProvider,
        evm::{ContextDbError, FrameInitResult},
        instructions::EthInstructions,
    },
    interpreter::{
        FrameInput, InterpreterAction, interpreter::EthInterpreter, interpreter_action::FrameInit,
    },
    state::EvmState,
};

use super::{
    arbos::ArbOs,
    frame::{Frame, counts, unit},
    is_stylus_program,
    stylus_frame::StylusFrame,
};
use crate::stylus::memory::PageCounters;

/// The in-memory state database, over the pre-state it falls back to on a cache miss.
pub type Db = CacheDB<PreState>;

/// A read-only source of state a chain starts from, e.g. a fork of another node. It cannot fail:
/// a source that can (over a network) records its failures and reports them itself.
pub type PreStateSource = dyn DatabaseRef<Error = Infallible> + Send + Sync;

/// Where the state a [`Db`] has not cached comes from: nothing (a fresh chain, as revm's
/// `EmptyDB`) or a [`PreStateSource`].
#[derive(Clone, Default)]
pub struct PreState(Option<Arc<PreStateSource>>);

impl PreState {
    /// State read from `source` on a cache miss.
    pub fn from_source(source: Arc<PreStateSource>) -> Self {
        Self(Some(source))
    }
}

impl std::fmt::Debug for PreState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "PreState(source)"
        } else {
            "PreState(empty)"
        })
    }
}

impl DatabaseRef for PreState {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<revm::state::AccountInfo>, Infallible> {
        match &self.0 {
            Some(source) => source.basic_ref(address),
            None => EmptyDB::new().basic_ref(address),
        }
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<revm::state::Bytecode, Infallible> {
        match &self.0 {
            Some(source) => source.code_by_hash_ref(code_hash),
            None => EmptyDB::new().code_by_hash_ref(code_hash),
        }
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Infallible> {
        match &self.0 {
            Some(source) => source.storage_ref(address, index),
            None => EmptyDB::new().storage_ref(address, index),
        }
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Infallible> {
        match &self.0 {
            Some(source) => source.block_hash_ref(number),
            None => EmptyDB::new().block_hash_ref(number),
        }
    }
}

/// The revm context of the harness.
pub type Ctx = Context<BlockEnv, TxEnv, CfgEnv, Db, Journal<Db>, ()>;
pub(super) type Instructions = EthInstructions<EthInterpreter, Ctx>;
/// Errors of a transaction that could not be executed at all.
pub type TxError = EVMError<Infallible, InvalidTransaction>;

/// What Nitro tracks for the length of one transaction.
#[derive(Debug, Default)]
pub(crate) struct TxScope {
    open: AddressMap<u32>,
    /// The memory model's open and ever-used pages.
    pub(crate) pages: PageCounters,
    /// Whether programs record their host I/O (under a [`super::inspect::StylusInspector`] that
    /// asks for it).
    pub(crate) record_hostios: bool,
}

impl TxScope {
    /// Counts a frame of `address` as open; returns how many are open now.
    fn enter(&mut self, address: Address) -> u32 {
        let n = self.open.entry(address).or_default();
        *n += 1;
        *n
    }

    fn leave(&mut self, address: Address) {
        if let Some(n) = self.open.get_mut(&address) {
            *n -= 1;
        }
    }

    fn open_count(&self, address: &Address) -> u32 {
        self.open.get(address).copied().unwrap_or(0)
    }
}

/// A revm EVM whose frames may run Stylus programs.
pub struct StylusEvm {
    /// The revm context: block, transaction, config and journaled state.
    pub ctx: Ctx,
    pub(super) instruction: Instructions,
    /// ArbOS: precompiles, Stylus parameters, compiled programs.
    pub arbos: ArbOs,
    pub(super) frame_stack: FrameStack<Frame>,
    tx: TxScope,
}

impl std::fmt::Debug for StylusEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StylusEvm")
            .field("arbos", &self.arbos)
            .finish_non_exhaustive()
    }
}

impl StylusEvm {
    /// An EVM over `ctx` with `arbos`.
    pub fn new(ctx: Ctx, arbos: ArbOs) -> Self {
        let spec = ctx.cfg.spec;
        Self {
            ctx,
            instruction: EthInstructions::new_mainnet_with_spec(spec),
            arbos,
            frame_stack: FrameStack::new_prealloc(8),
            tx: TxScope::default(),
        }
    }

    /// Executes `tx` on the current state without committing; the state changes come back.
    pub fn transact(&mut self, tx: TxEnv) -> Result<ExecResultAndState<ExecutionResult>, TxError> {
        self.execute(tx, false, |evm| {
            MainnetHandler::<Self, TxError, Frame>::default().run(evm)
        })
    }

    /// Runs `tx` with `run` in a fresh transaction scope and collects the state changes.
    pub(super) fn execute(
        &mut self,
        tx: TxEnv,
        record_hostios: bool,
        run: impl FnOnce(&mut Self) -> Result<ExecutionResult, TxError>,
    ) -> Result<ExecResultAndState<ExecutionResult>, TxError> {
        self.ctx.tx = tx;
        self.tx = TxScope {
            record_hostios,
            ..TxScope::default()
        };
        let result = run(self);
        let state: EvmState = self.ctx.journal_mut().finalize();
        result.map(|result| ExecResultAndState::new(result, state))
    }
}

/// Turns what an EVM frame's interpreter stopped on into a child frame or the frame's result,
/// marking the frame finished on a result. EIP-3541 rejects new code starting `0xEF`; Arbitrum
/// exempts Stylus programs, so a creation returning one is accepted.
pub(super) fn process_eth_action(
    ctx: &mut Ctx,
    frame: &mut EthFrame<EthInterpreter>,
    action: InterpreterAction,
) -> Result<FrameInitOrResult<Frame>, ContextDbError<Ctx>> {
    let stylus_deploy = matches!(frame.data, revm::handler::FrameData::Create(_))
        && matches!(&action, InterpreterAction::Return(r)
            if r.result.is_ok() && is_stylus_program(&r.output));
    ctx.cfg.disable_eip3541 = stylus_deploy;
    let next = frame.process_next_action::<_, ContextDbError<Ctx>>(ctx, action);
    ctx.cfg.disable_eip3541 = false;
    let next = next?;
    if next.is_result() {
        frame.set_finished(true);
    }
    Ok(next)
}

impl EvmTr for StylusEvm {
    type Context = Ctx;
    type Instructions = Instructions;
    type Precompiles = ArbOs;
    type Frame = Frame;

    fn all(&self) -> (&Ctx, &Instructions, &ArbOs, &FrameStack<Frame>) {
        (&self.ctx, &self.instruction, &self.arbos, &self.frame_stack)
    }

    fn all_mut(
        &mut self,
    ) -> (
        &mut Ctx,
        &mut Instructions,
        &mut ArbOs,
        &mut FrameStack<Frame>,
    ) {
        (
            &mut self.ctx,
            &mut self.instruction,
            &mut self.arbos,
            &mut self.frame_stack,
        )
    }

    fn frame_init(
        &mut self,
        init: FrameInit,
    ) -> Result<FrameInitResult<'_, Frame>, ContextDbError<Ctx>> {
        let first = self.frame_stack.index().is_none();
        let mut slot = if first {
            self.frame_stack.start_init()
        } else {
            self.frame_stack.get_next()
        };
        let frame = slot.get(Frame::default);
        frame.reset();

        let outcome = match init.frame_input {
            FrameInput::Call(inputs)
                if is_stylus_program(inputs.known_bytecode.1.original_byte_slice())
                    && !PrecompileProvider::<Ctx>::contains(
                        &self.arbos,
                        &inputs.bytecode_address,
                    ) =>
            {
                let counted = counts(inputs.scheme).then_some(inputs.target_address);
                let open = counted.map(|a| self.tx.enter(a));
                let reentrant =
                    open.unwrap_or_else(|| self.tx.open_count(&inputs.target_address)) > 1;
                let started = StylusFrame::init(
                    &mut self.ctx,
                    &mut self.arbos,
                    &mut self.tx,
                    init.depth,
                    init.memory,
                    inputs,
                    reentrant,
                );
                match started {
                    ItemOrResult::Item(stylus) => {
                        frame.stylus = Some(stylus);
                        frame.counted = counted;
                        ItemOrResult::Item(())
                    }
                    ItemOrResult::Result(result) => {
                        if let Some(a) = counted {
                            self.tx.leave(a);
                        }
                        ItemOrResult::Result(result)
                    }
                }
            }
            frame_input => {
                let init = FrameInit {
                    frame_input,
                    ..init
                };
                let out = revm::context_interface::local::OutFrame::new_init(&mut frame.eth);
                let started = unit(EthFrame::init_with_context(
                    out,
                    &mut self.ctx,
                    &mut self.arbos,
                    init,
                )?);
                if started.is_item() {
                    frame.counted = frame.eth_counted_address();
                    if let Some(a) = frame.counted {
                        self.tx.enter(a);
                    }
                }
                started
            }
        };
        Ok(match outcome {
            ItemOrResult::Result(result) => ItemOrResult::Result(result),
            ItemOrResult::Item(()) => {
                let token = slot.consume();
                // SAFETY: the token comes from the slot this stack handed out just above.
                unsafe {
                    if first {
                        self.frame_stack.end_init(token)
                    } else {
                        self.frame_stack.push(token)
                    }
                }
                ItemOrResult::Item(self.frame_stack.get())
            }
        })
    }

    fn frame_run(&mut self) -> Result<FrameInitOrResult<Frame>, ContextDbError<Ctx>> {
        let frame = self.frame_stack.get();
        if let Some(stylus) = frame.stylus.as_mut() {
            let next = stylus.run(&mut self.ctx, &self.arbos, &mut self.tx);
            frame.stylus_finished = next.is_result();
            return Ok(next);
        }
        let action = frame.eth.interpreter.run_plain(
            self.instruction.instruction_table(),
            self.instruction.gas_table(),
            &mut self.ctx,
        );
        process_eth_action(&mut self.ctx, &mut frame.eth, action)
    }

    fn frame_return_result(
        &mut self,
        result: FrameResult,
    ) -> Result<Option<FrameResult>, ContextDbError<Ctx>> {
        let top = self.frame_stack.get();
        if top.is_finished() {
            if let Some(a) = top.counted.take() {
                self.tx.leave(a);
            }
            self.frame_stack.pop();
        }
        if self.frame_stack.index().is_none() {
            return Ok(Some(result));
        }
        let frame = self.frame_stack.get();
        match frame.stylus.as_mut() {
            Some(stylus) => stylus.child_returned(result),
            None => frame
                .eth
                .return_result::<_, ContextDbError<Ctx>>(&mut self.ctx, result)?,
        }
        Ok(None)
    }
}
