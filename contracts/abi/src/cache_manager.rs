//! The CacheManager: an auction for the Stylus program cache. A bid buys a program a place in
//! ArbWasmCache until higher bids evict it; `cargo stylus cache bid|status` talk to it.

use alloy_sol_types::sol;

sol! {
    /// The CacheManager's interface, as cargo-stylus calls it and as the dev node's predeploy
    /// (`test-fixtures/solidity/CacheManager.sol`) implements it.
    #[derive(Debug, PartialEq, Eq)]
    interface ICacheManager {
        /// A cached program: its code hash, its size in bytes as the cache counts it (the
        /// program's estimated native size, at least 4 KiB) and its bid.
        struct Entry {
            bytes32 code;
            uint64 size;
            uint192 bid;
        }

        function cacheSize() external view returns (uint64);
        function queueSize() external view returns (uint64);
        function decay() external view returns (uint64);
        function isPaused() external view returns (bool);
        function owner() external view returns (address);
        function getEntries() external view returns (Entry[] memory);
        function getSmallestEntries(uint256 k) external view returns (Entry[] memory);
        function getMinBid(uint64 size) external view returns (uint192 min);
        function getMinBid(bytes32 codehash) external view returns (uint192 min);
        function getMinBid(address program) external view returns (uint192 min);
        function placeBid(address program) external payable;
        function setCacheSize(uint64 newSize) external;
        function setDecayRate(uint64 newDecay) external;
        function paused() external;
        function unpause() external;
        function evictAll() external;
        function evictPrograms(uint256 count) external;

        event InsertBid(bytes32 indexed codehash, address program, uint192 bid, uint64 size);
        event DeleteBid(bytes32 indexed codehash, uint192 bid, uint64 size);
        event SetCacheSize(uint64 size);
        event SetDecayRate(uint64 decay);
        event Pause();
        event Unpause();

        error NotChainOwner(address sender);
        error AsmTooLarge(uint256 asm, uint256 queueSize, uint256 cacheSize);
        error AlreadyCached(bytes32 codehash);
        error BidTooLarge(uint256 bid);
        error BidTooSmall(uint192 bid, uint192 min);
        error BidsArePaused();
    }
}
