// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title Caller
/// @notice Forwards calldata to another contract with each call kind. Executor tests put it between
///         EVM and Stylus frames. Failed calls re-raise the callee's revert data unchanged, except in
///         `tryForward`, which records the outcome instead.
contract Caller {
    /// @notice Outcome of the most recent `tryForward`.
    bool public lastOk;

    /// @notice Emitted by `tryForward` with the outcome of its call.
    event Forwarded(address indexed target, bool ok);

    /// @notice CALLs `target` with `data` and all available gas; returns its output.
    function forward(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        return checked(ok, ret);
    }

    /// @notice CALLs `target` with `data` without propagating a failure: stores the outcome in
    ///         `lastOk`, emits `Forwarded`, and returns the outcome and the output (or revert data).
    function tryForward(address target, bytes calldata data) external returns (bool ok, bytes memory ret) {
        (ok, ret) = target.call(data);
        lastOk = ok;
        emit Forwarded(target, ok);
    }

    /// @notice STATICCALLs `target` with `data`; returns its output.
    function staticForward(address target, bytes calldata data) external view returns (bytes memory) {
        (bool ok, bytes memory ret) = target.staticcall(data);
        return checked(ok, ret);
    }

    /// @notice DELEGATECALLs `target` with `data` (the callee's code runs on this contract's
    ///         storage); returns its output.
    function delegateForward(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.delegatecall(data);
        return checked(ok, ret);
    }

    /// @notice CALLs `target` with `data`, passing on `msg.value`; returns its output.
    function forwardValue(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        return checked(ok, ret);
    }

    /// @dev Returns `ret` on success; otherwise reverts with `ret` as the revert data, byte for byte.
    function checked(bool ok, bytes memory ret) private pure returns (bytes memory) {
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }
}
