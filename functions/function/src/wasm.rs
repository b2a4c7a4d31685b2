//! The wasm32 side: Nitro's hooks a function may import, the entrypoint body, the panic
//! handler and a bump allocator.

#![allow(unsafe_code)]

use alloc::vec::Vec;
use core::{
    alloc::{GlobalAlloc, Layout},
    sync::atomic::{AtomicUsize, Ordering},
};

use crate::{ErrorMessage, respond};

#[link(wasm_import_module = "vm_hooks")]
unsafe extern "C" {
    fn read_args(dest: *mut u8);
    fn write_result(data: *const u8, len: usize);
    fn pay_for_memory_grow(pages: u16);
    fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8);
}

/// The body of `user_entrypoint`: read the `len`-byte calldata, answer it, write the result.
pub fn entrypoint<E: ErrorMessage>(len: usize, handler: fn(&[u8]) -> Result<Vec<u8>, E>) -> usize {
    let mut request = Vec::<u8>::with_capacity(len);
    // SAFETY: `pay_for_memory_grow(0)` is a no-op that Nitro's activation requires every program
    // to import; `read_args` writes exactly the `len` calldata bytes into the buffer, which has
    // room for them.
    unsafe {
        pay_for_memory_grow(0);
        read_args(request.as_mut_ptr());
        request.set_len(len);
    }
    let (response, status) = respond(&request, handler);
    // SAFETY: `write_result` only reads the response.
    unsafe { write_result(response.as_ptr(), response.len()) };
    status
}

/// The panic handler's body: trap, which reverts the call with no data.
pub fn panic() -> ! {
    core::arch::wasm32::unreachable()
}

/// keccak256 through the `native_keccak256` hook.
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    let mut output = [0u8; 32];
    // SAFETY: the hook reads `bytes` and writes 32 bytes into `output`.
    unsafe { native_keccak256(bytes.as_ptr(), bytes.len(), output.as_mut_ptr()) };
    output
}

/// A bump allocator: a call is short-lived, so memory is never reused. It starts at the linker's
/// `__heap_base` and grows memory a page at a time when it runs out (Nitro charges the growth).
struct Bump;

const PAGE: usize = 65_536;
/// Next free byte; 0 until the first allocation.
static NEXT: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" {
    static __heap_base: u8;
}

// SAFETY: wasm32 programs run on one thread; every block is aligned and lies inside memory that
// was grown for it.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut next = NEXT.load(Ordering::Relaxed);
        if next == 0 {
            next = &raw const __heap_base as usize;
        }
        let start = (next + layout.align() - 1) & !(layout.align() - 1);
        let Some(end) = start.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        let memory = core::arch::wasm32::memory_size(0) * PAGE;
        if end > memory {
            let pages = (end - memory).div_ceil(PAGE);
            if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                return core::ptr::null_mut();
            }
        }
        NEXT.store(end, Ordering::Relaxed);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump;
