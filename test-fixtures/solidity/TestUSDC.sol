// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title TestUSDC
/// @notice A USDC-shaped ERC-20 for Cloudless tests: 6 decimals, EIP-2612 `permit` over an EIP-712
///         domain ("Test USD Coin", version "2"), and an owner (the deployer) who can mint.
/// @dev An allowance of `type(uint256).max` is treated as unlimited and is not decreased by
///      `transferFrom`. Failures revert with the custom errors below.
contract TestUSDC {
    /// @notice Token name; also the EIP-712 domain name.
    string public constant name = "Test USD Coin";
    /// @notice Token symbol.
    string public constant symbol = "USDC";
    /// @notice Decimal places of one token unit.
    uint8 public constant decimals = 6;
    /// @notice EIP-712 domain version.
    string public constant version = "2";

    /// @notice EIP-2612 permit struct type hash.
    bytes32 public constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("Test USD Coin");
    bytes32 private constant VERSION_HASH = keccak256("2");
    /// @dev Half the secp256k1 group order: signatures with a larger `s` are the malleable twin.
    uint256 private constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    uint256 private immutable deployChainId;
    bytes32 private immutable deployDomainSeparator;

    /// @notice Sum of all balances.
    uint256 public totalSupply;
    /// @notice The account allowed to mint and to hand over ownership.
    address public owner;
    /// @notice Token balance per account.
    mapping(address => uint256) public balanceOf;
    /// @notice Remaining amount `spender` may move out of `holder`'s balance: `allowance[holder][spender]`.
    mapping(address => mapping(address => uint256)) public allowance;
    /// @notice Next EIP-2612 permit nonce per holder.
    mapping(address => uint256) public nonces;

    /// @notice Tokens moved (`from` is zero for mints).
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice An allowance was set by `approve` or `permit`.
    event Approval(address indexed owner, address indexed spender, uint256 value);
    /// @notice Ownership moved from `previousOwner` to `newOwner`.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice `account` holds `available` but the operation needs `required`.
    error InsufficientBalance(address account, uint256 available, uint256 required);
    /// @notice `spender` may move `available` but the operation needs `required`.
    error InsufficientAllowance(address spender, uint256 available, uint256 required);
    /// @notice Tokens cannot be sent or minted to `receiver` (the zero address).
    error InvalidReceiver(address receiver);
    /// @notice Ownership cannot be given to `newOwner` (the zero address).
    error InvalidOwner(address newOwner);
    /// @notice The permit's `deadline` is before the current block timestamp.
    error PermitExpired(uint256 deadline);
    /// @notice The permit signature is malformed, malleable (high `s`), or not from the holder.
    error InvalidSignature();
    /// @notice `caller` is not the owner.
    error NotOwner(address caller);

    /// @notice Makes the deployer the owner. The supply starts at zero.
    constructor() {
        owner = msg.sender;
        deployChainId = block.chainid;
        deployDomainSeparator = domainSeparator();
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// @notice Moves `value` from the caller to `to`.
    function transfer(address to, uint256 value) external returns (bool) {
        move(msg.sender, to, value);
        return true;
    }

    /// @notice Moves `value` from `from` to `to` using the caller's allowance.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance(msg.sender, allowed, value);
            unchecked {
                allowance[from][msg.sender] = allowed - value;
            }
        }
        move(from, to, value);
        return true;
    }

    /// @notice Lets `spender` move up to `value` of the caller's tokens.
    function approve(address spender, uint256 value) external returns (bool) {
        setAllowance(msg.sender, spender, value);
        return true;
    }

    /// @notice EIP-2612: sets `allowance[holder][spender] = value` from `holder`'s signature over the
    ///         permit struct with `nonces[holder]`, valid while `block.timestamp <= deadline`.
    function permit(address holder, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        if (block.timestamp > deadline) revert PermitExpired(deadline);
        if (uint256(s) > MAX_S) revert InvalidSignature();
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, holder, spender, value, nonces[holder]++, deadline));
        bytes32 digest = keccak256(abi.encodePacked(hex"1901", DOMAIN_SEPARATOR(), structHash));
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0) || signer != holder) revert InvalidSignature();
        setAllowance(holder, spender, value);
    }

    /// @notice Creates `value` new tokens for `to`. Owner only.
    function mint(address to, uint256 value) external onlyOwner {
        if (to == address(0)) revert InvalidReceiver(to);
        totalSupply += value;
        unchecked {
            balanceOf[to] += value; // cannot overflow: bounded by totalSupply
        }
        emit Transfer(address(0), to, value);
    }

    /// @notice Hands ownership to `newOwner`. Owner only.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert InvalidOwner(newOwner);
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice EIP-712 domain separator for the current chain (recomputed after a chain split).
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return block.chainid == deployChainId ? deployDomainSeparator : domainSeparator();
    }

    /// @notice EIP-5267 description of the EIP-712 domain (name, version, chainId, verifyingContract).
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory domainName,
            string memory domainVersion,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", name, version, block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    function move(address from, address to, uint256 value) private {
        if (to == address(0)) revert InvalidReceiver(to);
        uint256 available = balanceOf[from];
        if (available < value) revert InsufficientBalance(from, available, value);
        unchecked {
            balanceOf[from] = available - value;
            balanceOf[to] += value; // cannot overflow: bounded by totalSupply
        }
        emit Transfer(from, to, value);
    }

    function setAllowance(address holder, address spender, uint256 value) private {
        allowance[holder][spender] = value;
        emit Approval(holder, spender, value);
    }

    function domainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
