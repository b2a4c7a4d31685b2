//! foundry's `cast` (from `npm ci`) against `cloudless devnode`.

mod support;

use alloy::{
    primitives::{Address, B256, U256, hex, keccak256},
    sol_types::{SolCall, SolError, SolEvent},
};
use cloudless_abi::{
    cache_manager::ICacheManager,
    stylus_deployer::{IStylusDeployer, stylus_constructorCall},
};
use harness::evm::{
    arbos::ARB_WASM, arbwasm::IArbWasm, arbwasm_cache::ARB_WASM_CACHE, chain::deploy_code_init,
};
use serde_json::Value;
use support::{
    NodeProcess,
    cast::{cast, cast_send, cast_send_unlocked, run_cast},
    reverter_init,
};

#[test]
fn cast_talks_to_the_dev_node() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let key = node.accounts[0].1.as_str();
    let bob = node.accounts[1].0.to_string();

    assert_eq!(cast(&["chain-id", "--rpc-url", url]), "412346");
    assert_eq!(
        cast(&["balance", &bob, "--rpc-url", url]),
        "10000000000000000000000"
    );

    // A signed ETH transfer and its receipt.
    let sent = cast_send(url, key, &[&bob, "--value", "1234"]);
    assert_eq!(sent["status"], "0x1", "{sent}");
    let tx = sent["transactionHash"].as_str().unwrap();
    assert_eq!(
        cast(&["balance", &bob, "--rpc-url", url]),
        "10000000000000000001234"
    );
    let status = cast(&["receipt", tx, "status", "--rpc-url", url]);
    assert!(
        status == "true" || status == "1 (success)",
        "status {status}"
    );
    assert_eq!(cast(&["receipt", tx, "blockNumber", "--rpc-url", url]), "1");

    // A Stylus contract: deploy, activate, send to it, call it, read its logs.
    let code = harness::artifact::Artifacts::locate()
        .load("probe")
        .expect("the probe artifact (run `cargo run -p cloudless-cli -- contracts build`)");
    let init = format!("0x{}", hex::encode(deploy_code_init(&code)));
    let deployed = cast_send(url, key, &["--create", &init]);
    let probe = deployed["contractAddress"]
        .as_str()
        .expect("contract address")
        .to_string();
    let activated = cast_send(
        url,
        key,
        &[
            "0x0000000000000000000000000000000000000071",
            "activateProgram(address)",
            &probe,
        ],
    );
    assert_eq!(activated["status"], "0x1", "{activated}");
    let inc = cast_send(url, key, &[&probe, "increment()"]);
    assert_eq!(inc["status"], "0x1", "{inc}");
    assert_eq!(
        cast(&["call", &probe, "counter()(uint256)", "--rpc-url", url]),
        "1"
    );
    let logs: Value = serde_json::from_str(&cast(&[
        "logs",
        "--json",
        "--rpc-url",
        url,
        "--from-block",
        "0",
        "--address",
        &probe,
    ]))
    .unwrap();
    let logs = logs.as_array().expect("a list of logs");
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["transactionHash"], inc["transactionHash"]);
    let counter = U256::from_str_radix(
        logs[0]["data"].as_str().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap();
    assert_eq!(counter, U256::from(1));
}

#[test]
fn cast_sends_from_unlocked_accounts_and_shows_revert_reasons() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let alice = node.accounts[0].0.to_string();
    let bob = node.accounts[1].0.to_string();

    let sent = cast_send_unlocked(url, &alice, &[&bob, "--value", "77"]);
    assert_eq!(sent["status"], "0x1", "{sent}");
    assert_eq!(
        sent["from"].as_str().unwrap().to_lowercase(),
        alice.to_lowercase()
    );
    assert_eq!(
        cast(&["balance", &bob, "--rpc-url", url]),
        "10000000000000000000077"
    );
    let pool: Value =
        serde_json::from_str(&cast(&["rpc", "--rpc-url", url, "txpool_status"])).unwrap();
    assert_eq!(pool, serde_json::json!({"pending": "0x0", "queued": "0x0"}));

    // A contract that reverts with a reason: cast shows it.
    let init = reverter_init("not today").to_string();
    let deployed = cast_send_unlocked(url, &alice, &["--create", &init]);
    let reverter = deployed["contractAddress"]
        .as_str()
        .expect("contract address");
    let (ok, stdout, stderr) = run_cast(&["call", reverter, "--rpc-url", url]);
    assert!(!ok, "the call should revert: {stdout}");
    assert!(
        stderr.contains("execution reverted: not today"),
        "no revert reason in: {stderr}"
    );
}

#[test]
fn cast_deploys_through_the_create2_factory_at_its_usual_address() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let factory = devnode::predeploys::CREATE2_FACTORY;
    assert_ne!(
        cast(&["code", &factory.to_string(), "--rpc-url", url]),
        "0x"
    );
    let init = deploy_code_init(&[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]);
    let salt = alloy::primitives::B256::repeat_byte(0x07);
    let calldata = format!("0x{}{}", hex::encode(salt), hex::encode(&init));
    let expected = factory.create2(salt, alloy::primitives::keccak256(&init));

    let receipt = cast_send(url, &node.accounts[0].1, &[&factory.to_string(), &calldata]);

    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let code = cast(&["code", &expected.to_string(), "--rpc-url", url]);
    assert_eq!(
        code, "0x602a60005260206000f3",
        "the contract is at the CREATE2 address"
    );
}

/// The first token of cast's decoded output (it may add a scientific-notation hint).
fn first_token(out: &str) -> &str {
    out.split_whitespace().next().unwrap_or_default()
}

/// The receipt's logs from `address` whose first topic is `topic`.
fn logs_of(receipt: &Value, address: Address, topic: B256) -> Vec<Value> {
    receipt["logs"]
        .as_array()
        .expect("receipt logs")
        .iter()
        .filter(|l| {
            l["address"].as_str().unwrap().parse::<Address>().unwrap() == address
                && l["topics"][0].as_str().unwrap().parse::<B256>().unwrap() == topic
        })
        .cloned()
        .collect()
}

/// What cargo-stylus 0.10 sends, signed by cast: `deploy` of a program with a constructor
/// through the StylusDeployer (calldata shaped as cargo-stylus shapes it), `cache status` and
/// `cache bid` against the CacheManager it finds through ArbWasmCache, then ArbWasm's
/// `codehashKeepalive` once the program is old enough.
#[test]
fn cast_deploys_with_a_constructor_bids_for_the_cache_and_keeps_a_program_alive() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let key = node.accounts[0].1.as_str();
    let deployer = devnode::predeploys::STYLUS_DEPLOYER;
    let manager = devnode::predeploys::CACHE_MANAGER;

    // deploy: bytecode, initData = stylus_constructor's selector ‖ 42, initValue 7, no salt.
    let wasm = wat::parse_str(test_fixtures::stylus::CONSTRUCTED_WAT).unwrap();
    let code = harness::artifact::compress(&wasm);
    let init = test_fixtures::stylus::cargo_stylus_init_code(&code);
    let init_data = [
        stylus_constructorCall::SELECTOR.as_slice(),
        &U256::from(42).to_be_bytes::<32>(),
    ]
    .concat();
    let calldata = IStylusDeployer::deployCall {
        bytecode: init.into(),
        initData: init_data.into(),
        initValue: U256::from(7),
        salt: B256::ZERO,
    }
    .abi_encode();
    let sent = cast_send(
        url,
        key,
        &[
            &deployer.to_string(),
            &format!("0x{}", hex::encode(&calldata)),
            "--value",
            "1000007",
        ],
    );
    assert_eq!(sent["status"], "0x1", "{sent}");
    let deployed = logs_of(
        &sent,
        deployer,
        IStylusDeployer::ContractDeployed::SIGNATURE_HASH,
    );
    assert_eq!(deployed.len(), 1, "one ContractDeployed log: {sent}");
    let data = hex::decode(deployed[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(
        data.len(),
        32,
        "the address is the log's data, as cargo-stylus reads it"
    );
    let program = Address::from_slice(&data[12..]);
    assert_eq!(program, deployer.create(1));
    let activated = logs_of(&sent, ARB_WASM, IArbWasm::ProgramActivated::SIGNATURE_HASH);
    assert_eq!(activated.len(), 1, "activated in the same transaction");
    let state = cast(&["call", &program.to_string(), "0x00", "--rpc-url", url]);
    assert_eq!(
        state,
        format!(
            "0x{}{}",
            hex::encode(U256::from(42).to_be_bytes::<32>()),
            hex::encode(U256::from(7).to_be_bytes::<32>())
        ),
        "the constructor stored its argument and the init value"
    );

    // cache status: the manager is the last of ArbWasmCache's managers.
    let wasm_cache = ARB_WASM_CACHE.to_string();
    let managers = cast(&[
        "call",
        &wasm_cache,
        "allCacheManagers()(address[])",
        "--rpc-url",
        url,
    ]);
    assert_eq!(
        managers.to_lowercase(),
        format!("[{manager}]").to_lowercase()
    );
    let view = |signature: &str, args: &[&str]| {
        let mut all = vec!["call", "--rpc-url", url];
        let manager = manager.to_string();
        all.extend([manager.as_str(), signature]);
        all.extend(args);
        first_token(&cast(&all)).to_string()
    };
    assert_eq!(view("isPaused()(bool)", &[]), "false");
    assert_eq!(view("queueSize()(uint64)", &[]), "0");
    assert_eq!(
        view("cacheSize()(uint64)", &[]),
        devnode::predeploys::CACHE_SIZE.to_string()
    );
    assert_eq!(view("getMinBid(uint64)(uint192)", &["8192"]), "0");

    // cache bid, then the status shows it.
    let program_arg = program.to_string();
    let bid = cast_send(
        url,
        key,
        &[
            &manager.to_string(),
            "placeBid(address)",
            &program_arg,
            "--value",
            "123",
        ],
    );
    assert_eq!(bid["status"], "0x1", "{bid}");
    let codehash = keccak256(&code);
    let inserted = logs_of(&bid, manager, ICacheManager::InsertBid::SIGNATURE_HASH);
    assert_eq!(inserted.len(), 1, "{bid}");
    assert_eq!(
        inserted[0]["topics"][1]
            .as_str()
            .unwrap()
            .parse::<B256>()
            .unwrap(),
        codehash
    );
    let cached = cast(&[
        "call",
        &wasm_cache,
        "codehashIsCached(bytes32)(bool)",
        &codehash.to_string(),
        "--rpc-url",
        url,
    ]);
    assert_eq!(cached, "true");
    let asm_size = cast(&[
        "call",
        &ARB_WASM.to_string(),
        "codehashAsmSize(bytes32)(uint32)",
        &codehash.to_string(),
        "--rpc-url",
        url,
    ]);
    let size = first_token(&asm_size).parse::<u64>().unwrap().max(4096);
    assert_eq!(view("queueSize()(uint64)", &[]), size.to_string());
    let entries = cast(&[
        "call",
        "--rpc-url",
        url,
        &manager.to_string(),
        "getEntries()((bytes32,uint64,uint192)[])",
    ]);
    // One entry (code hash, size, bid); cast may add a hint like ` [5.17e5]` after a number.
    assert!(
        entries.starts_with(&format!("[({codehash}, {size}")) && entries.ends_with(", 123)]"),
        "entries: {entries}"
    );
    let (ok, _, stderr) = run_cast(&[
        "send",
        "--rpc-url",
        url,
        "--private-key",
        key,
        &manager.to_string(),
        "placeBid(address)",
        &program_arg,
    ]);
    assert!(!ok, "a second bid on a cached program is refused");
    let already = hex::encode(ICacheManager::AlreadyCached::SELECTOR);
    assert!(stderr.contains(&already), "no AlreadyCached in: {stderr}");

    // keepalive: too soon at first, accepted 32 days later.
    let keepalive = |value: &str| {
        run_cast(&[
            "send",
            "--json",
            "--rpc-url",
            url,
            "--private-key",
            key,
            &ARB_WASM.to_string(),
            "codehashKeepalive(bytes32)",
            &codehash.to_string(),
            "--value",
            value,
        ])
    };
    let (ok, _, stderr) = keepalive("0");
    assert!(!ok, "a keepalive right after activation is too soon");
    let too_soon = hex::encode(IArbWasm::ProgramKeepaliveTooSoon::SELECTOR);
    assert!(
        stderr.contains(&too_soon),
        "no ProgramKeepaliveTooSoon in: {stderr}"
    );
    cast(&["rpc", "--rpc-url", url, "evm_increaseTime", "2764800"]);
    let (ok, out, stderr) = keepalive("5");
    assert!(ok, "keepalive failed: {out}{stderr}");
    let kept: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(kept["status"], "0x1", "{kept}");
    let extended = logs_of(
        &kept,
        ARB_WASM,
        IArbWasm::ProgramLifetimeExtended::SIGNATURE_HASH,
    );
    assert_eq!(extended.len(), 1, "{kept}");
    let left = cast(&[
        "call",
        &ARB_WASM.to_string(),
        "programTimeLeft(address)(uint64)",
        &program_arg,
        "--rpc-url",
        url,
    ]);
    let left: u64 = first_token(&left).parse().unwrap();
    assert!(
        left > 364 * 86_400,
        "a fresh year from the keepalive's hour: {left} s left"
    );
}
