//! Nitro's ArbWasmCache precompile (`0x…72`): which programs are cached, and who may change it
//! (the cache managers, such as the chain's `CacheManager` contract).

use alloy_primitives::{Address, address};
use alloy_sol_types::sol;

/// The ArbWasmCache precompile's address.
pub const ARB_WASM_CACHE: Address = address!("0x0000000000000000000000000000000000000072");

sol! {
    /// Nitro's ArbWasmCache precompile interface (the subset the harness serves).
    #[derive(Debug, PartialEq, Eq)]
    interface IArbWasmCache {
        function isCacheManager(address manager) external view returns (bool);
        function allCacheManagers() external view returns (address[] memory managers);
        function cacheProgram(address addr) external;
        function evictCodehash(bytes32 codehash) external;
        function codehashIsCached(bytes32 codehash) external view returns (bool);

        event UpdateProgramCache(address indexed manager, bytes32 indexed codehash, bool cached);
    }
}
