//! The StylusDeployer: deploys a Stylus program, activates it and calls its constructor in one
//! transaction; `cargo stylus deploy` sends programs with a `#[constructor]` through it.

use alloy_sol_types::sol;

sol! {
    /// The StylusDeployer's interface, as cargo-stylus calls it and as the dev node's predeploy
    /// (`test-fixtures/solidity/StylusDeployer.sol`) implements it.
    #[derive(Debug, PartialEq, Eq)]
    interface IStylusDeployer {
        /// Creates `bytecode` (CREATE, or CREATE2 with `initSalt(salt, initData, initValue)`
        /// when `salt` is not zero), activates it when its code is not active yet (paying the
        /// data fee from `msg.value - initValue`), calls it with `initData` and `initValue`,
        /// refunds what is left and emits `ContractDeployed`.
        function deploy(bytes calldata bytecode, bytes calldata initData, uint256 initValue, bytes32 salt) external payable returns (address);
        /// The CREATE2 salt `deploy` uses for a caller's `salt`.
        function initSalt(bytes32 salt, bytes calldata initData, uint256 initValue) external pure returns (bytes32);
        /// True when the code at `addr` is not active under the current Stylus version.
        function requiresActivation(address addr) external view returns (bool);

        event ContractDeployed(address deployedContract);

        error ContractDeploymentError(bytes bytecode);
        error ContractInitializationError(address newContract);
        error RefundExcessValueError(uint256 excessValue);
        error EmptyBytecode();
        error InitValueButNotInitData();
        error InitValueTooLarge(uint256 sent, uint256 initValue);
    }

    /// The selector stylus-sdk routes to a program's `#[constructor]`; cargo-stylus puts it
    /// before the ABI-encoded constructor arguments in `initData`.
    function stylus_constructor();
}
