// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title Deployer
/// @notice Runs arbitrary init code with CREATE or CREATE2, passing on `msg.value`. Executor tests use
///         it to create contracts (EVM or Stylus) from inside a call chain.
contract Deployer {
    /// @notice The init code reverted, ran out of gas, or its code was rejected (the opcode returned
    ///         the zero address).
    error DeployFailed();

    /// @notice Deploys `initcode` with CREATE and returns the new address.
    function deploy(bytes memory initcode) external payable returns (address created) {
        assembly ("memory-safe") {
            created := create(callvalue(), add(initcode, 0x20), mload(initcode))
        }
        if (created == address(0)) revert DeployFailed();
    }

    /// @notice Deploys `initcode` with CREATE2 and `salt`, and returns the new address.
    function deploy2(bytes memory initcode, bytes32 salt) external payable returns (address created) {
        assembly ("memory-safe") {
            created := create2(callvalue(), add(initcode, 0x20), mload(initcode), salt)
        }
        if (created == address(0)) revert DeployFailed();
    }
}
