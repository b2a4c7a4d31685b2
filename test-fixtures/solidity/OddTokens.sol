// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title FixtureToken
/// @notice Balances, allowances and an open `mint` shared by the odd tokens below (6 decimals).
///         Each token defines its own `transfer`, `transferFrom` and `approve`.
abstract contract FixtureToken {
    /// @notice Tokens held per account.
    mapping(address => uint256) public balanceOf;
    /// @notice Allowances per owner and spender.
    mapping(address => mapping(address => uint256)) public allowance;
    /// @notice Tokens in existence.
    uint256 public totalSupply;

    /// @notice `value` tokens moved from `from` to `to`.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice `owner` allowed `spender` to spend `value`.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice `account` holds `available` but `required` was asked.
    error InsufficientBalance(address account, uint256 available, uint256 required);
    /// @notice `spender` may spend `available` but `required` was asked.
    error InsufficientAllowance(address spender, uint256 available, uint256 required);

    /// @notice Decimal places.
    function decimals() external pure returns (uint8) {
        return 6;
    }

    /// @notice Creates `value` tokens for `to`. Anyone may mint: a test token.
    function mint(address to, uint256 value) external {
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function _approve(address spender, uint256 value) internal {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    function _spend(address from, uint256 value) internal {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < value) revert InsufficientAllowance(msg.sender, allowed, value);
        allowance[from][msg.sender] = allowed - value;
    }

    /// @dev Moves `value` from `from`, delivering `value - burned` to `to` and burning the rest.
    function _move(address from, address to, uint256 value, uint256 burned) internal {
        uint256 held = balanceOf[from];
        if (held < value) revert InsufficientBalance(from, held, value);
        balanceOf[from] = held - value;
        balanceOf[to] += value - burned;
        totalSupply -= burned;
        emit Transfer(from, to, value - burned);
    }
}

/// @title ReentrantToken
/// @notice A malicious token: while armed, each `transfer` or `transferFrom` first calls a chosen
///         target with chosen calldata (re-entering whoever is moving the tokens), records the
///         outcome, and then moves the tokens as asked.
contract ReentrantToken is FixtureToken {
    /// @notice Where the armed call goes.
    address public target;
    /// @notice The armed call's calldata.
    bytes public payload;
    /// @notice How many more transfers make the armed call.
    uint256 public armed;
    /// @notice Outcomes of the re-entrant calls, in the order they returned.
    bool[] public reentryOk;
    /// @notice Output or revert data of the re-entrant calls, in the order they returned.
    bytes[] public reentryData;

    /// @notice Number of re-entrant calls made so far.
    function reentries() external view returns (uint256) {
        return reentryOk.length;
    }

    /// @notice Arms the next `times` transfers to call `target_` with `payload_` first.
    function arm(address target_, bytes calldata payload_, uint256 times) external {
        target = target_;
        payload = payload_;
        armed = times;
    }

    /// @notice ERC-20 transfer, after the armed call if any.
    function transfer(address to, uint256 value) external returns (bool) {
        reenter();
        _move(msg.sender, to, value, 0);
        return true;
    }

    /// @notice ERC-20 transferFrom, after the armed call if any.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        reenter();
        _spend(from, value);
        _move(from, to, value, 0);
        return true;
    }

    /// @notice ERC-20 approve.
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(spender, value);
        return true;
    }

    function reenter() private {
        if (armed == 0) return;
        armed -= 1;
        (bool ok, bytes memory data) = target.call(payload);
        reentryOk.push(ok);
        reentryData.push(data);
    }
}

/// @title FeeToken
/// @notice Takes a 1% fee (burned) on every transfer, so recipients get less than was sent.
contract FeeToken is FixtureToken {
    /// @notice ERC-20 transfer; the recipient gets 99%.
    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value, value / 100);
        return true;
    }

    /// @notice ERC-20 transferFrom; the recipient gets 99%.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _spend(from, value);
        _move(from, to, value, value / 100);
        return true;
    }

    /// @notice ERC-20 approve.
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(spender, value);
        return true;
    }
}

/// @title NoBoolToken
/// @notice Like early USDT: `transfer`, `transferFrom` and `approve` return nothing.
contract NoBoolToken is FixtureToken {
    /// @notice ERC-20 transfer without a return value.
    function transfer(address to, uint256 value) external {
        _move(msg.sender, to, value, 0);
    }

    /// @notice ERC-20 transferFrom without a return value.
    function transferFrom(address from, address to, uint256 value) external {
        _spend(from, value);
        _move(from, to, value, 0);
    }

    /// @notice ERC-20 approve without a return value.
    function approve(address spender, uint256 value) external {
        _approve(spender, value);
    }
}
