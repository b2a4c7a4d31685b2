// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title Store
/// @notice One storage slot with a setter that can also revert after writing. Executor tests use it
///         as the leaf of mixed EVM/Stylus call chains to observe storage, logs and rollback.
contract Store {
    uint256 private stored;

    /// @notice Emitted by every write, including the one `setAndRevert` rolls back.
    event Set(uint256 value);

    /// @notice Raised by `setAndRevert` after it has written `value` and emitted `Set(value)`.
    error Reverted(uint256 value);

    /// @notice Stores `value` and emits `Set(value)`.
    function set(uint256 value) public {
        stored = value;
        emit Set(value);
    }

    /// @notice Returns the stored value.
    function get() external view returns (uint256) {
        return stored;
    }

    /// @notice Stores `value`, emits `Set(value)`, then reverts with `Reverted(value)`, so the
    ///         caller's frame must discard both the write and the log.
    function setAndRevert(uint256 value) external {
        set(value);
        revert Reverted(value);
    }
}
