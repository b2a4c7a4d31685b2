//! Programs' entry points. Each Cloudless contract is a *core* program holding the storage and
//! the hot functions, plus an *extension* program with the rest, which the core reaches by
//! `DELEGATECALL` for selectors it does not know (so both run on the core's storage). Splitting
//! keeps each program under Arbitrum's code-size limit while the hot paths (matching, proofs,
//! deposits) pay no extra call.

use alloc::vec::Vec;

use alloy_primitives::Address;
use stylus_sdk::{call::delegate_call, prelude::*};

use cloudless_abi::market::IGoverned;

use crate::{Revert, revert};

/// Runs `input` in the extension program at `extension` on this program's storage
/// (`NotInitialized` while no extension is set).
pub fn delegate<S: TopLevelStorage + HostAccess>(
    state: &mut S,
    extension: Address,
    input: &[u8],
) -> Result<Vec<u8>, Revert> {
    if extension.is_zero() {
        return Err(revert(IGoverned::NotInitialized {}));
    }
    let context = Call::new_mutating(state);
    // SAFETY: the extension is built from the same state crate, so it reads and writes this
    // storage with the same layout; its address is fixed once at `initialize`.
    #[allow(unsafe_code)]
    let result = unsafe { delegate_call(state.vm(), context, extension, input) };
    result.map_err(Vec::from)
}

/// Defines `user_entrypoint` for a program whose storage is `$state` (at slot 0) and whose
/// functions are `$dispatch`, with `$fallback` for unknown selectors. `guarded` programs revert
/// with `Reentered` when entered while already running; extensions are not guarded, because
/// they run only inside their core's (guarded) call frame.
#[macro_export]
macro_rules! entrypoint {
    ($state:ty, $dispatch:path, $fallback:expr, guarded = $guarded:literal) => {
        /// The program's entry point (Stylus ABI).
        #[unsafe(no_mangle)]
        #[allow(unsafe_code)]
        pub extern "C" fn user_entrypoint(len: usize) -> usize {
            use stylus_sdk::prelude::*;
            let host = stylus_sdk::host::VM {
                host: stylus_sdk::host::WasmVM {},
            };
            if $guarded && host.msg_reentrant() {
                let error = cloudless_abi::market::IGoverned::Reentered {};
                host.write_result(&alloy_sol_types::SolError::abi_encode(&error));
                return 1;
            }
            // References `pay_for_memory_grow`, which Nitro's activation requires (a no-op).
            host.pay_for_memory_grow(0);
            let input = host.read_args(len);
            // SAFETY: `$state` is the program's whole storage, rooted at slot 0, and this is the
            // only instance for the call, as in the SDK's own entry point.
            let mut state = unsafe {
                <$state as stylus_sdk::storage::StorageType>::new(
                    alloy_primitives::U256::ZERO,
                    0,
                    host.clone(),
                )
            };
            let (data, status) = match $crate::abi::run(&mut state, &input, $dispatch, $fallback) {
                Ok(data) => (data, 0),
                Err(data) => (data, 1),
            };
            host.flush_cache(false);
            host.write_result(&data);
            status
        }
    };
}
