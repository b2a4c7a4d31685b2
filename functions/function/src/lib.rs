//! The function kit. A Cloudless *function* is a Stylus program whose answer depends on its
//! request alone: request = calldata, response = return data, no storage, no calls, no
//! environment reads. [`function!`] turns a plain handler `fn(&[u8]) -> Result<Vec<u8>, E>` into
//! the program's `user_entrypoint`, which imports only `vm_hooks::read_args`, `write_result` and
//! `pay_for_memory_grow` (plus `native_keccak256` if the handler calls [`keccak256`]).
//!
//! A function crate is `#![cfg_attr(target_arch = "wasm32", no_std)]` with `extern crate alloc;`:
//! on wasm32 the macro supplies the panic handler and this kit a bump allocator, so the program
//! carries no std; natively the handler is ordinary Rust, tested with `cargo test`.

#![no_std]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use core::fmt::{Display, Write};

#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub use wasm::{entrypoint, panic};

/// The status `user_entrypoint` returns for a response (0) and for a revert (1).
pub mod status {
    /// The handler answered: the return data is its response.
    pub const OK: usize = 0;
    /// The handler failed: the call reverts with its message.
    pub const REVERT: usize = 1;
}

/// What a handler's error becomes: the revert data of the call.
pub trait ErrorMessage {
    /// The bytes the call reverts with.
    fn into_message(self) -> Vec<u8>;
}

/// Any displayable error reverts with its text (UTF-8).
impl<T: Display> ErrorMessage for T {
    fn into_message(self) -> Vec<u8> {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = write!(text, "{self}");
        text.into_bytes()
    }
}

/// An error that reverts with exactly these bytes (e.g. an ABI-encoded custom error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteMessage(pub Vec<u8>);

impl ErrorMessage for ByteMessage {
    fn into_message(self) -> Vec<u8> {
        self.0
    }
}

/// Runs `handler` on `request` and returns what the program writes and the status it returns
/// ([`status::OK`] with the response, [`status::REVERT`] with the error's message).
pub fn respond<E: ErrorMessage>(
    request: &[u8],
    handler: fn(&[u8]) -> Result<Vec<u8>, E>,
) -> (Vec<u8>, usize) {
    match handler(request) {
        Ok(response) => (response, status::OK),
        Err(error) => (error.into_message(), status::REVERT),
    }
}

/// keccak256 of `bytes`. On wasm32 this calls Nitro's `native_keccak256` (the one hook beyond the
/// entrypoint's a function may import); natively it hashes in Rust, so handlers that hash are
/// tested like any other.
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    #[cfg(target_arch = "wasm32")]
    {
        wasm::keccak256(bytes)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use tiny_keccak::Hasher;
        let mut hasher = tiny_keccak::Keccak::v256();
        hasher.update(bytes);
        let mut output = [0u8; 32];
        hasher.finalize(&mut output);
        output
    }
}

/// Defines the program's `user_entrypoint` (and, on wasm32, its panic handler) for `handler`, a
/// `fn(&[u8]) -> Result<Vec<u8>, E>` where `E` is [`Display`] or a [`ByteMessage`]: the request
/// is the calldata, `Ok` is returned as the response, `Err` reverts with its message. A panic
/// traps, which reverts with no data.
///
/// ```ignore
/// #![cfg_attr(target_arch = "wasm32", no_std)]
/// extern crate alloc;
/// use alloc::vec::Vec;
///
/// pub fn echo(request: &[u8]) -> Result<Vec<u8>, &'static str> {
///     Ok(request.to_vec())
/// }
///
/// cloudless_function::function!(echo);
/// ```
#[macro_export]
macro_rules! function {
    ($handler:path) => {
        /// The program's entry point (Stylus ABI): answers the calldata with `$handler`.
        #[cfg(target_arch = "wasm32")]
        #[unsafe(no_mangle)]
        pub extern "C" fn user_entrypoint(len: usize) -> usize {
            $crate::entrypoint(len, $handler)
        }

        #[cfg(target_arch = "wasm32")]
        #[panic_handler]
        fn __cloudless_function_panic(_: &core::panic::PanicInfo) -> ! {
            $crate::panic()
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn double(request: &[u8]) -> Result<Vec<u8>, &'static str> {
        if request.is_empty() {
            return Err("empty request");
        }
        Ok(request.iter().map(|b| b.wrapping_mul(2)).collect())
    }

    #[test]
    fn ok_is_the_response_with_status_zero() {
        assert_eq!(respond(&[1, 2, 200], double), (vec![2, 4, 144], 0));
    }

    #[test]
    fn a_displayable_error_reverts_with_its_text() {
        assert_eq!(respond(&[], double), (b"empty request".to_vec(), 1));
        assert_eq!(42u32.into_message(), b"42");
    }

    #[test]
    fn keccak256_is_ethereums_hash() {
        // keccak256("") and keccak256("abc"), as every Ethereum library lists them.
        let hex = |hash: [u8; 32]| {
            hash.iter()
                .map(|b| alloc::format!("{b:02x}"))
                .collect::<alloc::string::String>()
        };
        assert_eq!(
            hex(keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        assert_eq!(
            hex(keccak256(b"abc")),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
        );
    }

    #[test]
    fn a_byte_message_reverts_with_exactly_its_bytes() {
        fn custom(_: &[u8]) -> Result<Vec<u8>, ByteMessage> {
            Err(ByteMessage(vec![0xde, 0xad, 0, 0xff]))
        }
        assert_eq!(respond(&[], custom), (vec![0xde, 0xad, 0, 0xff], 1));
    }
}
