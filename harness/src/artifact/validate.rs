//! Validation of a user wasm against Nitro's feature set and limits (ArbOS 60 rules: no
//! multi-value), so that a program the harness accepts is one Nitro would activate.

use wasmparser::{
    ExternalKind, FuncType, Operator, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures,
};

/// Largest decompressed wasm (`MaxWasmSize`, 128 KiB).
pub const MAX_WASM_SIZE: usize = 128 * 1024;
/// Largest initial memory, in 64 KiB pages (`PageLimit`).
pub const MAX_INITIAL_PAGES: u64 = 128;
/// The only module programs may import from.
pub const HOSTIO_MODULE: &str = "vm_hooks";
/// Every function Nitro links into `vm_hooks` (debug-only `console`/`debug` hooks excluded).
pub const HOSTIOS: [&str; 42] = [
    "read_args",
    "write_result",
    "exit_early",
    "storage_load_bytes32",
    "storage_cache_bytes32",
    "storage_flush_cache",
    "transient_load_bytes32",
    "transient_store_bytes32",
    "call_contract",
    "delegate_call_contract",
    "static_call_contract",
    "create1",
    "create2",
    "read_return_data",
    "return_data_size",
    "emit_log",
    "account_balance",
    "account_code",
    "account_code_size",
    "account_codehash",
    "block_basefee",
    "block_coinbase",
    "block_gas_limit",
    "block_number",
    "block_timestamp",
    "chainid",
    "contract_address",
    "evm_gas_left",
    "evm_ink_left",
    "math_div",
    "math_mod",
    "math_pow",
    "math_add_mod",
    "math_mul_mod",
    "msg_reentrant",
    "msg_sender",
    "msg_value",
    "tx_gas_price",
    "tx_ink_price",
    "tx_origin",
    "pay_for_memory_grow",
    "native_keccak256",
];

/// Count limits of `parse_user`: (what, limit).
const MAX_FUNCTIONS: usize = 4_096;
const MAX_GLOBALS: usize = 32_768;
const MAX_IMPORTS: usize = 513;
const MAX_EXPORTS: usize = 1_024;
const MAX_DATA_SEGMENTS: usize = 128;
const MAX_ELEMENT_SEGMENTS: usize = 128;
const MAX_TABLE_ENTRIES: u64 = 4_096;
const MAX_LOCALS: u64 = 348;
const MAX_OPERATORS: usize = 65_536;
const MAX_NAME_LEN: usize = 512;

/// Why a wasm is not a valid Stylus program.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValidationError {
    /// The module is larger than [`MAX_WASM_SIZE`].
    #[error(
        "the wasm is {size} bytes, above Nitro's {max}-byte limit; shrink the contract (opt-level, fewer dependencies)"
    )]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// wasmparser rejected it under Nitro's feature set (reference types, SIMD, multi-value, …).
    #[error(
        "the wasm uses a feature Nitro disables or is malformed: {0}; build with the workspace's .cargo/config.toml flags"
    )]
    Feature(String),
    /// It has a start function.
    #[error("the wasm has a start function, which Nitro forbids; remove it")]
    StartFunction,
    /// It does not define exactly one memory.
    #[error("the wasm defines {0} memories; Nitro requires exactly one")]
    MemoryCount(usize),
    /// Its initial memory is above [`MAX_INITIAL_PAGES`].
    #[error(
        "the initial memory is {pages} pages, above Nitro's {max}; lower the stack size (-zstack-size)"
    )]
    InitialMemory {
        /// Initial pages.
        pages: u64,
        /// The limit.
        max: u64,
    },
    /// A required export is missing or has the wrong kind or type.
    #[error(
        "the wasm does not export `{0}` correctly (need `memory` and `user_entrypoint: (i32) -> i32`); is this an SDK contract built with #[entrypoint]?"
    )]
    MissingExport(&'static str),
    /// An import from a module other than `vm_hooks`, or of a name Nitro does not link.
    #[error(
        "unknown import `{module}.{name}`: Stylus programs may import only Nitro's `vm_hooks` (no console/debug hooks on production chains)"
    )]
    UnknownImport {
        /// Module name.
        module: String,
        /// Field name.
        name: String,
    },
    /// A float instruction; Nitro prices them out of reach.
    #[error(
        "function {function} uses the float instruction {operator}, which Nitro cannot execute; avoid f32/f64 in contracts"
    )]
    FloatInstruction {
        /// Index of the function (imports included).
        function: u32,
        /// Instruction name.
        operator: &'static str,
    },
    /// An instruction Nitro rejects at activation (`memory.init`, `data.drop`, `table.*`).
    #[error("function {function} uses {operator}, which Nitro rejects at activation")]
    UnsupportedInstruction {
        /// Index of the function (imports included).
        function: u32,
        /// Instruction name.
        operator: &'static str,
    },
    /// A count above one of Nitro's limits.
    #[error("the wasm has {count} {what}, above Nitro's limit of {max}")]
    Limit {
        /// What was counted.
        what: &'static str,
        /// How many there are.
        count: u64,
        /// The limit.
        max: u64,
    },
}

/// Nitro's wasm features: mutable globals, saturating float-to-int, sign extension, bulk memory
/// and float parsing; everything else (reference types, SIMD, threads, tail calls, multi-memory,
/// memory64, exceptions, extended-const, GC, multi-value) is off.
fn nitro_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::FLOATS
        | WasmFeatures::GC_TYPES
}

/// Checks `wasm` (decompressed) against Nitro's wasm features and limits.
pub fn validate(wasm: &[u8]) -> Result<(), ValidationError> {
    if wasm.len() > MAX_WASM_SIZE {
        return Err(ValidationError::TooLarge {
            size: wasm.len(),
            max: MAX_WASM_SIZE,
        });
    }
    let feature = |e: wasmparser::BinaryReaderError| ValidationError::Feature(e.to_string());
    Validator::new_with_features(nitro_features())
        .validate_all(wasm)
        .map_err(feature)?;

    let mut module = ModuleFacts::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(feature)? {
            Payload::StartSection { .. } => return Err(ValidationError::StartFunction),
            Payload::TypeSection(types) => {
                for group in types {
                    for sub in group.map_err(feature)?.into_types() {
                        module.types.push(sub.unwrap_func().clone());
                    }
                }
            }
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    let import = import.map_err(feature)?;
                    check_name(import.name)?;
                    if import.module != HOSTIO_MODULE || !HOSTIOS.contains(&import.name) {
                        return Err(ValidationError::UnknownImport {
                            module: import.module.into(),
                            name: import.name.into(),
                        });
                    }
                    if let TypeRef::Func(ty) = import.ty {
                        module.functions.push(ty);
                    }
                    module.imports += 1;
                }
            }
            Payload::FunctionSection(functions) => {
                for ty in functions {
                    module.functions.push(ty.map_err(feature)?);
                }
            }
            Payload::TableSection(tables) => {
                for table in tables {
                    limit(
                        "table entries",
                        table.map_err(feature)?.ty.initial,
                        MAX_TABLE_ENTRIES,
                    )?;
                }
            }
            Payload::MemorySection(memories) => {
                for memory in memories {
                    module.initial_pages.push(memory.map_err(feature)?.initial);
                }
            }
            Payload::GlobalSection(globals) => module.globals = globals.count() as usize,
            Payload::ExportSection(exports) => {
                for export in exports {
                    let export = export.map_err(feature)?;
                    check_name(export.name)?;
                    module
                        .exports
                        .push((export.name.to_owned(), export.kind, export.index));
                }
            }
            Payload::ElementSection(elements) => count(
                "element segments",
                elements.count() as usize,
                MAX_ELEMENT_SEGMENTS,
            )?,
            Payload::DataSection(data) => {
                count("data segments", data.count() as usize, MAX_DATA_SEGMENTS)?
            }
            Payload::CodeSectionEntry(body) => {
                let index = module.imports + module.bodies;
                module.bodies += 1;
                check_body(&body, index as u32)?;
            }
            _ => {}
        }
    }
    module.check()
}

/// What the per-section pass collects for the whole-module checks.
#[derive(Default)]
struct ModuleFacts {
    types: Vec<FuncType>,
    /// Type index of every function, imports first.
    functions: Vec<u32>,
    imports: usize,
    bodies: usize,
    globals: usize,
    initial_pages: Vec<u64>,
    exports: Vec<(String, ExternalKind, u32)>,
}

impl ModuleFacts {
    fn check(&self) -> Result<(), ValidationError> {
        count("imports", self.imports, MAX_IMPORTS)?;
        count("functions", self.functions.len(), MAX_FUNCTIONS)?;
        count("globals", self.globals, MAX_GLOBALS)?;
        count("exports", self.exports.len(), MAX_EXPORTS)?;
        match self.initial_pages.as_slice() {
            [pages] if *pages > MAX_INITIAL_PAGES => {
                return Err(ValidationError::InitialMemory {
                    pages: *pages,
                    max: MAX_INITIAL_PAGES,
                });
            }
            [_] => {}
            memories => return Err(ValidationError::MemoryCount(memories.len())),
        }
        if !self
            .exports
            .iter()
            .any(|(name, kind, _)| name == "memory" && *kind == ExternalKind::Memory)
        {
            return Err(ValidationError::MissingExport("memory"));
        }
        let entrypoint_ok = self.exports.iter().any(|(name, kind, index)| {
            name == "user_entrypoint"
                && *kind == ExternalKind::Func
                && self.function_type(*index).is_some_and(|ty| {
                    ty.params() == [ValType::I32] && ty.results() == [ValType::I32]
                })
        });
        if !entrypoint_ok {
            return Err(ValidationError::MissingExport("user_entrypoint"));
        }
        Ok(())
    }

    fn function_type(&self, function: u32) -> Option<&FuncType> {
        let ty = *self.functions.get(function as usize)?;
        self.types.get(ty as usize)
    }
}

/// Per-function checks: locals, operator count, floats and the instructions Nitro rejects.
fn check_body(body: &wasmparser::FunctionBody, function: u32) -> Result<(), ValidationError> {
    let feature = |e: wasmparser::BinaryReaderError| ValidationError::Feature(e.to_string());
    let mut locals = 0u64;
    for group in body.get_locals_reader().map_err(feature)? {
        locals += u64::from(group.map_err(feature)?.0);
    }
    limit("locals in one function", locals, MAX_LOCALS)?;
    let mut operators = 0usize;
    let mut reader = body.get_operators_reader().map_err(feature)?;
    while !reader.eof() {
        let operator = operator_name(&reader.read().map_err(feature)?);
        operators += 1;
        if operator.contains("F32") || operator.contains("F64") {
            return Err(ValidationError::FloatInstruction { function, operator });
        }
        if matches!(operator, "MemoryInit" | "DataDrop") || operator.starts_with("Table") {
            return Err(ValidationError::UnsupportedInstruction { function, operator });
        }
    }
    count("operators in one function", operators, MAX_OPERATORS)
}

/// The `Operator` variant's name, e.g. `"F32Add"`.
fn operator_name(operator: &Operator) -> &'static str {
    macro_rules! name_of {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            match operator {
                $( Operator::$op { .. } => stringify!($op), )*
                _ => "Unknown",
            }
        };
    }
    wasmparser::for_each_operator!(name_of)
}

fn check_name(name: &str) -> Result<(), ValidationError> {
    count("bytes in a name", name.len(), MAX_NAME_LEN)
}

fn count(what: &'static str, count: usize, max: usize) -> Result<(), ValidationError> {
    limit(what, count as u64, max as u64)
}

fn limit(what: &'static str, count: u64, max: u64) -> Result<(), ValidationError> {
    if count > max {
        return Err(ValidationError::Limit { what, count, max });
    }
    Ok(())
}
