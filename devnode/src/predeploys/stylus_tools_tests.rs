//! The StylusDeployer and the CacheManager predeploys, driven with the calldata cargo-stylus
//! sends.

use std::collections::BTreeSet;

use alloy_json_abi::JsonAbi;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use cloudless_abi::{
    arbwasm::IArbWasm,
    cache_manager::ICacheManager,
    stylus_deployer::{IStylusDeployer, stylus_constructorCall},
};
use harness::{
    artifact,
    evm::{
        Chain,
        arbos::ARB_WASM,
        arbwasm_cache::{ARB_WASM_CACHE, IArbWasmCache},
        chain::{Receipt, TxRequest, deploy_code_init},
    },
};
use test_fixtures::stylus::{CONSTRUCTED_WAT, cargo_stylus_init_code};

use super::{CACHE_MANAGER, CACHE_SIZE, STYLUS_DEPLOYER, install, tests::OWNER};

const DEV: Address = Address::repeat_byte(0xd0);
const ONE_ETH: u64 = 1_000_000_000_000_000_000;

fn chain() -> Chain {
    let mut chain = Chain::default();
    install(&mut chain, OWNER);
    for account in [DEV, OWNER] {
        chain.fund(account, U256::from(100 * ONE_ETH as u128));
    }
    chain
}

/// The on-chain code of `Constructed.wat`.
fn constructed_code() -> Vec<u8> {
    artifact::compress(&wat::parse_str(CONSTRUCTED_WAT).unwrap())
}

/// A small program whose code differs for each `n`.
fn program_code(n: u8) -> Vec<u8> {
    let wat = format!(
        r#"(module (memory (export "memory") 1 1) (data (i32.const 0) "\{n:02x}")
           (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#
    );
    artifact::compress(&wat::parse_str(wat).unwrap())
}

/// `initData` as cargo-stylus builds it for a constructor taking one uint256.
fn constructor_data(arg: u64) -> Bytes {
    [
        stylus_constructorCall::SELECTOR.as_slice(),
        &U256::from(arg).to_be_bytes::<32>(),
    ]
    .concat()
    .into()
}

fn deploy_call(code: &[u8], init_data: Bytes, init_value: u64, salt: B256) -> Vec<u8> {
    IStylusDeployer::deployCall {
        bytecode: cargo_stylus_init_code(code).into(),
        initData: init_data,
        initValue: U256::from(init_value),
        salt,
    }
    .abi_encode()
}

fn send(chain: &mut Chain, from: Address, to: Address, value: u64, data: Vec<u8>) -> Receipt {
    chain
        .send(TxRequest::call(from, to, data).value(U256::from(value)))
        .unwrap()
}

/// The address in the receipt's `ContractDeployed` log, which must come from the deployer.
fn deployed(receipt: &Receipt) -> Address {
    assert!(receipt.is_success(), "{:?}", receipt.result);
    let log = receipt
        .logs()
        .iter()
        .find(|l| l.topics().first() == Some(&IStylusDeployer::ContractDeployed::SIGNATURE_HASH))
        .expect("a ContractDeployed log");
    assert_eq!(log.address, STYLUS_DEPLOYER);
    IStylusDeployer::ContractDeployed::decode_log_data(&log.data)
        .unwrap()
        .deployedContract
}

fn activations(receipt: &Receipt) -> usize {
    receipt
        .logs()
        .iter()
        .filter(|l| l.topics().first() == Some(&IArbWasm::ProgramActivated::SIGNATURE_HASH))
        .count()
}

/// The program's stored constructor argument and init value.
fn constructed_state(chain: &mut Chain, program: Address) -> (U256, U256) {
    let out = chain.view(program, Bytes::new()).unwrap();
    (
        U256::from_be_slice(&out[..32]),
        U256::from_be_slice(&out[32..64]),
    )
}

fn reverted_with<E: SolError>(receipt: &Receipt, error: E) {
    assert_eq!(
        receipt.output().as_ref(),
        error.abi_encode().as_slice(),
        "{:?}",
        receipt.result
    );
}

/// The selectors of a fixture's functions, errors and events (topic 0s).
fn fixture_selectors(name: &str) -> BTreeSet<Vec<u8>> {
    let abi: JsonAbi = serde_json::from_value(test_fixtures::solidity(name).abi.clone()).unwrap();
    let functions = abi.functions().map(|f| f.selector().to_vec());
    let errors = abi.errors().map(|e| e.selector().to_vec());
    let events = abi.events().map(|e| e.selector().to_vec());
    functions.chain(errors).chain(events).collect()
}

fn selectors<'a>(lists: [&'a [&'a [u8]]; 3]) -> BTreeSet<Vec<u8>> {
    lists.into_iter().flatten().map(|s| s.to_vec()).collect()
}

#[test]
fn the_fixtures_implement_exactly_the_abi_crates_interfaces() {
    use cloudless_abi::{cache_manager::ICacheManager as M, stylus_deployer::IStylusDeployer as D};
    let as_slices = |s: &'static [[u8; 4]]| s.iter().map(|x| x.as_slice()).collect::<Vec<_>>();
    let topics = |s: &'static [[u8; 32]]| s.iter().map(|x| x.as_slice()).collect::<Vec<_>>();
    let deployer = selectors([
        &as_slices(D::IStylusDeployerCalls::SELECTORS),
        &as_slices(D::IStylusDeployerErrors::SELECTORS),
        &topics(D::IStylusDeployerEvents::SELECTORS),
    ]);
    assert_eq!(fixture_selectors("StylusDeployer"), deployer);
    let manager = selectors([
        &as_slices(M::ICacheManagerCalls::SELECTORS),
        &as_slices(M::ICacheManagerErrors::SELECTORS),
        &topics(M::ICacheManagerEvents::SELECTORS),
    ]);
    assert_eq!(fixture_selectors("CacheManager"), manager);
}

#[test]
fn the_deployer_creates_activates_and_constructs_in_one_transaction() {
    let mut chain = chain();
    let expected = STYLUS_DEPLOYER.create(1);
    let before = chain.balance(DEV);
    let data = deploy_call(&constructed_code(), constructor_data(42), 7, B256::ZERO);

    let receipt = send(&mut chain, DEV, STYLUS_DEPLOYER, 1_000_007, data);

    assert_eq!(deployed(&receipt), expected, "CREATE from the deployer");
    assert_eq!(activations(&receipt), 1);
    assert_eq!(
        constructed_state(&mut chain, expected),
        (U256::from(42), U256::from(7)),
        "the constructor ran with the init value"
    );
    assert_eq!(chain.balance(expected), U256::from(7));
    assert_eq!(
        chain.balance(STYLUS_DEPLOYER),
        U256::ZERO,
        "the rest came back"
    );
    let gas = U256::from(receipt.gas_used()) * U256::from(chain.block().basefee);
    assert_eq!(before - chain.balance(DEV), gas + U256::from(7));
}

#[test]
fn a_salted_deployment_lands_at_the_init_salt_address_and_reuses_an_activation() {
    let mut chain = chain();
    let code = constructed_code();
    let salt = B256::repeat_byte(0x5a);
    let init_data = constructor_data(1);
    let effective = chain
        .view_sol(
            STYLUS_DEPLOYER,
            &IStylusDeployer::initSaltCall {
                salt,
                initData: init_data.clone(),
                initValue: U256::ZERO,
            },
        )
        .unwrap();
    assert_eq!(
        effective,
        keccak256([salt.as_slice(), &init_data, &[0; 32]].concat())
    );
    let init_code = cargo_stylus_init_code(&code);
    let expected = STYLUS_DEPLOYER.create2(effective, keccak256(&init_code));

    let first = send(
        &mut chain,
        DEV,
        STYLUS_DEPLOYER,
        0,
        deploy_call(&code, init_data.clone(), 0, salt),
    );
    assert_eq!(deployed(&first), expected);
    assert_eq!(activations(&first), 1);

    // The same code again: already active, so no second activation.
    let second = send(
        &mut chain,
        DEV,
        STYLUS_DEPLOYER,
        0,
        deploy_call(&code, constructor_data(2), 0, B256::ZERO),
    );
    let program = deployed(&second);
    assert_eq!(activations(&second), 0);
    assert_eq!(constructed_state(&mut chain, program).0, U256::from(2));

    // The same salt, data and value again: the address is taken.
    let again = send(
        &mut chain,
        DEV,
        STYLUS_DEPLOYER,
        0,
        deploy_call(&code, init_data, 0, salt),
    );
    reverted_with(
        &again,
        IStylusDeployer::ContractDeploymentError {
            bytecode: init_code.into(),
        },
    );
}

#[test]
fn the_deployer_refuses_bad_input_with_named_errors_and_changes_nothing() {
    let mut chain = chain();
    let code = constructed_code();
    let nonce = chain.account(STYLUS_DEPLOYER).nonce;
    let cases: [(u64, Vec<u8>, Vec<u8>); 4] = [
        (
            0,
            IStylusDeployer::deployCall {
                bytecode: Bytes::new(),
                initData: Bytes::new(),
                initValue: U256::ZERO,
                salt: B256::ZERO,
            }
            .abi_encode(),
            IStylusDeployer::EmptyBytecode {}.abi_encode(),
        ),
        (
            5,
            deploy_call(&code, constructor_data(1), 6, B256::ZERO),
            IStylusDeployer::InitValueTooLarge {
                sent: U256::from(5),
                initValue: U256::from(6),
            }
            .abi_encode(),
        ),
        (
            6,
            deploy_call(&code, Bytes::new(), 6, B256::ZERO),
            IStylusDeployer::InitValueButNotInitData {}.abi_encode(),
        ),
        (
            0,
            // EVM code cannot be activated: ArbWasm's error comes through.
            IStylusDeployer::deployCall {
                bytecode: deploy_code_init(&[0x00]),
                initData: Bytes::new(),
                initValue: U256::ZERO,
                salt: B256::ZERO,
            }
            .abi_encode(),
            IArbWasm::ProgramNotWasm {}.abi_encode(),
        ),
    ];
    for (value, data, error) in cases {
        let receipt = send(&mut chain, DEV, STYLUS_DEPLOYER, value, data);
        assert_eq!(
            receipt.output().as_ref(),
            error.as_slice(),
            "{:?}",
            receipt.result
        );
    }
    assert_eq!(
        chain.account(STYLUS_DEPLOYER).nonce,
        nonce,
        "nothing created"
    );
    assert_eq!(chain.balance(STYLUS_DEPLOYER), U256::ZERO, "no value kept");
}

/// Deploys and activates `program_code(n)`.
fn activated(chain: &mut Chain, n: u8) -> Address {
    chain.deploy_stylus(DEV, &program_code(n)).unwrap()
}

fn bid(chain: &mut Chain, program: Address, value: u64) -> Receipt {
    let data = ICacheManager::placeBidCall { program }.abi_encode();
    send(chain, DEV, CACHE_MANAGER, value, data)
}

fn is_cached(chain: &mut Chain, program: Address) -> bool {
    let codehash = keccak256(chain.code(program));
    chain
        .view_sol(
            ARB_WASM_CACHE,
            &IArbWasmCache::codehashIsCachedCall { codehash },
        )
        .unwrap()
}

fn entries(chain: &mut Chain) -> Vec<(B256, u64)> {
    let mut entries: Vec<_> = chain
        .view_sol(CACHE_MANAGER, &ICacheManager::getEntriesCall {})
        .unwrap()
        .into_iter()
        .map(|e| (e.code, e.bid.to::<u64>()))
        .collect();
    entries.sort();
    entries
}

#[test]
fn the_cache_manager_is_registered_and_configured_at_genesis() {
    let mut chain = chain();
    let managers = chain
        .view_sol(ARB_WASM_CACHE, &IArbWasmCache::allCacheManagersCall {})
        .unwrap();
    assert_eq!(managers, vec![CACHE_MANAGER]);
    let mut view =
        |call: &[u8]| U256::from_be_slice(&chain.view(CACHE_MANAGER, call.to_vec()).unwrap());
    let sizes = (
        view(&ICacheManager::cacheSizeCall {}.abi_encode()),
        view(&ICacheManager::queueSizeCall {}.abi_encode()),
        view(&ICacheManager::decayCall {}.abi_encode()),
    );
    assert_eq!(sizes, (U256::from(CACHE_SIZE), U256::ZERO, U256::ZERO));
    assert!(
        !chain
            .view_sol(CACHE_MANAGER, &ICacheManager::isPausedCall {})
            .unwrap()
    );
    assert_eq!(
        chain
            .view_sol(CACHE_MANAGER, &ICacheManager::ownerCall {})
            .unwrap(),
        OWNER
    );
}

#[test]
fn bids_cache_programs_and_the_lowest_bids_make_room() {
    let mut chain = chain();
    let [a, b, c] = [1, 2, 3].map(|n| activated(&mut chain, n));
    let [ha, hb, hc] = [a, b, c].map(|p| keccak256(chain.code(p)));
    let sizes = [ha, hb, hc].map(|codehash| {
        let size = IArbWasm::codehashAsmSizeCall { codehash };
        u64::from(chain.view_sol(ARB_WASM, &size).unwrap())
    });
    let size = sizes[0];
    assert!(sizes == [size; 3] && size > 4096, "{sizes:?}");
    // Room for two of them.
    let resize = ICacheManager::setCacheSizeCall { newSize: 2 * size }.abi_encode();
    assert!(send(&mut chain, OWNER, CACHE_MANAGER, 0, resize).is_success());

    let first = bid(&mut chain, a, 10);
    assert!(first.is_success(), "{:?}", first.result);
    let insert = first
        .logs()
        .iter()
        .find_map(|l| ICacheManager::InsertBid::decode_log_data(&l.data).ok())
        .expect("an InsertBid log");
    assert_eq!(
        (
            insert.codehash,
            insert.program,
            insert.bid.to::<u64>(),
            insert.size
        ),
        (ha, a, 10, size)
    );
    assert!(bid(&mut chain, b, 20).is_success());
    assert!(is_cached(&mut chain, a) && is_cached(&mut chain, b));
    assert_eq!(entries(&mut chain), {
        let mut e = vec![(ha, 10), (hb, 20)];
        e.sort();
        e
    });

    // The cache is full: c must outbid a, the lowest.
    let min = chain
        .view_sol(
            CACHE_MANAGER,
            &ICacheManager::getMinBid_2Call { program: c },
        )
        .unwrap();
    assert_eq!(min.to::<u64>(), 10);
    let low = bid(&mut chain, c, 9);
    reverted_with(
        &low,
        ICacheManager::BidTooSmall {
            bid: alloy_primitives::aliases::U192::from(9),
            min: alloy_primitives::aliases::U192::from(10),
        },
    );
    assert!(is_cached(&mut chain, a), "a refused bid evicts nothing");

    let enough = bid(&mut chain, c, 10);
    assert!(enough.is_success(), "{:?}", enough.result);
    assert!(!is_cached(&mut chain, a) && is_cached(&mut chain, c));
    assert_eq!(entries(&mut chain), {
        let mut e = vec![(hb, 20), (hc, 10)];
        e.sort();
        e
    });
    let queue = chain
        .view_sol(CACHE_MANAGER, &ICacheManager::queueSizeCall {})
        .unwrap();
    assert_eq!(queue, 2 * size);
}

#[test]
fn a_cached_program_pays_only_the_cached_init_gas() {
    let mut chain = chain();
    let program = activated(&mut chain, 1);
    let init = chain
        .view_sol(ARB_WASM, &IArbWasm::programInitGasCall { program })
        .unwrap();
    let call = |chain: &mut Chain| send(chain, DEV, program, 0, vec![]).gas_used();
    let before = call(&mut chain);
    assert!(bid(&mut chain, program, 0).is_success());
    let after = call(&mut chain);
    assert_eq!(before - after, init.gas - init.gasWhenCached);
}

#[test]
fn refused_bids_name_the_reason() {
    let mut chain = chain();
    let program = activated(&mut chain, 1);
    assert!(bid(&mut chain, program, 0).is_success());
    let codehash = keccak256(chain.code(program));
    reverted_with(
        &bid(&mut chain, program, 0),
        ICacheManager::AlreadyCached { codehash },
    );

    let unactivated = chain
        .deploy_stylus_unactivated(DEV, &program_code(2))
        .unwrap();
    reverted_with(
        &bid(&mut chain, unactivated, 0),
        IArbWasm::ProgramNotActivated {},
    );

    let pause = ICacheManager::pausedCall {}.abi_encode();
    reverted_with(
        &send(&mut chain, DEV, CACHE_MANAGER, 0, pause.clone()),
        ICacheManager::NotChainOwner { sender: DEV },
    );
    assert!(send(&mut chain, OWNER, CACHE_MANAGER, 0, pause).is_success());
    let other = activated(&mut chain, 3);
    reverted_with(&bid(&mut chain, other, 0), ICacheManager::BidsArePaused {});
}

#[test]
fn only_cache_managers_change_the_cache() {
    let mut chain = chain();
    let program = activated(&mut chain, 1);
    let receipt = chain
        .send(
            TxRequest::call(
                DEV,
                ARB_WASM_CACHE,
                IArbWasmCache::cacheProgramCall { addr: program }.abi_encode(),
            )
            .gas_limit(100_000),
        )
        .unwrap();
    assert!(!receipt.is_success());
    assert_eq!(receipt.gas_used(), 100_000, "all the gas burnt");
    assert!(!is_cached(&mut chain, program));
    assert!(matches!(
        chain.view(
            ARB_WASM_CACHE,
            IArbWasmCache::isCacheManagerCall { manager: DEV }.abi_encode()
        ),
        Ok(out) if out.iter().all(|b| *b == 0)
    ));
}
