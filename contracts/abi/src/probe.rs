//! `IProbe`: the SDK probe contract that exercises storage maps and vectors, events, custom
//! errors, a payable method, value transfers and calls into other contracts.

use alloy_sol_types::sol;

sol! {
    /// The probe contract's interface.
    #[derive(Debug, PartialEq, Eq)]
    interface IProbe {
        /// `counter` was set to `counter` by `by`.
        event Incremented(address indexed by, uint256 counter);
        /// `who` deposited `amount` wei; their balance is now `newBalance`.
        event Deposited(address indexed who, uint256 amount, uint256 newBalance);
        /// A `tryRelay` call to `target` finished with `success`.
        event Relayed(address indexed target, bool success);

        /// `deposit` was called without value.
        error ZeroAmount();
        /// `who` asked to withdraw `want` wei but holds only `have`.
        error InsufficientBalance(address who, uint256 have, uint256 want);
        /// `setThenRevert(value)` always reverts with this after writing `value`.
        error Boom(uint256 value);

        /// The counter.
        function counter() external view returns (uint256);
        /// Adds one to the counter, appends it to the history, emits `Incremented`; returns it.
        function increment() external returns (uint256);
        /// Number of entries in the history.
        function historyLen() external view returns (uint256);
        /// History entry `index`, or 0 when out of range.
        function historyAt(uint256 index) external view returns (uint256);
        /// Credits `msg.value` to the sender (`ZeroAmount` when none), emits `Deposited`;
        /// returns the new balance.
        function deposit() external payable returns (uint256);
        /// The wei balance credited to `who`.
        function balanceOf(address who) external view returns (uint256);
        /// Debits `amount` from the sender's balance and sends it to them in wei.
        function withdraw(uint256 amount) external;
        /// `IERC20(token).balanceOf(who)` through a static call.
        function tokenBalance(address token, address who) external view returns (uint256);
        /// `IERC20(token).transferFrom(from, address(this), amount)`.
        function pullToken(address token, address from, uint256 amount) external returns (bool);
        /// Calls `target` with `data`; reverts with the callee's revert data when it fails.
        function relay(address target, bytes calldata data) external returns (bytes memory);
        /// Calls `target` with `data` and never reverts: emits `Relayed`, then adds one to the
        /// counter.
        function tryRelay(address target, bytes calldata data) external returns (bool success, bytes memory ret);
        /// Sets the counter to `value`, emits `Incremented`, then reverts with `Boom(value)`.
        function setThenRevert(uint256 value) external;
    }
}
