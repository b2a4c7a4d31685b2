//! First pass over the input: the facts instrumentation needs (signatures, index spaces, the
//! memory, the `pay_for_memory_grow` import, function bodies, segment sizes).

use wasmparser::{
    ExternalKind, FuncType, FunctionBody, MemoryType, Parser, Payload, TypeRef, ValType,
};

use super::error::Rejection;

/// Module and function name of the import that prices memory growth.
const PAY_MODULE: &str = "vm_hooks";
/// See [`PAY_MODULE`].
const PAY_NAME: &str = "pay_for_memory_grow";

/// Function types by type index and by function index (imports first).
#[derive(Debug, Default)]
pub(super) struct Signatures {
    /// Every type of the type section.
    types: Vec<FuncType>,
    /// The type index of every function.
    funcs: Vec<u32>,
}

impl Signatures {
    /// The type at `index`.
    pub(super) fn of_type(&self, index: u32) -> Result<&FuncType, Rejection> {
        self.types
            .get(index as usize)
            .ok_or(Rejection::UnknownType(index))
    }

    /// The type of function `index`.
    pub(super) fn of_func(&self, index: u32) -> Result<&FuncType, Rejection> {
        let ty = self
            .funcs
            .get(index as usize)
            .ok_or(Rejection::UnknownFunction(index))?;
        self.of_type(*ty)
    }

    /// How many types the type section declares.
    pub(super) fn type_count(&self) -> u32 {
        self.types.len() as u32
    }

    /// Index of a parameterless type with exactly `results`, if the type section has one.
    pub(super) fn find_results_only(&self, results: &[ValType]) -> Option<u32> {
        self.types
            .iter()
            .position(|ty| ty.params().is_empty() && ty.results() == results)
            .map(|index| index as u32)
    }
}

/// What the first pass learns about a module.
#[derive(Debug, Default)]
pub(super) struct ModuleInfo<'a> {
    /// Function signatures.
    pub(super) sigs: Signatures,
    /// Number of imported functions (the first function indices).
    pub(super) imported_funcs: u32,
    /// Number of imported globals.
    pub(super) imported_globals: u32,
    /// Number of globals the global section defines.
    pub(super) defined_globals: u32,
    /// Indices of the mutable ones among them.
    pub(super) mutable_globals: Vec<u32>,
    /// Memories of the memory section.
    pub(super) memories: Vec<MemoryType>,
    /// Whether memory 0 is exported as `memory`.
    pub(super) memory_exported: bool,
    /// Function index of the first `vm_hooks.pay_for_memory_grow` import.
    pub(super) pay_import: Option<u32>,
    /// Whether the module has a start section.
    pub(super) has_start: bool,
    /// Bodies of the module's own functions.
    pub(super) bodies: Vec<FunctionBody<'a>>,
    /// Bytes of the data segments, headers included.
    pub(super) data_segment_bytes: u64,
    /// Payload bytes of the data segments.
    pub(super) data_bytes: u64,
    /// Bytes of the element segments, headers included.
    pub(super) element_bytes: u64,
}

impl<'a> ModuleInfo<'a> {
    /// Reads `wasm` (already validated).
    pub(super) fn parse(wasm: &'a [u8]) -> Result<Self, Rejection> {
        let mut info = Self::default();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        info.sigs.types.push(ty?);
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        match import.ty {
                            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                                let is_pay = import.module == PAY_MODULE && import.name == PAY_NAME;
                                if is_pay && info.pay_import.is_none() {
                                    info.pay_import = Some(info.imported_funcs);
                                }
                                info.sigs.funcs.push(ty);
                                info.imported_funcs += 1;
                            }
                            TypeRef::Global(_) => info.imported_globals += 1,
                            _ => {}
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        info.sigs.funcs.push(ty?);
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        info.memories.push(memory?);
                    }
                }
                Payload::GlobalSection(reader) => {
                    info.defined_globals = reader.count();
                    for (defined, global) in reader.into_iter().enumerate() {
                        if global?.ty.mutable {
                            info.mutable_globals
                                .push(info.imported_globals + defined as u32);
                        }
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        if export.name == "memory" && export.kind == ExternalKind::Memory {
                            info.memory_exported = export.index == 0;
                        }
                    }
                }
                Payload::StartSection { .. } => info.has_start = true,
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let range = element?.range;
                        info.element_bytes += range.end - range.start;
                    }
                }
                Payload::DataSection(reader) => {
                    for data in reader {
                        let data = data?;
                        info.data_segment_bytes += data.range.end - data.range.start;
                        info.data_bytes += data.data.len() as u64;
                    }
                }
                Payload::CodeSectionEntry(body) => info.bodies.push(body),
                _ => {}
            }
        }
        if info.sigs.funcs.len() != (info.imported_funcs as usize + info.bodies.len()) {
            return Err(Rejection::CodeCountMismatch);
        }
        Ok(info)
    }

    /// Index of the first global instrumentation adds.
    pub(super) fn next_global(&self) -> u32 {
        self.imported_globals + self.defined_globals
    }

    /// Type of the module's own function number `local` (0-based after the imports).
    pub(super) fn local_func_type(&self, local: u32) -> Result<&FuncType, Rejection> {
        self.sigs.of_func(self.imported_funcs + local)
    }
}
