//! The memory checks of Nitro's `HeapBound`, and the page bound wasmi enforces.

use wasmparser::{MemoryType, ValType};

use super::error::Rejection;
use super::module::ModuleInfo;

/// Pages Nitro's compile config bounds a program's memory by (8 MiB).
const HEAP_BOUND_PAGES: u64 = 128;

/// What instrumentation does with the memory.
#[derive(Debug)]
pub(super) struct HeapPlan {
    /// Initial pages.
    pub(super) footprint: u16,
    /// The memory as emitted: its maximum lowered to the page bound.
    pub(super) memory: MemoryType,
    /// Function index of `pay_for_memory_grow`, called before every `memory.grow`; `None` when
    /// the memory cannot grow (maximum equal to minimum).
    pub(super) pay_func: Option<u32>,
}

/// Checks the single exported memory against `page_limit` (and Nitro's fixed bound) and finds the
/// growth payment import when the memory can grow.
pub(super) fn plan(info: &ModuleInfo, page_limit: u16) -> Result<HeapPlan, Rejection> {
    let memory = match info.memories.as_slice() {
        [] => return Err(Rejection::MissingMemory),
        [memory] => *memory,
        _ => return Err(Rejection::TooManyMemories),
    };
    if !info.memory_exported {
        return Err(Rejection::MissingMemory);
    }
    let limit = HEAP_BOUND_PAGES.min(u64::from(page_limit));
    if memory.initial > limit {
        return Err(Rejection::MemoryTooLarge {
            pages: memory.initial,
            limit,
        });
    }
    let pay_func = if memory.maximum == Some(memory.initial) {
        None
    } else {
        let func = info.pay_import.ok_or(Rejection::MissingPayForMemoryGrow)?;
        let ty = info.sigs.of_func(func)?;
        if ty.params() != [ValType::I32] || !ty.results().is_empty() {
            return Err(Rejection::PayForMemoryGrowType);
        }
        Some(func)
    };
    let maximum = memory.maximum.map_or(limit, |max| max.min(limit));
    Ok(HeapPlan {
        // At most HEAP_BOUND_PAGES, checked above.
        footprint: memory.initial as u16,
        memory: MemoryType {
            maximum: Some(maximum),
            ..memory
        },
        pay_func,
    })
}
