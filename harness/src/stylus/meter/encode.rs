//! Second pass: writes the instrumented module. Sections instrumentation does not touch are
//! copied byte for byte; the type section gains the exit block types, the memory its page
//! bound, the global section the four instrumentation globals, the export section keeps only
//! `user_entrypoint` and `memory` (as Nitro's activation does) and gains the three host-facing
//! globals and every other mutable global (for the host to reset), and the code section gets the
//! instrumented bodies.

use wasm_encoder::{
    CodeSection, ConstExpr, Encode, ExportKind, ExportSection, Function, GlobalType, MemorySection,
    MemoryType as EncMemoryType, Module, RawSection, ValType,
};
use wasmparser::{BinaryReader, ExternalKind, MemoryType, Parser, Payload};

use super::body::Globals;
use super::error::Rejection;
use super::{INK_LEFT, MUTABLE_GLOBAL_PREFIX, STACK_LEFT, STATUS};

/// Section id of the type section.
const TYPE_ID: u8 = 1;
/// Section id of the global section.
const GLOBAL_ID: u8 = 6;
/// Section id of the export section.
const EXPORT_ID: u8 = 7;
/// Leading byte of a function type.
const FUNC_TYPE_FORM: u8 = 0x60;

/// Everything the second pass writes besides the input.
pub(super) struct Rewrite<'p> {
    /// Result lists of `[] -> results` types to append.
    pub(super) appended_types: &'p [Vec<wasmparser::ValType>],
    /// The memory, bounded.
    pub(super) memory: MemoryType,
    /// The added globals.
    pub(super) globals: Globals,
    /// The input's own mutable globals.
    pub(super) mutable_globals: &'p [u32],
    /// The instrumented bodies, in order.
    pub(super) bodies: Vec<Function>,
}

/// A numeric value type in wasm-encoder's terms.
pub(super) fn val_type(ty: wasmparser::ValType) -> Result<ValType, Rejection> {
    match ty {
        wasmparser::ValType::I32 => Ok(ValType::I32),
        wasmparser::ValType::I64 => Ok(ValType::I64),
        wasmparser::ValType::F32 => Ok(ValType::F32),
        wasmparser::ValType::F64 => Ok(ValType::F64),
        other => Err(Rejection::UnsupportedValType(format!("{other:?}"))),
    }
}

/// Position of a section id in the order the binary format requires.
fn order(id: u8) -> u8 {
    match id {
        1..=5 => id,
        13 => 6,
        6..=9 => id + 1,
        12 => 11,
        10 | 11 => id + 2,
        _ => 0,
    }
}

/// Splits a vector section's contents into its item count and the encoded items.
fn split_count(contents: &[u8]) -> Result<(u32, &[u8]), Rejection> {
    let mut reader = BinaryReader::new(contents, 0);
    let count = reader.read_var_u32()?;
    Ok((count, &contents[reader.current_position()..]))
}

/// A vector section's contents: the input's items followed by `added` (already encoded).
fn extended(contents: &[u8], added_count: u32, added: &[u8]) -> Result<Vec<u8>, Rejection> {
    let (count, items) = split_count(contents)?;
    let mut out = Vec::with_capacity(contents.len() + added.len() + 5);
    (count + added_count).encode(&mut out);
    out.extend_from_slice(items);
    out.extend_from_slice(added);
    Ok(out)
}

/// The module being written, and which synthetic sections are done.
struct Writer<'p> {
    /// Output.
    module: Module,
    /// What to add.
    plan: Rewrite<'p>,
    /// Whether the global section was written.
    globals_done: bool,
    /// Whether the export section was written.
    exports_done: bool,
}

/// Writes the instrumented form of `wasm`.
pub(super) fn rewrite(wasm: &[u8], plan: Rewrite) -> Result<Vec<u8>, Rejection> {
    let mut w = Writer {
        module: Module::new(),
        plan,
        globals_done: false,
        exports_done: false,
    };
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        let contents = usize::try_from(range.start)
            .ok()
            .zip(usize::try_from(range.end).ok())
            .and_then(|(start, end)| wasm.get(start..end))
            .ok_or(Rejection::SectionBounds(id))?;
        if id != 0 {
            w.flush_before(id)?;
        }
        match payload {
            Payload::TypeSection(_) if !w.plan.appended_types.is_empty() => {
                let mut added = Vec::new();
                for results in w.plan.appended_types {
                    added.push(FUNC_TYPE_FORM);
                    0_u32.encode(&mut added);
                    (results.len() as u32).encode(&mut added);
                    for ty in results {
                        val_type(*ty)?.encode(&mut added);
                    }
                }
                let count = w.plan.appended_types.len() as u32;
                let data = extended(contents, count, &added)?;
                w.module.section(&RawSection {
                    id: TYPE_ID,
                    data: &data,
                });
            }
            Payload::MemorySection(_) => {
                let memory = w.plan.memory;
                let mut memories = MemorySection::new();
                memories.memory(EncMemoryType {
                    minimum: memory.initial,
                    maximum: memory.maximum,
                    memory64: memory.memory64,
                    shared: memory.shared,
                    page_size_log2: memory.page_size_log2,
                });
                w.module.section(&memories);
            }
            Payload::GlobalSection(_) => w.write_globals(contents)?,
            Payload::ExportSection(reader) => {
                let mut exports = ExportSection::new();
                for export in reader {
                    let export = export?;
                    match (export.name, export.kind) {
                        ("user_entrypoint", ExternalKind::Func) => {
                            exports.export(export.name, ExportKind::Func, export.index);
                        }
                        ("memory", ExternalKind::Memory) => {
                            exports.export(export.name, ExportKind::Memory, export.index);
                        }
                        _ => {}
                    }
                }
                w.write_exports(exports);
            }
            Payload::CodeSectionStart { .. } => {
                let mut code = CodeSection::new();
                for body in &w.plan.bodies {
                    code.function(body);
                }
                w.module.section(&code);
            }
            _ => {
                w.module.section(&RawSection { id, data: contents });
            }
        }
    }
    w.flush_before(u8::MAX)?;
    Ok(w.module.finish())
}

impl Writer<'_> {
    /// Writes the global and export sections if the input lacks them and section `id` must
    /// follow them (`u8::MAX`: the end of the module).
    fn flush_before(&mut self, id: u8) -> Result<(), Rejection> {
        let later = |section| id == u8::MAX || order(id) > order(section);
        if !self.globals_done && later(GLOBAL_ID) {
            // An empty vector: no items.
            self.write_globals(&[0])?;
        }
        if !self.exports_done && later(EXPORT_ID) {
            self.write_exports(ExportSection::new());
        }
        Ok(())
    }

    /// Writes the global section `contents` followed by the instrumentation globals (ink,
    /// status, scratch, stack; see [`Globals`]), all mutable and zero-initialised.
    fn write_globals(&mut self, contents: &[u8]) -> Result<(), Rejection> {
        let mut added = Vec::new();
        let mut global = |val_type, init: ConstExpr| {
            GlobalType {
                val_type,
                mutable: true,
                shared: false,
            }
            .encode(&mut added);
            init.encode(&mut added);
        };
        global(ValType::I64, ConstExpr::i64_const(0));
        for _ in 1..Globals::COUNT {
            global(ValType::I32, ConstExpr::i32_const(0));
        }
        let data = extended(contents, Globals::COUNT, &added)?;
        self.module.section(&RawSection {
            id: GLOBAL_ID,
            data: &data,
        });
        self.globals_done = true;
        Ok(())
    }

    /// Writes `exports` followed by the host-facing globals, then every other mutable global
    /// under [`MUTABLE_GLOBAL_PREFIX`].
    fn write_exports(&mut self, mut exports: ExportSection) {
        let g = self.plan.globals;
        exports.export(INK_LEFT, ExportKind::Global, g.ink);
        exports.export(STATUS, ExportKind::Global, g.status);
        exports.export(STACK_LEFT, ExportKind::Global, g.stack);
        for &index in self.plan.mutable_globals.iter().chain([&g.scratch]) {
            let name = format!("{MUTABLE_GLOBAL_PREFIX}{index}");
            exports.export(&name, ExportKind::Global, index);
        }
        self.module.section(&exports);
        self.exports_done = true;
    }
}
