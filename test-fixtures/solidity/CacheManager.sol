// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @dev The part of ArbWasm (0x71) the cache manager uses.
interface IArbWasmForCache {
    function codehashAsmSize(bytes32 codehash) external view returns (uint32 size);
}

/// @dev The part of ArbWasmCache (0x72) the cache manager uses; it must be one of its managers.
interface IArbWasmCacheForManager {
    function codehashIsCached(bytes32 codehash) external view returns (bool);
    function cacheProgram(address addr) external;
    function evictCodehash(bytes32 codehash) external;
}

/// @title CacheManager
/// @notice An auction for the Stylus program cache, with the interface `cargo stylus cache bid|status`
///         calls. A bid of `msg.value` wei on a program counts as `msg.value + decay × block.timestamp`,
///         so later bids outrank earlier equal ones. While the cached programs' sizes would exceed
///         `cacheSize`, the lowest bids are evicted; a bid below the highest one it would evict is
///         refused. The dev node predeploys it and registers it with ArbWasmCache, where tools find it
///         (`allCacheManagers`). Written for Cloudless from the interface.
contract CacheManager {
    /// @notice A cached program: code hash, size as the cache counts it (the estimated native size,
    ///         at least 4 KiB) and bid.
    struct Entry {
        bytes32 code;
        uint64 size;
        uint192 bid;
    }

    IArbWasmForCache private constant ARB_WASM = IArbWasmForCache(address(0x71));
    IArbWasmCacheForManager private constant ARB_WASM_CACHE = IArbWasmCacheForManager(address(0x72));
    /// @dev Programs smaller than this count as this size.
    uint64 private constant MIN_SIZE = 4096;

    // The dev node writes this layout at genesis (devnode/src/predeploys.rs): slot 0 packs
    // cacheSize, queueSize, decay and isPaused from its low end; slot 1 holds the owner.

    /// @notice Bytes the cache may hold.
    uint64 public cacheSize;
    /// @notice Bytes the cached programs take.
    uint64 public queueSize;
    /// @notice Wei a bid gains per second of `block.timestamp`.
    uint64 public decay;
    /// @notice True while new bids are refused.
    bool public isPaused;
    /// @notice The account that may change the parameters, pause and evict.
    address public owner;
    Entry[] private entries;

    event InsertBid(bytes32 indexed codehash, address program, uint192 bid, uint64 size);
    event DeleteBid(bytes32 indexed codehash, uint192 bid, uint64 size);
    event SetCacheSize(uint64 size);
    event SetDecayRate(uint64 decay);
    event Pause();
    event Unpause();

    /// @notice Only the owner may do that.
    error NotChainOwner(address sender);
    /// @notice The program (`asm` bytes) can never fit in the cache.
    error AsmTooLarge(uint256 asm, uint256 queueSize, uint256 cacheSize);
    /// @notice The program's code is cached already.
    error AlreadyCached(bytes32 codehash);
    /// @notice The bid with its decay term does not fit in 192 bits.
    error BidTooLarge(uint256 bid);
    /// @notice The bid is below the highest bid it would have to evict.
    error BidTooSmall(uint192 bid, uint192 min);
    /// @notice Bids are paused.
    error BidsArePaused();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotChainOwner(msg.sender);
        _;
    }

    /// @notice Sets the cache's size; a smaller size evicts only as new bids arrive.
    function setCacheSize(uint64 newSize) external onlyOwner {
        cacheSize = newSize;
        emit SetCacheSize(newSize);
    }

    /// @notice Sets the decay rate of future bids.
    function setDecayRate(uint64 newDecay) external onlyOwner {
        decay = newDecay;
        emit SetDecayRate(newDecay);
    }

    /// @notice Refuses new bids.
    function paused() external onlyOwner {
        isPaused = true;
        emit Pause();
    }

    /// @notice Accepts new bids again.
    function unpause() external onlyOwner {
        isPaused = false;
        emit Unpause();
    }

    /// @notice Evicts every cached program.
    function evictAll() external onlyOwner {
        evictPrograms(type(uint256).max);
    }

    /// @notice Evicts up to `count` programs, lowest bids first.
    function evictPrograms(uint256 count) public onlyOwner {
        for (; count != 0 && entries.length != 0; count--) {
            evict(lowest());
        }
    }

    /// @notice Every cached program, in no particular order.
    function getEntries() external view returns (Entry[] memory) {
        return entries;
    }

    /// @notice The `k` lowest bids (all of them if there are fewer), lowest first.
    function getSmallestEntries(uint256 k) public view returns (Entry[] memory sorted) {
        sorted = byBid();
        if (k < sorted.length) {
            assembly ("memory-safe") {
                mstore(sorted, k)
            }
        }
    }

    /// @notice The least `msg.value` a bid on a program of `size` bytes needs now.
    function getMinBid(uint64 size) public view returns (uint192) {
        if (size > cacheSize) revert AsmTooLarge(size, 0, cacheSize);
        uint256 fill = uint256(queueSize) + size;
        if (fill <= cacheSize) return 0;
        uint256 needed = fill - cacheSize;
        Entry[] memory sorted = byBid();
        uint256 freed;
        uint192 min;
        for (uint256 i; freed < needed; i++) {
            freed += sorted[i].size;
            min = sorted[i].bid;
        }
        uint256 decayed = block.timestamp * decay;
        return min > decayed ? uint192(min - decayed) : 0;
    }

    /// @notice The least `msg.value` a bid on the program with `codehash` needs now.
    function getMinBid(bytes32 codehash) public view returns (uint192) {
        return getMinBid(asmSize(codehash));
    }

    /// @notice The least `msg.value` a bid on `program` needs now.
    function getMinBid(address program) external view returns (uint192) {
        return getMinBid(program.codehash);
    }

    /// @notice Caches `program` for a bid of `msg.value`, evicting the lowest bids to make room.
    ///         The program must be activated (ArbWasm's errors are re-raised) and not cached yet.
    function placeBid(address program) external payable {
        if (isPaused) revert BidsArePaused();
        bytes32 codehash = program.codehash;
        if (ARB_WASM_CACHE.codehashIsCached(codehash)) revert AlreadyCached(codehash);
        uint64 size = asmSize(codehash);
        if (size > cacheSize) revert AsmTooLarge(size, queueSize, cacheSize);
        uint256 total = msg.value + block.timestamp * decay;
        if (total > type(uint192).max) revert BidTooLarge(total);
        uint192 bid = uint192(total);

        uint192 min;
        while (queueSize + size > cacheSize) {
            uint256 i = lowest();
            min = entries[i].bid;
            evict(i);
        }
        if (bid < min) revert BidTooSmall(bid, min);

        ARB_WASM_CACHE.cacheProgram(program);
        entries.push(Entry({code: codehash, size: size, bid: bid}));
        queueSize += size;
        emit InsertBid(codehash, program, bid, size);
    }

    /// @dev The cache's size for the program with `codehash`.
    function asmSize(bytes32 codehash) private view returns (uint64) {
        uint64 size = ARB_WASM.codehashAsmSize(codehash);
        return size < MIN_SIZE ? MIN_SIZE : size;
    }

    /// @dev The index of the (first) lowest bid; there must be one.
    function lowest() private view returns (uint256 index) {
        uint256 n = entries.length;
        for (uint256 i = 1; i < n; i++) {
            if (entries[i].bid < entries[index].bid) index = i;
        }
    }

    /// @dev Evicts entry `i`, moving the last entry into its place.
    function evict(uint256 i) private {
        Entry memory entry = entries[i];
        ARB_WASM_CACHE.evictCodehash(entry.code);
        queueSize -= entry.size;
        emit DeleteBid(entry.code, entry.bid, entry.size);
        entries[i] = entries[entries.length - 1];
        entries.pop();
    }

    /// @dev The entries sorted by bid, lowest first (ties in storage order).
    function byBid() private view returns (Entry[] memory sorted) {
        sorted = entries;
        for (uint256 i = 1; i < sorted.length; i++) {
            Entry memory entry = sorted[i];
            uint256 j = i;
            for (; j != 0 && sorted[j - 1].bid > entry.bid; j--) {
                sorted[j] = sorted[j - 1];
            }
            sorted[j] = entry;
        }
    }
}
