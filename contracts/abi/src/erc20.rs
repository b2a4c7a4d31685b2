//! `IStylusToken`: the ERC-20-style test token written with stylus-sdk. Its ERC-20 functions
//! have the standard selectors, so these call types also encode calls to any ERC-20.

use alloy_sol_types::sol;

sol! {
    /// The Stylus test token's interface: ERC-20 plus an unrestricted `mint`.
    #[derive(Debug, PartialEq, Eq)]
    #[sol(abi)]
    interface IStylusToken {
        /// `value` tokens moved from `from` to `to` (`from` is zero on mint).
        event Transfer(address indexed from, address indexed to, uint256 value);
        /// `owner` allowed `spender` to spend `value` of its tokens.
        event Approval(address indexed owner, address indexed spender, uint256 value);

        /// `who` tried to move `want` tokens but holds only `have`.
        error InsufficientBalance(address who, uint256 have, uint256 want);
        /// `spender` tried to spend `want` tokens but is allowed only `have`.
        error InsufficientAllowance(address spender, uint256 have, uint256 want);

        /// The token's name.
        function name() external view returns (string memory);
        /// The token's symbol.
        function symbol() external view returns (string memory);
        /// Decimal places (6).
        function decimals() external view returns (uint8);
        /// Tokens in existence.
        function totalSupply() external view returns (uint256);
        /// Tokens held by `owner`.
        function balanceOf(address owner) external view returns (uint256);
        /// Tokens `spender` may still spend on behalf of `owner`.
        function allowance(address owner, address spender) external view returns (uint256);
        /// Moves `value` tokens from the sender to `to`.
        function transfer(address to, uint256 value) external returns (bool);
        /// Lets `spender` spend `value` of the sender's tokens.
        function approve(address spender, uint256 value) external returns (bool);
        /// Moves `value` tokens from `from` to `to` out of the sender's allowance.
        function transferFrom(address from, address to, uint256 value) external returns (bool);
        /// Creates `amount` tokens for `to`. Anyone may mint: this is a test token.
        function mint(address to, uint256 amount) external;
    }

    /// EIP-2612: approvals by signature, so a wallet can approve and deposit in one transaction.
    #[derive(Debug, PartialEq, Eq)]
    interface IERC20Permit {
        /// Sets `owner`'s allowance for `spender` to `value`, authorised by `owner`'s signature.
        function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
    }
}
