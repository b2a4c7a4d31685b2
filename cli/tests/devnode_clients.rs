//! What Ethereum clients expect of a dev node, over a real `cloudless devnode`: alloy's polling
//! filters, the unlocked dev accounts, `eth_createAccessList`, revert reasons, and viem and
//! ethers scripts (from `npm ci`).

mod support;

use std::{path::PathBuf, process::Command, time::Duration};

use alloy::{
    consensus::{Transaction, TxEnvelope, transaction::SignerRecoverable},
    eips::{BlockNumberOrTag, Decodable2718, eip2930::AccessList},
    primitives::{Address, B256, Bytes, Signature, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::{Filter, Log, TransactionReceipt},
    sol_types::{Revert, SolCall, SolError, SolEvent},
};
use alloy_dyn_abi::TypedData;
use serde_json::{Value, json};
use support::{NodeProcess, call, reverter_init, rpc};
use test_fixtures::abi::Store;

/// Sends `tx` with `eth_sendTransaction` (the node signs) and returns its receipt.
fn send(url: &str, tx: Value) -> TransactionReceipt {
    let hash = call(url, "eth_sendTransaction", json!([tx]));
    serde_json::from_value(call(url, "eth_getTransactionReceipt", json!([hash]))).unwrap()
}

/// Deploys `code` from `from`; returns the contract's address.
fn deploy(url: &str, from: Address, code: &Bytes) -> Address {
    let receipt = send(url, json!({"from": from, "data": code}));
    receipt.contract_address.expect("a contract was created")
}

fn set_call(store: Address, from: Address, value: u64) -> Value {
    let input = Store::setCall {
        value: U256::from(value),
    }
    .abi_encode();
    json!({"from": from, "to": store, "data": Bytes::from(input)})
}

fn set_values(logs: &[Log]) -> Vec<u64> {
    logs.iter()
        .map(|log| {
            Store::Set::decode_log_data(log.data())
                .expect("a Set log")
                .value
                .to::<u64>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_filters_report_what_is_new() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let alice = node.accounts[0].0;
    let provider = ProviderBuilder::new().connect_http(url.parse().unwrap());
    let store = deploy(url, alice, &test_fixtures::solidity("Store").creation);
    let new_filter = async |filter: Value| -> U256 {
        provider
            .raw_request("eth_newFilter".into(), (filter,))
            .await
            .unwrap()
    };

    let blocks = provider.new_block_filter().await.unwrap();
    let transactions = provider
        .new_pending_transactions_filter(false)
        .await
        .unwrap();
    let head = provider.get_block_number().await.unwrap();
    let other_topic = B256::repeat_byte(7);
    let matching = [
        provider
            .new_filter(&Filter::new().address(store))
            .await
            .unwrap(),
        // An address list, an OR of topics, a null wildcard, open `latest` bounds.
        new_filter(json!({"address": [alice, store], "topics": [[other_topic, Store::Set::SIGNATURE_HASH]]})).await,
        new_filter(json!({"topics": [null]})).await,
        new_filter(json!({"fromBlock": "latest", "toBlock": "latest"})).await,
        new_filter(json!({"fromBlock": "earliest"})).await,
    ];
    let not_matching = [
        provider
            .new_filter(&Filter::new().address(alice))
            .await
            .unwrap(),
        provider
            .new_filter(&Filter::new().event_signature(other_topic))
            .await
            .unwrap(),
        // New logs past the filter's own `toBlock` are not its business.
        provider
            .new_filter(&Filter::new().address(store).to_block(head))
            .await
            .unwrap(),
        new_filter(json!({"toBlock": "earliest"})).await,
    ];

    let one = send(url, set_call(store, alice, 1));
    let two = send(url, set_call(store, alice, 2));

    let hashes: Vec<B256> = provider.get_filter_changes(blocks).await.unwrap();
    assert_eq!(hashes, [one.block_hash.unwrap(), two.block_hash.unwrap()]);
    let again: Vec<B256> = provider.get_filter_changes(blocks).await.unwrap();
    assert!(again.is_empty(), "a second poll reported {again:?} again");
    let sent: Vec<B256> = provider.get_filter_changes(transactions).await.unwrap();
    assert_eq!(sent, [one.transaction_hash, two.transaction_hash]);
    for id in matching {
        let logs: Vec<Log> = provider.get_filter_changes(id).await.unwrap();
        assert_eq!(set_values(&logs), [1, 2], "filter {id}");
        assert_eq!(logs[1].transaction_hash, Some(two.transaction_hash));
        let logs: Vec<Log> = provider.get_filter_changes(id).await.unwrap();
        assert!(logs.is_empty(), "filter {id} reported {logs:?} again");
    }
    for id in not_matching {
        let logs: Vec<Log> = provider.get_filter_changes(id).await.unwrap();
        assert!(logs.is_empty(), "filter {id} matched {logs:?}");
    }

    // eth_getFilterLogs runs the whole query again: `latest` is the head, `earliest` all.
    let at_head = provider
        .new_filter(&Filter::new().address(store))
        .await
        .unwrap();
    assert_eq!(
        set_values(&provider.get_filter_logs(at_head).await.unwrap()),
        [2]
    );
    let all = provider
        .new_filter(&Filter::new().address(store).from_block(0))
        .await
        .unwrap();
    assert_eq!(
        set_values(&provider.get_filter_logs(all).await.unwrap()),
        [1, 2]
    );

    // Blocks mined again after an evm_revert are new to a block filter.
    let snapshot = call(url, "evm_snapshot", json!([]));
    call(url, "evm_mine", json!([]));
    let mined: Vec<B256> = provider.get_filter_changes(blocks).await.unwrap();
    assert_eq!(mined.len(), 1);
    assert_eq!(call(url, "evm_revert", json!([snapshot])), json!(true));
    // A later timestamp, so the block is not the one reverted.
    call(url, "evm_increaseTime", json!([100]));
    call(url, "evm_mine", json!([]));
    let remined: Vec<B256> = provider.get_filter_changes(blocks).await.unwrap();
    let head = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(remined, [head.header.hash]);
    assert_ne!(remined, mined);

    // Only log filters have logs to get, as in geth.
    let err = provider.get_filter_logs(blocks).await.unwrap_err();
    assert_eq!(err.as_error_resp().unwrap().message, "filter not found");

    // Uninstalled and unknown ids.
    assert!(provider.uninstall_filter(blocks).await.unwrap());
    assert!(!provider.uninstall_filter(blocks).await.unwrap());
    for id in [blocks, U256::from(0xdead)] {
        let err = provider.get_filter_changes::<B256>(id).await.unwrap_err();
        let err = err.as_error_resp().expect("a JSON-RPC error");
        assert_eq!((err.code, &*err.message), (-32000, "filter not found"));
    }

    // alloy's block watcher polls a block filter.
    let mut watcher = provider
        .watch_blocks()
        .await
        .unwrap()
        .with_poll_interval(Duration::from_millis(20))
        .spawn();
    let three = send(url, set_call(store, alice, 3));
    let seen = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let batch = watcher.recv().await.expect("the poller runs");
            if !batch.is_empty() {
                return batch;
            }
        }
    })
    .await
    .expect("watch_blocks reported the new block");
    assert_eq!(seen, [three.block_hash.unwrap()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn pooled_transactions_are_pending_until_mined() {
    // Interval mining; the test mines with evm_mine long before the first interval.
    let node = NodeProcess::start(&["--block-time", "3600"]);
    let url = node.rpc_url.as_str();
    let (alice, bob) = (node.accounts[0].0, node.accounts[1].0);
    let provider = ProviderBuilder::new().connect_http(url.parse().unwrap());
    let filter = provider
        .new_pending_transactions_filter(false)
        .await
        .unwrap();
    let status = || call(url, "txpool_status", json!([]));
    assert_eq!(status(), json!({"pending": "0x0", "queued": "0x0"}));

    let hash = call(
        url,
        "eth_sendTransaction",
        json!([{"from": alice, "to": bob, "value": "0x1"}]),
    );
    assert_eq!(status(), json!({"pending": "0x1", "queued": "0x0"}));
    let pending: Vec<Value> = provider.get_filter_changes(filter).await.unwrap();
    assert_eq!(json!(pending), json!([hash]));

    call(url, "evm_mine", json!([]));
    assert_eq!(status(), json!({"pending": "0x0", "queued": "0x0"}));
    let receipt = call(url, "eth_getTransactionReceipt", json!([hash]));
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    // Reported while pooled, so not again once mined.
    let pending: Vec<Value> = provider.get_filter_changes(filter).await.unwrap();
    assert!(pending.is_empty(), "{pending:?}");

    let full = rpc(url, "eth_newPendingTransactionFilter", json!([true]));
    assert_eq!(full["error"]["code"], -32602, "{full}");
}

#[test]
fn dev_accounts_are_unlocked() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let (alice, bob) = (node.accounts[0].0, node.accounts[1].0);

    // The node fills nonce, gas and fees as a wallet would: EIP-1559 unless a gas price is set.
    let transfer = send(url, json!({"from": alice, "to": bob, "value": "0x5"}));
    assert!(transfer.status());
    assert_eq!((transfer.from, transfer.to), (alice, Some(bob)));
    assert_eq!(transfer.transaction_type() as u8, 2);
    assert_eq!(transfer.gas_used, 21_000);
    let legacy = send(
        url,
        json!({"from": bob, "to": alice, "gasPrice": "0x3b9aca00"}),
    );
    assert_eq!(legacy.transaction_type() as u8, 0);
    assert_eq!(legacy.effective_gas_price, 1_000_000_000);
    let nonce = call(url, "eth_getTransactionCount", json!([alice, "latest"]));
    assert_eq!(nonce, "0x1");

    // eth_signTransaction fills and signs the same way but only returns the signed bytes.
    let request = json!({"from": alice, "to": bob, "value": "0x7"});
    let raw: Bytes =
        serde_json::from_value(call(url, "eth_signTransaction", json!([request]))).unwrap();
    let signed = TxEnvelope::decode_2718(&mut &raw[..]).unwrap();
    assert_eq!(signed.recover_signer().unwrap(), alice);
    assert_eq!(
        (signed.nonce(), signed.to(), signed.value()),
        (1, Some(bob), U256::from(7))
    );
    assert_eq!(signed.chain_id(), Some(node.chain_id));
    let unsent = call(url, "eth_getTransactionCount", json!([alice, "latest"]));
    assert_eq!(unsent, nonce);
    let hash = call(url, "eth_sendRawTransaction", json!([raw]));
    assert_eq!(hash, json!(signed.tx_hash()));

    // Only dev accounts sign; the error names the account.
    let stranger = Address::repeat_byte(0x42);
    let refused = rpc(
        url,
        "eth_sendTransaction",
        json!([{"from": stranger, "to": bob}]),
    );
    assert_eq!(refused["error"]["code"], -32000, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains(&stranger.to_string()), "{message}");
    let anonymous = rpc(url, "eth_sendTransaction", json!([{"to": bob}]));
    assert_eq!(anonymous["error"]["code"], -32602, "{anonymous}");

    // EIP-191 messages: eth_sign and personal_sign (arguments the other way round).
    let hello = Bytes::from_static(b"hello");
    let signed: Bytes =
        serde_json::from_value(call(url, "eth_sign", json!([alice, hello]))).unwrap();
    assert_eq!(signed.len(), 65);
    assert!(matches!(signed[64], 27 | 28), "v is {}", signed[64]);
    let signature = Signature::try_from(&signed[..]).unwrap();
    assert_eq!(signature.recover_address_from_msg(&hello).unwrap(), alice);
    let personal = call(url, "personal_sign", json!([hello, alice]));
    assert_eq!(personal, json!(signed));
    let err = rpc(url, "eth_sign", json!([stranger, hello]));
    assert_eq!(err["error"]["code"], -32000, "{err}");
    let err = rpc(url, "eth_signTransaction", json!([{"from": stranger}]));
    assert_eq!(err["error"]["code"], -32000, "{err}");

    // EIP-712, as an object or (MetaMask's way) a JSON string.
    let typed = json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}],
        },
        "primaryType": "Mail",
        "domain": {"name": "Cloudless", "chainId": 412346},
        "message": {"to": bob, "contents": "hi"},
    });
    let hash = serde_json::from_value::<TypedData>(typed.clone())
        .unwrap()
        .eip712_signing_hash()
        .unwrap();
    let signed = call(url, "eth_signTypedData_v4", json!([alice, typed]));
    let as_string = call(
        url,
        "eth_signTypedData_v4",
        json!([alice, typed.to_string()]),
    );
    assert_eq!(signed, as_string);
    let signed: Bytes = serde_json::from_value(signed).unwrap();
    let signature = Signature::try_from(&signed[..]).unwrap();
    assert_eq!(
        signature.recover_address_from_prehash(&hash).unwrap(),
        alice
    );

    assert_eq!(call(url, "eth_coinbase", json!([])), json!(Address::ZERO));
}

#[test]
fn access_lists_and_revert_reasons() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let alice = node.accounts[0].0;
    let store = deploy(url, alice, &test_fixtures::solidity("Store").creation);

    // Store.set writes slot 0 of the store; the sender and precompiles are left out.
    let set = set_call(store, alice, 5);
    let created: Value = call(url, "eth_createAccessList", json!([set, "latest"]));
    let list: AccessList = serde_json::from_value(created["accessList"].clone()).unwrap();
    assert_eq!(list.flattened(), [(store, vec![U256::ZERO])]);
    assert!(created.get("error").is_none(), "{created}");
    // The gas it reports is what the transaction with that list then uses.
    let mut with_list = set.clone();
    with_list["accessList"] = created["accessList"].clone();
    let receipt = send(url, with_list);
    let gas: U256 = serde_json::from_value(created["gasUsed"].clone()).unwrap();
    assert_eq!(gas, U256::from(receipt.gas_used), "{created}");

    // Revert reasons: in the message, and the data kept for decoding.
    let reverter = deploy(url, alice, &reverter_init("not today"));
    let call_it = json!({"from": alice, "to": reverter});
    let reverted = rpc(url, "eth_call", json!([call_it, "latest"]));
    assert_eq!(reverted["error"]["code"], 3, "{reverted}");
    assert_eq!(
        reverted["error"]["message"],
        "execution reverted: not today"
    );
    let data: Bytes = serde_json::from_value(reverted["error"]["data"].clone()).unwrap();
    assert_eq!(Revert::abi_decode(&data).unwrap().reason, "not today");
    let estimate = rpc(url, "eth_estimateGas", json!([call_it]));
    assert_eq!(
        estimate["error"]["message"],
        "execution reverted: not today"
    );
    let listed = call(url, "eth_createAccessList", json!([call_it]));
    assert_eq!(listed["error"], "execution reverted: not today", "{listed}");
}

/// Runs `cli/tests/clients/<script>` (a client written with the npm package `package`) with
/// `args` under Node.js, and returns the JSON it printed.
fn client(package: &str, script: &str, args: &[&str]) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    assert!(
        root.join(format!("node_modules/{package}/package.json"))
            .exists(),
        "{package} is missing from node_modules; run `npm ci` in the workspace root"
    );
    let out = Command::new("node")
        .arg(root.join("cli/tests/clients").join(script))
        .args(args)
        .output()
        .expect("run node (Node.js 18 or later)");
    assert!(
        out.status.success(),
        "the {package} script failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn viem_polls_filters_and_block_numbers() {
    let node = NodeProcess::start(&[]);
    let alice = node.accounts[0].0;
    let store = deploy(
        &node.rpc_url,
        alice,
        &test_fixtures::solidity("Store").creation,
    );
    let (alice_hex, store_hex) = (alice.to_string(), store.to_string());
    let seen = client(
        "viem",
        "viem_filters.mjs",
        &[&node.rpc_url, &alice_hex, &store_hex],
    );
    let receipt = call(
        &node.rpc_url,
        "eth_getTransactionReceipt",
        json!([seen["sent"]]),
    );
    assert_eq!(
        seen["logs"],
        json!([{"value": "7", "transactionHash": seen["sent"]}]),
        "{seen}"
    );
    assert_eq!(seen["filterLogs"], seen["logs"], "{seen}");
    assert_eq!(seen["blocks"], json!([receipt["blockHash"]]), "{seen}");
    assert_eq!(seen["transactions"], json!([seen["sent"]]), "{seen}");
    let (from, to) = (&seen["watched"]["from"], &seen["watched"]["to"]);
    let number = |v: &Value| v.as_str().unwrap().parse::<u64>().unwrap();
    assert!(number(to) > number(from), "{seen}");
    assert_eq!(seen["uninstalled"], true, "{seen}");
    assert_eq!(seen["afterUninstall"], "filter not found", "{seen}");
    // viem's multicall goes through the predeployed Multicall3 (`aggregate3`).
    let multicalled = &seen["multicalled"];
    assert_eq!(multicalled[0]["status"], "success", "{seen}");
    assert_eq!(
        multicalled[0]["result"],
        seen["chainId"].to_string(),
        "{seen}"
    );
    assert_eq!(multicalled[1]["result"], seen["balance"], "{seen}");
}

#[test]
fn ethers_6_sends_subscribes_and_reads_revert_reasons() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let (alice, (bob, bob_key)) = (node.accounts[0].0, node.accounts[1].clone());
    let store = deploy(url, alice, &test_fixtures::solidity("Store").creation);
    let reverter = deploy(url, alice, &reverter_init("not today"));
    let (alice_hex, store_hex) = (alice.to_string(), store.to_string());
    let reverter_hex = reverter.to_string();
    let seen = client(
        "ethers",
        "ethers_client.mjs",
        &[
            url,
            &node.ws_url,
            &alice_hex,
            &bob_key,
            &store_hex,
            &reverter_hex,
        ],
    );
    // ethers logs what its background pollers could not read, and carries on.
    assert_eq!(seen["clientErrors"], json!([]), "{seen}");
    assert_eq!(seen["chainId"], node.chain_id.to_string(), "{seen}");

    // The wallet signed with the key of the second dev account; the node took it as sent.
    let address = |v: &Value| v.as_str().unwrap().parse::<Address>().unwrap();
    assert_eq!(address(&seen["wallet"]), bob, "{seen}");
    let transfer = &seen["transfer"];
    assert_eq!(transfer["status"], 1, "{seen}");
    assert_eq!(
        (address(&transfer["from"]), address(&transfer["to"])),
        (bob, alice)
    );
    assert_eq!(transfer["type"], 2, "{seen}");
    assert_eq!(transfer["gasUsed"], "21000", "{seen}");
    let mined = call(url, "eth_getTransactionByHash", json!([transfer["hash"]]));
    assert_eq!(mined["value"], "0x5", "{mined}");

    // The JSON-RPC signer: a transaction the node signed (eth_signTransaction) and ethers sent
    // raw, and a personal message.
    let relayed = &seen["relayed"];
    assert_eq!(relayed["status"], 1, "{seen}");
    assert_eq!(
        (address(&relayed["from"]), address(&relayed["to"])),
        (alice, bob)
    );
    let mined = call(url, "eth_getTransactionByHash", json!([relayed["hash"]]));
    assert_eq!(mined["value"], "0x9", "{mined}");
    assert_eq!(address(&seen["messageSigner"]), alice, "{seen}");

    // set(1) from the wallet, set(2) from the node's unlocked account, set(3) after estimateGas.
    let sets = seen["sets"].as_array().unwrap();
    let senders: Vec<Address> = sets.iter().map(|r| address(&r["from"])).collect();
    assert_eq!(senders, [bob, alice, bob], "{seen}");
    assert!(sets.iter().all(|r| r["status"] == 1), "{seen}");
    let hashes: Vec<&Value> = sets.iter().map(|r| &r["hash"]).collect();
    // contract.on('Set') over HTTP polls eth_getFilterChanges: both events, in order.
    assert_eq!(
        seen["httpEvents"],
        json!([
            {"value": "1", "transactionHash": hashes[0]},
            {"value": "2", "transactionHash": hashes[1]},
        ]),
        "{seen}"
    );

    // A transfer estimates at its intrinsic gas; set(3) at no less than it then used.
    assert_eq!(seen["estimates"]["transfer"], "21000", "{seen}");
    let gas = |v: &Value| v.as_str().unwrap().parse::<u64>().unwrap();
    assert!(
        gas(&seen["estimates"]["set"]) >= gas(&sets[2]["gasUsed"]),
        "{seen}"
    );

    // getLogs with an address and topic filter, raw and decoded by queryFilter.
    let expected: Vec<Value> = (1..=3u64)
        .zip(&hashes)
        .map(|(value, hash)| json!({"value": value.to_string(), "transactionHash": hash}))
        .collect();
    assert_eq!(seen["queried"], json!(expected), "{seen}");
    let raw: Vec<Value> = (1..=3u64)
        .zip(&hashes)
        .map(
            |(value, hash)| json!({"data": B256::from(U256::from(value)), "transactionHash": hash}),
        )
        .collect();
    assert_eq!(seen["logs"], json!(raw), "{seen}");

    // ethers decodes the reason from eth_call's and eth_estimateGas's error data; a send
    // fails at its gas estimate.
    let decoded = json!({
        "code": "CALL_EXCEPTION",
        "reason": "not today",
        "revert": {"name": "Error", "signature": "Error(string)", "args": ["not today"]},
    });
    assert_eq!(
        seen["reverts"],
        json!({"call": decoded, "estimateGas": decoded, "send": decoded}),
        "{seen}"
    );

    // A method the node lacks is an unsupported operation to ethers, over HTTP and WebSocket
    // (it recognises geth's wording only).
    let unsupported = json!({"code": "UNSUPPORTED_OPERATION", "operation": "eth_noSuchMethod"});
    assert_eq!(seen["unknownMethod"], unsupported, "{seen}");
    assert_eq!(seen["overWs"]["unknownMethod"], unsupported, "{seen}");

    // contract.on('Set') over a WebSocketProvider subscribes to logs.
    let ws = &seen["overWs"];
    assert_eq!(ws["chainId"], seen["chainId"], "{seen}");
    assert_eq!(
        ws["events"],
        json!([{"value": "4", "transactionHash": ws["sent"]}]),
        "{seen}"
    );
}
