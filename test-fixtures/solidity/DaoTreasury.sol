// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {DeploymentSpec, IMarket} from "ICloudless.sol";

/// @notice The ERC-20 calls the treasury makes.
interface IPaymentToken {
    function approve(address spender, uint256 value) external returns (bool);
    function transfer(address to, uint256 value) external returns (bool);
}

/// @title DaoTreasury
/// @notice A DAO's treasury that runs its own deployments on the Cloudless market through the
///         generated `ICloudless.sol` interface: it creates them, tops them up, takes back what the
///         reserve allows and cancels them. Only its owner (the DAO's executor) may act.
contract DaoTreasury {
    /// @notice The DAO's executor.
    address public immutable owner;
    /// @notice The payment token the treasury holds.
    IPaymentToken public immutable token;
    /// @notice The Cloudless market.
    IMarket public immutable market;

    /// @notice The treasury created deployment `deploymentId`.
    event DeploymentOpened(uint64 indexed deploymentId, uint256 deposit);

    /// @notice `caller` is not the owner.
    error NotOwner(address caller);
    /// @notice The token refused to approve or transfer.
    error TokenRefused();

    constructor(IPaymentToken token_, IMarket market_) {
        owner = msg.sender;
        token = token_;
        market = market_;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Creates a deployment paid with `deposit` from the treasury.
    function open(DeploymentSpec calldata spec, uint256 deposit) external onlyOwner returns (uint64 deploymentId) {
        allow(deposit);
        deploymentId = market.createDeployment(spec, deposit);
        emit DeploymentOpened(deploymentId, deposit);
    }

    /// @notice Adds `amount` from the treasury to a deployment.
    function fund(uint64 deploymentId, uint256 amount) external onlyOwner {
        allow(amount);
        market.topUp(deploymentId, amount);
    }

    /// @notice Takes `amount` above the reserve back into the treasury.
    function reclaim(uint64 deploymentId, uint256 amount) external onlyOwner {
        market.withdraw(deploymentId, amount);
    }

    /// @notice Ends a deployment after the market's notice period.
    function cancel(uint64 deploymentId) external onlyOwner {
        market.cancel(deploymentId);
    }

    /// @notice Pays `amount` of the treasury's tokens to `to`.
    function pay(address to, uint256 amount) external onlyOwner {
        if (!token.transfer(to, amount)) revert TokenRefused();
    }

    function allow(uint256 amount) private {
        if (!token.approve(address(market), amount)) revert TokenRefused();
    }
}
