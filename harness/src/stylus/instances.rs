//! Warm instances of a program, so that a call does not pay for wasmi's instantiation (a store,
//! an entity per function, imports resolved by name, memory allocated and its data copied in).
//!
//! An instance goes back to its program's [`Pool`] when its invocation is dropped, made pristine
//! first: memory back to the image it had when instantiated, every mutable global back to its
//! initial value. That is all a run can change: Nitro's validation refuses the operators that
//! change tables or segments (`table.*`, `elem.drop`, `data.drop`, `memory.init`), so a recycled
//! instance runs exactly as a new one would. A program qualifies only when every mutable global
//! is exported (instrumentation exports them all; see `meter::MUTABLE_GLOBAL_PREFIX`). An
//! instance whose memory grew, or whose invocation was abandoned mid-call, is not kept.

use std::{
    ops::Range,
    sync::{Mutex, OnceLock, PoisonError},
};

use wasmi::{Global, Instance, Memory, Store, TypedFunc, Val};
use wasmparser::{ExternalKind, Parser, Payload};

use super::{
    hostio::{Exports, HostState},
    meter,
};

/// The exported entry point.
const ENTRYPOINT: &str = "user_entrypoint";
/// Most idle instances a program keeps (one per level of reentrancy that needs them at once).
const MAX_IDLE: usize = 4;

/// Why an instance could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    /// Instantiation failed (imports, data segments…).
    #[error("instantiation failed: {0}")]
    Instantiate(#[from] wasmi::Error),
    /// A required export is missing or has the wrong type.
    #[error("the program does not export {0} with the expected type")]
    MissingExport(&'static str),
}

/// An instance of a program in its own store, ready to run `user_entrypoint`.
pub(crate) struct Warm {
    /// The store the instance lives in; its data is the invocation's host state.
    pub(crate) store: Store<HostState>,
    /// `user_entrypoint`.
    pub(crate) entry: TypedFunc<u32, u32>,
    /// Memory and meter globals.
    pub(crate) exports: Exports,
    /// Every exported mutable global and the value it starts with.
    globals: Vec<(Global, Val)>,
}

impl Warm {
    /// Finds the exports of `instance`, which was just instantiated in `store`.
    pub(crate) fn new(store: Store<HostState>, instance: Instance) -> Result<Self, StartError> {
        let global = |name: &'static str| {
            instance
                .get_global(&store, name)
                .ok_or(StartError::MissingExport(name))
        };
        let exports = Exports {
            memory: instance
                .get_memory(&store, "memory")
                .ok_or(StartError::MissingExport("memory"))?,
            ink_left: global(meter::INK_LEFT)?,
            ink_status: global(meter::STATUS)?,
            stack_left: global(meter::STACK_LEFT)?,
        };
        let entry = instance
            .get_typed_func::<u32, u32>(&store, ENTRYPOINT)
            .map_err(|_| StartError::MissingExport(ENTRYPOINT))?;
        let globals = instance
            .exports(&store)
            .filter_map(|export| export.into_global())
            .filter(|global| global.ty(&store).mutability().is_mut())
            .map(|global| (global, global.get(&store)))
            .collect();
        Ok(Self {
            store,
            entry,
            exports,
            globals,
        })
    }

    fn memory(&self) -> Memory {
        self.exports.memory
    }
}

/// The idle instances of one program.
#[derive(Default)]
pub(crate) struct Pool {
    /// Whether instances may be recycled: every mutable global is exported.
    recyclable: bool,
    /// The memory of a new instance, taken from the first one.
    image: OnceLock<Image>,
    /// Boxed, so that taking, running and giving back an instance moves a pointer, not the
    /// store (1.7 KB).
    #[expect(
        clippy::vec_box,
        reason = "an instance moves out of the pool and back each call"
    )]
    idle: Mutex<Vec<Box<Warm>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle.lock().map_or(0, |idle| idle.len());
        f.debug_struct("Pool")
            .field("recyclable", &self.recyclable)
            .field("idle", &idle)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool for the instrumented module `wasm`.
    pub(crate) fn new(wasm: &[u8]) -> Self {
        Self {
            recyclable: every_mutable_global_is_exported(wasm),
            ..Self::default()
        }
    }

    /// An idle instance, if there is one; otherwise the caller makes a new one and passes it to
    /// [`Pool::first_seen`].
    pub(crate) fn take(&self) -> Option<Box<Warm>> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Notes the memory image of a new instance, before it runs.
    pub(crate) fn first_seen(&self, warm: &Warm) {
        if self.recyclable {
            self.image
                .get_or_init(|| Image::new(warm.memory().data(&warm.store)));
        }
    }

    /// Takes back an instance whose invocation ended, reset to how it started; one that cannot
    /// be reset is dropped.
    pub(crate) fn put(&self, mut warm: Box<Warm>) {
        // Only a recyclable program's pool has an image.
        let Some(image) = self.image.get() else {
            return;
        };
        let memory = warm.memory().data_mut(&mut warm.store);
        if !image.restore(memory) {
            return;
        }
        for (global, value) in &warm.globals {
            if global.set(&mut warm.store, value.clone()).is_err() {
                return;
            }
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(warm);
        }
    }
}

/// A new instance's memory: mostly zeros, with the data segments' bytes in a few places.
#[derive(Debug)]
struct Image {
    bytes: Box<[u8]>,
    /// The ranges holding nonzero bytes, in order, apart by more than [`Image::GAP`].
    nonzero: Vec<Range<usize>>,
}

impl Image {
    /// Zeros shorter than this stay inside a copied range.
    const GAP: usize = 64;

    fn new(bytes: &[u8]) -> Self {
        let mut nonzero: Vec<Range<usize>> = Vec::new();
        for (at, _) in bytes.iter().enumerate().filter(|(_, byte)| **byte != 0) {
            match nonzero.last_mut() {
                Some(last) if at - last.end <= Self::GAP => last.end = at + 1,
                _ => nonzero.push(at..at + 1),
            }
        }
        Self {
            bytes: bytes.into(),
            nonzero,
        }
    }

    /// Writes the image over `memory` (zero-filling between the nonzero ranges, which is
    /// cheaper than copying); false, and nothing written, when the sizes differ.
    fn restore(&self, memory: &mut [u8]) -> bool {
        if memory.len() != self.bytes.len() {
            return false;
        }
        let mut at = 0;
        for range in &self.nonzero {
            memory[at..range.start].fill(0);
            memory[range.clone()].copy_from_slice(&self.bytes[range.clone()]);
            at = range.end;
        }
        memory[at..].fill(0);
        true
    }
}

/// Whether `wasm` exports each global it defines as mutable (it imports none: Stylus programs
/// import only host functions).
fn every_mutable_global_is_exported(wasm: &[u8]) -> bool {
    let mut mutable = Vec::new();
    let mut exported = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ImportSection(reader)) if reader.count() > 0 => {
                let imports_global = reader.into_imports().any(|import| {
                    import.map_or(true, |i| matches!(i.ty, wasmparser::TypeRef::Global(_)))
                });
                if imports_global {
                    return false;
                }
            }
            Ok(Payload::GlobalSection(reader)) => {
                for (index, global) in reader.into_iter().enumerate() {
                    match global {
                        Ok(global) if global.ty.mutable => mutable.push(index as u32),
                        Ok(_) => {}
                        Err(_) => return false,
                    }
                }
            }
            Ok(Payload::ExportSection(reader)) => {
                for export in reader {
                    match export {
                        Ok(export) if export.kind == ExternalKind::Global => {
                            exported.push(export.index)
                        }
                        Ok(_) => {}
                        Err(_) => return false,
                    }
                }
            }
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    mutable.iter().all(|index| exported.contains(index))
}

#[cfg(test)]
impl Pool {
    /// How many instances wait in the pool.
    fn idle(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stylus::{
        api::{ApiStatus, EvmData, Outcome, Response},
        hostio::testkit::{compile_as_is, no_evm, run},
        params::StylusParams,
        program::{Program, engine},
    };

    /// A program that reports memory byte 100 (a data segment's `A`), a mutable global (7)
    /// and the memory's size in pages, then overwrites both, grows memory by calldata[0]
    /// pages, and traps when calldata[1] is nonzero.
    fn scribbler() -> Program {
        let wat = r#"(module
            (import "vm_hooks" "read_args" (func $read_args (param i32)))
            (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
            (import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32)))
            (memory (export "memory") 1 4)
            (global $g (mut i32) (i32.const 7))
            (data (i32.const 100) "A")
            (func (export "user_entrypoint") (param $len i32) (result i32)
                (call $read_args (i32.const 200))
                (i32.store8 (i32.const 101) (global.get $g))
                (i32.store8 (i32.const 102) (memory.size))
                (call $write_result (i32.const 100) (i32.const 3))
                (i32.store8 (i32.const 100) (i32.const 0xff))
                (global.set $g (i32.const 99))
                (drop (memory.grow (i32.load8_u (i32.const 200))))
                (if (i32.load8_u (i32.const 201)) (then unreachable))
                (i32.const 0)))"#;
        let wasm = wat::parse_str(wat).unwrap();
        Program::activate(&wasm, &StylusParams::default(), &engine()).unwrap()
    }

    fn pages_paid(_: &crate::stylus::api::Request) -> Response {
        Response::Status {
            status: ApiStatus::Success,
            gas_cost: 0,
        }
    }

    fn report(program: &Program, grow: u8, trap: u8) -> Outcome {
        run(program, EvmData::default(), &[grow, trap], pages_paid).outcome
    }

    #[test]
    fn a_recycled_instance_starts_as_a_new_one_even_after_a_trap() {
        let p = scribbler();
        let fresh = Outcome::Success(vec![b'A', 7, 1]);
        assert_eq!(report(&p, 0, 0), fresh);
        assert_eq!(
            p.pool().idle(),
            1,
            "a finished invocation gives its instance back"
        );
        assert!(matches!(report(&p, 0, 1), Outcome::Failure(_)));
        assert_eq!(p.pool().idle(), 1);
        assert_eq!(report(&p, 0, 0), fresh);
    }

    #[test]
    fn an_instance_whose_memory_grew_is_not_kept() {
        let p = scribbler();
        assert_eq!(report(&p, 1, 0), Outcome::Success(vec![b'A', 7, 1]));
        assert_eq!(p.pool().idle(), 0);
        assert_eq!(report(&p, 0, 0), Outcome::Success(vec![b'A', 7, 1]));
        assert_eq!(p.pool().idle(), 1);
    }

    #[test]
    fn a_module_with_a_hidden_mutable_global_is_never_recycled() {
        let wat = r#"(module
            (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
            (memory (export "memory") 1)
            (global (export "stylus_ink_left") (mut i64) (i64.const 0))
            (global (export "stylus_ink_status") (mut i32) (i32.const 0))
            (global (export "stylus_stack_left") (mut i32) (i32.const 0))
            (global $hidden (mut i32) (i32.const 0))
            (func (export "user_entrypoint") (param i32) (result i32)
                (global.set $hidden (i32.add (global.get $hidden) (i32.const 1)))
                (i32.store8 (i32.const 0) (global.get $hidden))
                (call $write_result (i32.const 0) (i32.const 1))
                (i32.const 0)))"#;
        let p = compile_as_is(wat::parse_str(wat).unwrap());
        for _ in 0..2 {
            let outcome = run(&p, EvmData::default(), &[], no_evm).outcome;
            assert_eq!(
                outcome,
                Outcome::Success(vec![1]),
                "a new instance every time"
            );
        }
        assert_eq!(p.pool().idle(), 0);
    }

    #[test]
    fn restoring_an_image_writes_it_byte_for_byte() {
        let mut bytes = vec![0u8; 4096];
        bytes[0] = 1;
        bytes[10] = 2;
        bytes[1000..1010].fill(3);
        bytes[4095] = 4;
        let image = Image::new(&bytes);
        assert_eq!(image.nonzero, [0..11, 1000..1010, 4095..4096]);
        let mut memory = vec![0xee; 4096];
        assert!(image.restore(&mut memory));
        assert_eq!(memory, bytes);
        assert!(!image.restore(&mut [0; 10]), "another size is left alone");
    }
}
