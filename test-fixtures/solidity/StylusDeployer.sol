// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @dev The part of ArbWasm (0x71) the deployer uses.
interface IArbWasmForDeployer {
    function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);
    function stylusVersion() external view returns (uint16 version);
    function codehashVersion(bytes32 codehash) external view returns (uint16 version);
}

/// @title StylusDeployer
/// @notice Deploys a Stylus program, activates it and calls its constructor in one transaction, so no
///         one can call the program between its creation and its initialisation. `cargo stylus deploy`
///         sends programs with a `#[constructor]` here. The dev node predeploys it at
///         0xcEcba2F1DC234f70Dd89F2041029807F8D03A990, where nitro-devnode has it. Written for
///         Cloudless from the interface cargo-stylus calls.
contract StylusDeployer {
    IArbWasmForDeployer private constant ARB_WASM = IArbWasmForDeployer(address(0x71));

    /// @notice A program was created (and activated and initialised when asked) at `deployedContract`.
    event ContractDeployed(address deployedContract);

    /// @notice The init code returned no code or was refused without revert data.
    error ContractDeploymentError(bytes bytecode);
    /// @notice The call with the init data failed (for a constructor: it reverted, or the program
    ///         could not run).
    error ContractInitializationError(address newContract);
    /// @notice The caller did not accept the refund of what was left.
    error RefundExcessValueError(uint256 excessValue);
    /// @notice No init code was given.
    error EmptyBytecode();
    /// @notice `initValue` was given without init data to send it with.
    error InitValueButNotInitData();
    /// @notice `msg.value` does not cover `initValue`.
    error InitValueTooLarge(uint256 sent, uint256 initValue);

    /// @notice Creates `bytecode` (with CREATE, or with CREATE2 and `initSalt(salt, initData,
    ///         initValue)` when `salt` is not zero), activates the program when its code is not active
    ///         yet, paying the data fee out of `msg.value - initValue`, calls it with `initData` and
    ///         `initValue` when there is init data, and refunds the rest of `msg.value` to the caller.
    /// @return program The new program's address, also in the `ContractDeployed` log.
    function deploy(bytes calldata bytecode, bytes calldata initData, uint256 initValue, bytes32 salt)
        external
        payable
        returns (address program)
    {
        if (bytecode.length == 0) revert EmptyBytecode();
        if (msg.value < initValue) revert InitValueTooLarge(msg.value, initValue);
        if (initData.length == 0 && initValue != 0) revert InitValueButNotInitData();

        program = createProgram(bytecode, salt == 0 ? bytes32(0) : initSalt(salt, initData, initValue));
        if (requiresActivation(program)) {
            // ArbWasm returns what the data fee does not take to this contract.
            ARB_WASM.activateProgram{value: msg.value - initValue}(program);
        }
        if (initData.length != 0) {
            (bool ok,) = program.call{value: initValue}(initData);
            if (!ok) revert ContractInitializationError(program);
        }
        uint256 left = address(this).balance;
        if (left != 0) {
            (bool sent,) = msg.sender.call{value: left}("");
            if (!sent) revert RefundExcessValueError(left);
        }
        emit ContractDeployed(program);
    }

    /// @notice The CREATE2 salt of a deployment: the caller's salt bound to the init data and value, so
    ///         an address always stands for one initialisation.
    function initSalt(bytes32 salt, bytes calldata initData, uint256 initValue) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(salt, initData, initValue));
    }

    /// @notice True when the code at `addr` is not active under the current Stylus version (ArbWasm's
    ///         `codehashVersion` reverts for code that is not active).
    function requiresActivation(address addr) public view returns (bool) {
        try ARB_WASM.codehashVersion(addr.codehash) returns (uint16 version) {
            return version != ARB_WASM.stylusVersion();
        } catch {
            return true;
        }
    }

    /// @dev CREATE (`salt` zero) or CREATE2; a refusal with revert data re-raises that data.
    function createProgram(bytes calldata bytecode, bytes32 salt) private returns (address created) {
        bytes memory init = bytecode;
        assembly ("memory-safe") {
            switch salt
            case 0 { created := create(0, add(init, 0x20), mload(init)) }
            default { created := create2(0, add(init, 0x20), mload(init), salt) }
            if and(iszero(created), gt(returndatasize(), 0)) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
        }
        if (created == address(0)) revert ContractDeploymentError(bytecode);
    }
}
