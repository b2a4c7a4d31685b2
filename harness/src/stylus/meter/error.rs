//! The named reasons for which instrumentation refuses a program.

/// Why a program cannot be instrumented. Each variant corresponds to a refusal of Nitro's
/// activation; the public API flattens it into [`super::InstrumentError`].
#[derive(Debug, thiserror::Error)]
pub(super) enum Rejection {
    /// The wasm could not be decoded.
    #[error("wasm decoding failed: {0}")]
    Decode(#[from] wasmparser::BinaryReaderError),
    /// A value type outside the numeric ones (reference types, SIMD are off for Stylus).
    #[error("unsupported value type {0}")]
    UnsupportedValType(String),
    /// A section whose byte range lies outside the input.
    #[error("section {0} lies outside the input")]
    SectionBounds(u8),
    /// Only Stylus versions 1 and 2 have an instrumentation config.
    #[error("no instrumentation config for Stylus version {0}")]
    UnknownVersion(u16),
    /// The module has a start section.
    #[error("start functions not allowed")]
    StartFunction,
    /// No memory, or memory 0 is not exported as `memory`.
    #[error("missing memory with export name \"memory\"")]
    MissingMemory,
    /// More than one memory.
    #[error("only one memory is allowed")]
    TooManyMemories,
    /// Initial memory above the heap bound.
    #[error("memory size {pages} exceeds bound {limit}")]
    MemoryTooLarge {
        /// Initial pages.
        pages: u64,
        /// Page bound.
        limit: u64,
    },
    /// Growable memory without the `vm_hooks.pay_for_memory_grow` import.
    #[error("growable memory needs the import vm_hooks.pay_for_memory_grow")]
    MissingPayForMemoryGrow,
    /// `pay_for_memory_grow` is not `(i32) -> ()`.
    #[error("wrong type for pay_for_memory_grow: expected (i32) -> ()")]
    PayForMemoryGrowType,
    /// A type index that does not exist.
    #[error("missing type {0}")]
    UnknownType(u32),
    /// A function index that does not exist.
    #[error("missing function {0}")]
    UnknownFunction(u32),
    /// An opcode Nitro's instrumentation does not accept.
    #[error("opcode not supported in function {func}: {op}")]
    UnsupportedOpcode {
        /// Function index.
        func: u32,
        /// The opcode, debug-printed.
        op: String,
    },
    /// Unbalanced blocks, or operators after the body's final `end`.
    #[error("malformed scoping in function {0}")]
    MalformedBody(u32),
    /// The operand stack gets higher than Nitro's frame contention limit.
    #[error("too many values on the stack at once in function {func}: {worst} > {limit}")]
    StackContention {
        /// Function index.
        func: u32,
        /// Worst-case operand stack height.
        worst: u32,
        /// Limit.
        limit: u32,
    },
    /// A frame larger than Nitro's frame size limit.
    #[error("frame too large in function {func}: {units} > {limit}-word limit")]
    FrameTooLarge {
        /// Function index.
        func: u32,
        /// Stack units of the frame.
        units: u32,
        /// Limit.
        limit: u32,
    },
    /// The instrumented body has more operators than Nitro allows.
    #[error("too many opcodes in function {func} body after instrumentation: {count} > {limit}")]
    TooManyOps {
        /// Function index.
        func: u32,
        /// Operator count Nitro's instrumented body would have.
        count: usize,
        /// Limit.
        limit: usize,
    },
    /// An activation figure does not fit the field activation stores it in.
    #[error("{what} too high: {value}")]
    FigureOverflow {
        /// Which figure.
        what: &'static str,
        /// Its value.
        value: u64,
    },
    /// Function and code sections disagree.
    #[error("function and code section counts differ")]
    CodeCountMismatch,
}
