//! What a hostio works with: the invocation's [`HostState`], the program's ink meter (three
//! exported globals) and its linear memory, reached through an [`Env`] over the store.

use alloy_primitives::{Address, B256, U256};
use wasmi::{Global, Memory, StoreContextMut, Val};

use super::{math::Digests, suspend::Then, trace::HostioTrace};
use crate::stylus::{
    api::{EvmData, Request},
    cache::StorageCache,
    params::StylusParams,
};

/// Why a hostio stopped the program: a suspension, an exit, or an error.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Escape {
    /// The hostio left a request in [`HostState::request`] and waits for the EVM's answer.
    #[error("suspended on an EVM request")]
    Suspend,
    /// `exit_early(status)`.
    #[error("exit_early({0})")]
    Exit(u32),
    /// The meter ran dry; it has been marked exhausted.
    #[error("out of ink")]
    OutOfInk,
    /// The hostio failed: the program reverts with no data and keeps its ink.
    #[error(transparent)]
    Failure(#[from] HostioError),
}

impl wasmi::errors::HostError for Escape {}

/// A hostio failure (Nitro's `Escape::Memory`, `Internal` and `Logical`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum HostioError {
    /// A pointer and length outside the program's memory.
    #[error("memory access out of bounds: {len} bytes at {ptr:#x}")]
    OutOfBounds {
        /// Guest pointer.
        ptr: u32,
        /// Bytes accessed.
        len: usize,
    },
    /// The module does not export a meter global or its memory, or a global has the wrong type.
    #[error("the program's {0} is missing or has the wrong type")]
    BadExport(&'static str),
    /// `emit_log` with more than four topics, or with less data than its topics need.
    #[error("bad topic data: {topics} topics in {len} bytes")]
    BadTopics {
        /// Topics asked for.
        topics: u32,
        /// Bytes given.
        len: u32,
    },
    /// A state change in a static frame.
    #[error("write protection: {0} in a static call")]
    WriteProtection(&'static str),
    /// A create that cannot pay its base cost.
    #[error("create needs {needed} gas but only {left} is left")]
    CreateOutOfGas {
        /// Base cost of the create.
        needed: u64,
        /// Gas left.
        left: u64,
    },
    /// The EVM refused a state change.
    #[error("the EVM refused {0}")]
    Refused(&'static str),
    /// A response that does not answer the pending request, or one with no request pending.
    #[error("response {got} does not answer {expected}")]
    WrongResponse {
        /// What the pending request expected.
        expected: &'static str,
        /// What came back.
        got: &'static str,
    },
}

/// The exports the host reads and writes: memory and the meter globals.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Exports {
    /// The program's linear memory.
    pub memory: Memory,
    /// Ink left (`i64`, read as `u64`).
    pub ink_left: Global,
    /// 0 running, 1 out of ink, 2 out of stack (`i32`).
    pub ink_status: Global,
    /// Depth units left (`i32`).
    pub stack_left: Global,
}

/// Meter status: running.
const RUNNING: i32 = 0;
/// Meter status: out of ink.
const EXHAUSTED: i32 = 1;
/// Meter status: out of stack.
const OUT_OF_STACK: i32 = 2;

/// How the meter stands after the program stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MeterState {
    /// Ink left, still running.
    Ready(u64),
    /// Out of ink.
    Exhausted,
    /// Out of stack (status 2, or no depth units left).
    OutOfStack,
}

/// Everything the hostios of one invocation share.
#[derive(Debug)]
pub(crate) struct HostState {
    /// Facts about the call.
    pub data: EvmData,
    /// Calldata.
    pub args: Vec<u8>,
    /// What `write_result` set.
    pub outs: Vec<u8>,
    /// Chain parameters (the ink price).
    pub params: StylusParams,
    /// The storage cache.
    pub cache: StorageCache,
    /// Return data of the last call, or revert data of the last create.
    pub return_data: Vec<u8>,
    /// The last nonempty code `account_code*` loaded, with its account.
    pub last_code: Option<(Address, Vec<u8>)>,
    /// The request a hostio is suspended on, until the invocation hands it to the EVM.
    pub request: Option<Request>,
    /// What the suspended hostio does with the answer.
    pub then: Option<Then>,
    /// The instance's exports, once instantiated.
    pub exports: Option<Exports>,
    /// The host I/O record, when the invocation is traced.
    pub trace: Option<HostioTrace>,
    /// Recent `native_keccak256` inputs and their digests.
    pub digests: Digests,
}

impl HostState {
    /// The state of a fresh invocation.
    pub fn new(data: EvmData, args: Vec<u8>, params: &StylusParams) -> Self {
        Self {
            data,
            args,
            outs: Vec::new(),
            params: params.clone(),
            cache: StorageCache::default(),
            return_data: Vec::new(),
            last_code: None,
            request: None,
            then: None,
            exports: None,
            trace: None,
            digests: Digests::default(),
        }
    }
}

/// A hostio's view of the store: state, meter and memory.
pub(crate) struct Env<'a> {
    ctx: StoreContextMut<'a, HostState>,
}

impl<'a> Env<'a> {
    /// Wraps a store context (a `Caller` inside a host function, the `Store` when resuming).
    pub fn new(ctx: StoreContextMut<'a, HostState>) -> Self {
        Self { ctx }
    }

    /// The shared state.
    pub fn state(&self) -> &HostState {
        self.ctx.data()
    }

    /// The shared state, mutably.
    pub fn state_mut(&mut self) -> &mut HostState {
        self.ctx.data_mut()
    }

    fn exports(&self) -> Result<Exports, HostioError> {
        self.state()
            .exports
            .ok_or(HostioError::BadExport("memory and meter"))
    }

    fn get_i32(&self, global: Global, name: &'static str) -> Result<i32, HostioError> {
        match global.get(&self.ctx) {
            Val::I32(value) => Ok(value),
            _ => Err(HostioError::BadExport(name)),
        }
    }

    fn set(&mut self, global: Global, value: Val, name: &'static str) -> Result<(), HostioError> {
        global
            .set(&mut self.ctx, value)
            .map_err(|_| HostioError::BadExport(name))
    }

    /// Sets the meter: `ink` left and running, with `stack` depth units.
    pub fn start_meter(&mut self, ink: u64, stack: u32) -> Result<(), HostioError> {
        let e = self.exports()?;
        self.set(e.ink_left, Val::I64(ink as i64), "ink global")?;
        self.set(e.ink_status, Val::I32(RUNNING), "ink status global")?;
        self.set(e.stack_left, Val::I32(stack as i32), "stack global")
    }

    fn ink_global(&self, e: Exports) -> Result<u64, HostioError> {
        match e.ink_left.get(&self.ctx) {
            Val::I64(ink) => Ok(ink as u64),
            _ => Err(HostioError::BadExport("ink global")),
        }
    }

    /// Where the meter stands after the program stopped. Out of stack wins over out of ink, as
    /// in Nitro, and an exhausted depth counter counts as out of stack.
    pub fn meter(&self) -> Result<MeterState, HostioError> {
        let e = self.exports()?;
        let status = self.get_i32(e.ink_status, "ink status global")?;
        let stack_left = self.get_i32(e.stack_left, "stack global")?;
        Ok(match status {
            _ if status == OUT_OF_STACK || stack_left == 0 => MeterState::OutOfStack,
            RUNNING => MeterState::Ready(self.ink_global(e)?),
            _ => MeterState::Exhausted,
        })
    }

    /// Marks the meter exhausted (no ink, status 1) and returns the escape that says so.
    pub fn exhaust(&mut self) -> Escape {
        let marked = self.exports().and_then(|e| {
            self.set(e.ink_left, Val::I64(0), "ink global")?;
            self.set(e.ink_status, Val::I32(EXHAUSTED), "ink status global")
        });
        match marked {
            Ok(()) => Escape::OutOfInk,
            Err(e) => e.into(),
        }
    }

    /// Ink left as the meter's global holds it, without checking the meter (for traces).
    pub fn ink_peek(&self) -> u64 {
        self.exports()
            .and_then(|e| self.ink_global(e))
            .unwrap_or_default()
    }

    /// Ink left; out of ink if the meter is not running.
    pub fn ink_ready(&mut self) -> Result<u64, Escape> {
        let e = self.exports()?;
        if self.get_i32(e.ink_status, "ink status global")? != RUNNING {
            return Err(self.exhaust());
        }
        Ok(self.ink_global(e)?)
    }

    /// Gas left: the ink left at the ink price, rounded down.
    pub fn gas_left(&mut self) -> Result<u64, Escape> {
        let ink = self.ink_ready()?;
        Ok(self.state().params.ink_to_gas(ink))
    }

    /// Burns `ink`, or runs out of ink.
    pub fn buy_ink(&mut self, ink: u64) -> Result<(), Escape> {
        let left = self.ink_ready()?;
        if left < ink {
            return Err(self.exhaust());
        }
        let e = self.exports()?;
        Ok(self.set(e.ink_left, Val::I64((left - ink) as i64), "ink global")?)
    }

    /// Burns `gas` worth of ink.
    pub fn buy_gas(&mut self, gas: u64) -> Result<(), Escape> {
        let ink = self.state().params.gas_to_ink(gas);
        self.buy_ink(ink)
    }

    /// Runs out of ink unless `gas` worth of ink is left; burns nothing.
    pub fn require_gas(&mut self, gas: u64) -> Result<(), Escape> {
        let ink = self.state().params.gas_to_ink(gas);
        if self.ink_ready()? < ink {
            return Err(self.exhaust());
        }
        Ok(())
    }

    fn memory(&self) -> Result<Memory, HostioError> {
        Ok(self.exports()?.memory)
    }

    /// `len` bytes of memory at `ptr`.
    pub fn read(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Escape> {
        let len = len as usize;
        let bytes = self.memory()?.data(&self.ctx);
        let start = ptr as usize;
        let range = start
            ..start
                .checked_add(len)
                .ok_or(HostioError::OutOfBounds { ptr, len })?;
        Ok(bytes
            .get(range)
            .ok_or(HostioError::OutOfBounds { ptr, len })?
            .to_vec())
    }

    /// `N` bytes of memory at `ptr`.
    pub fn read_fixed<const N: usize>(&self, ptr: u32) -> Result<[u8; N], Escape> {
        let mut out = [0; N];
        self.memory()?
            .read(&self.ctx, ptr as usize, &mut out)
            .map_err(|_| HostioError::OutOfBounds { ptr, len: N })?;
        Ok(out)
    }

    /// A 32-byte word at `ptr`.
    pub fn read_b256(&self, ptr: u32) -> Result<B256, Escape> {
        self.read_fixed(ptr).map(B256::from)
    }

    /// A big-endian 256-bit number at `ptr`.
    pub fn read_u256(&self, ptr: u32) -> Result<U256, Escape> {
        self.read_fixed::<32>(ptr).map(U256::from_be_bytes)
    }

    /// A 20-byte address at `ptr`.
    pub fn read_address(&self, ptr: u32) -> Result<Address, Escape> {
        self.read_fixed(ptr).map(Address::from)
    }

    /// Writes `bytes` to memory at `ptr`.
    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Escape> {
        let memory = self.memory()?;
        memory
            .write(&mut self.ctx, ptr as usize, bytes)
            .map_err(|_| HostioError::OutOfBounds {
                ptr,
                len: bytes.len(),
            })?;
        Ok(())
    }

    /// Writes a little-endian `u32` at `ptr`.
    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), Escape> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// Fails with write protection if the frame is static.
    pub fn writable(&self, what: &'static str) -> Result<(), HostioError> {
        match self.state().data.is_static {
            true => Err(HostioError::WriteProtection(what)),
            false => Ok(()),
        }
    }

    /// Leaves `request` for the EVM, with what to do with its answer, and returns the escape
    /// that suspends the program.
    pub fn suspend(&mut self, request: Request, then: Then) -> Escape {
        let state = self.state_mut();
        state.request = Some(request);
        state.then = Some(then);
        Escape::Suspend
    }
}
