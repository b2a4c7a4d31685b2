//! Contracts the dev node has from genesis, at the addresses other local nodes use, so tools
//! that expect them work unchanged: the deterministic CREATE2 factory (foundry's `--salt`
//! deployments), Multicall3 (viem's `multicall`), the StylusDeployer (`cargo stylus deploy` of
//! a program with a constructor) and a CacheManager registered with ArbWasmCache
//! (`cargo stylus cache bid|status`).

use alloy_primitives::{Address, Bytes, U256, address};
use harness::evm::{Chain, arbwasm_cache};

/// The CREATE2 factory every local chain has (the one nitro-devnode and anvil have).
pub const CREATE2_FACTORY: Address = address!("0x4e59b44847b379578588920ca78fbf26c0b4956c");

/// Multicall3's address on every chain; the code is `test-fixtures/solidity/Multicall3.sol`.
pub const MULTICALL3: Address = address!("0xcA11bde05977b3631167028862bE2a173976CA11");

/// The StylusDeployer, where nitro-devnode has it; the code is
/// `test-fixtures/solidity/StylusDeployer.sol`.
pub const STYLUS_DEPLOYER: Address = address!("0xcEcba2F1DC234f70Dd89F2041029807F8D03A990");

/// The CacheManager; tools find it as the last of ArbWasmCache's `allCacheManagers`, so its
/// address is this node's choice. The code is `test-fixtures/solidity/CacheManager.sol`.
pub const CACHE_MANAGER: Address = address!("0x000000000000000000000000000000000000cace");

/// Bytes the program cache holds at genesis (the owner may `setCacheSize`).
pub const CACHE_SIZE: u64 = 64 << 20;

/// The factory's runtime code, written for this node with the same interface: calldata is a
/// 32-byte salt followed by init code; it deploys with `CREATE2(callvalue, init, salt)` and
/// returns the new address as 20 bytes, or reverts with no data when the creation fails.
const CREATE2_FACTORY_CODE: [u8; 36] = [
    0x60, 0x20, // PUSH1 32
    0x36, // CALLDATASIZE
    0x03, // SUB: the init code's size
    0x80, // DUP1
    0x60, 0x20, // PUSH1 32
    0x60, 0x00, // PUSH1 0
    0x37, // CALLDATACOPY(0, 32, size)
    0x60, 0x00, // PUSH1 0
    0x35, // CALLDATALOAD: the salt
    0x90, // SWAP1
    0x60, 0x00, // PUSH1 0
    0x34, // CALLVALUE
    0xf5, // CREATE2(value, 0, size, salt)
    0x80, // DUP1
    0x60, 0x1b, // PUSH1 27: the JUMPDEST below
    0x57, // JUMPI when created
    0x60, 0x00, 0x60, 0x00, 0xfd, // REVERT(0, 0)
    0x5b, // JUMPDEST
    0x60, 0x00, // PUSH1 0
    0x52, // MSTORE the address
    0x60, 0x14, // PUSH1 20
    0x60, 0x0c, // PUSH1 12
    0xf3, // RETURN its 20 bytes
];

/// Installs the predeploys in a chain at genesis; `cache_owner` may change the CacheManager's
/// parameters, pause it and evict programs.
pub(crate) fn install(chain: &mut Chain, cache_owner: Address) {
    chain.set_code(CREATE2_FACTORY, Bytes::from_static(&CREATE2_FACTORY_CODE));
    let fixture = |name| test_fixtures::solidity(name).runtime.clone();
    chain.set_code(MULTICALL3, fixture("Multicall3"));
    chain.set_code(STYLUS_DEPLOYER, fixture("StylusDeployer"));
    chain.set_code(CACHE_MANAGER, fixture("CacheManager"));
    // CacheManager.sol's layout: slot 0 packs cacheSize, queueSize, decay (zero: bids do not
    // age) and isPaused from the low end; slot 1 holds the owner.
    chain.set_storage(CACHE_MANAGER, U256::ZERO, U256::from(CACHE_SIZE));
    chain.set_storage(
        CACHE_MANAGER,
        U256::from(1),
        U256::from_be_slice(cache_owner.as_slice()),
    );
    arbwasm_cache::add_manager(chain, CACHE_MANAGER);
}

#[cfg(test)]
mod stylus_tools_tests;

#[cfg(test)]
mod tests {
    use alloy_primitives::{B256, U256, keccak256};
    use alloy_sol_types::SolCall;
    use harness::evm::chain::{TxRequest, deploy_code_init};

    use super::*;

    /// The CacheManager's owner in these tests.
    pub(super) const OWNER: Address = Address::repeat_byte(0x0e);

    alloy_sol_types::sol! {
        struct Call3 { address target; bool allowFailure; bytes callData; }
        struct Result { bool success; bytes returnData; }
        function aggregate3(Call3[] calls) returns (Result[] returnData);
        function getEthBalance(address addr) returns (uint256);
        function getChainId() returns (uint256);
    }

    #[test]
    fn multicall3_batches_calls_and_reports_each_failure_it_allows() {
        let mut chain = Chain::default();
        install(&mut chain, OWNER);
        let rich = Address::repeat_byte(0xab);
        chain.fund(rich, U256::from(777));
        let balance = getEthBalanceCall { addr: rich }.abi_encode();
        let calls = vec![
            Call3 {
                target: MULTICALL3,
                allowFailure: false,
                callData: balance.into(),
            },
            Call3 {
                target: MULTICALL3,
                allowFailure: true,
                callData: Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]),
            },
            Call3 {
                target: MULTICALL3,
                allowFailure: false,
                callData: getChainIdCall {}.abi_encode().into(),
            },
        ];
        let out = chain
            .view(MULTICALL3, aggregate3Call { calls }.abi_encode())
            .unwrap();
        let results = aggregate3Call::abi_decode_returns(&out).unwrap();
        assert_eq!(results.len(), 3);
        assert!(results[0].success && !results[1].success && results[2].success);
        assert_eq!(U256::from_be_slice(&results[0].returnData), U256::from(777));
        assert_eq!(
            U256::from_be_slice(&results[2].returnData),
            U256::from(chain.evm_mut().ctx.cfg.chain_id)
        );
    }

    #[test]
    fn the_factory_deploys_at_the_create2_address_and_refuses_a_second_time() {
        let mut chain = Chain::default();
        install(&mut chain, OWNER);
        let deployer = Address::repeat_byte(0xd0);
        chain.fund(deployer, U256::from(10u64.pow(18)));
        let init = deploy_code_init(&[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]);
        let salt = B256::repeat_byte(0x5a);
        let calldata = [salt.as_slice(), &init].concat();
        let expected = CREATE2_FACTORY.create2(salt, keccak256(&init));

        let returned = chain
            .view(CREATE2_FACTORY, Bytes::from(calldata.clone()))
            .unwrap();
        assert_eq!(returned.as_ref(), expected.as_slice());
        let receipt = chain
            .send(TxRequest::call(deployer, CREATE2_FACTORY, calldata.clone()))
            .unwrap();
        assert!(receipt.is_success());
        assert!(!chain.code(expected).is_empty(), "the contract is there");

        // The same salt and code again: the address is taken, the factory reverts.
        let again = chain
            .send(TxRequest::call(deployer, CREATE2_FACTORY, calldata))
            .unwrap();
        assert!(!again.is_success());
        assert!(again.output().is_empty(), "no revert data");
    }
}
