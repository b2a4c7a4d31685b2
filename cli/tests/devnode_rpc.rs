//! The dev node's JSON-RPC methods, driven with alloy over a real `cloudless devnode`.

mod support;

use std::time::Duration;

use alloy::{
    eips::eip2930::AccessList,
    eips::{BlockId, BlockNumberOrTag},
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256, address},
    providers::{Provider, ProviderBuilder, WsConnect},
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent, SolInterface},
};
use cloudless_abi::probe::IProbe;
use harness::evm::{arbos::ARB_WASM, arbwasm::IArbWasm, chain::deploy_code_init};
use serde_json::{Value, json};
use support::{NodeProcess, call, quantity, rpc};

fn signer(node: &NodeProcess, i: usize) -> PrivateKeySigner {
    node.accounts[i].1.parse().unwrap()
}

fn probe_code() -> Vec<u8> {
    harness::artifact::Artifacts::locate()
        .load("probe")
        .expect("the probe artifact (run `cargo run -p cloudless-cli -- contracts build`)")
}

#[tokio::test(flavor = "multi_thread")]
async fn methods_over_http_and_ws() {
    let node = NodeProcess::start(&[]);
    let alice = signer(&node, 0);
    let bob = node.accounts[1].0;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(alice.clone()))
        .connect_http(node.rpc_url.parse().unwrap());

    // Chain id, accounts, balances.
    assert_eq!(provider.get_chain_id().await.unwrap(), 412_346);
    assert_eq!(
        call(&node.rpc_url, "net_version", json!([])),
        json!("412346")
    );
    assert_eq!(provider.get_block_number().await.unwrap(), 0);
    let ten_thousand_eth = U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18));
    assert_eq!(provider.get_balance(bob).await.unwrap(), ten_thousand_eth);
    let accounts = provider.get_accounts().await.unwrap();
    assert_eq!(accounts.len(), 10);
    assert_eq!(accounts[0], alice.address());
    assert_eq!(provider.get_gas_price().await.unwrap(), 100_000_000);

    // Transfers: legacy, EIP-2930, EIP-1559.
    let legacy = TransactionRequest::default()
        .with_to(bob)
        .with_value(U256::from(1))
        .with_gas_price(200_000_000)
        .with_gas_limit(21_000);
    let r1 = provider
        .send_transaction(legacy)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(r1.status());
    assert_eq!(r1.transaction_type() as u8, 0);
    let eip2930 = TransactionRequest::default()
        .with_to(bob)
        .with_value(U256::from(2))
        .with_gas_price(200_000_000)
        .with_access_list(AccessList::default())
        .with_gas_limit(21_000);
    let r2 = provider
        .send_transaction(eip2930)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert_eq!(r2.transaction_type() as u8, 1);
    let eip1559 = TransactionRequest::default()
        .with_to(bob)
        .with_value(U256::from(3));
    let r3 = provider
        .send_transaction(eip1559)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert_eq!(r3.transaction_type() as u8, 2);
    assert_eq!(r3.gas_used, 21_000);
    // The base fee plus alloy's 1-wei tip, never more than the max fee.
    assert!((100_000_000..100_000_100).contains(&r3.effective_gas_price));
    assert_eq!(r3.block_number, Some(3));
    assert_eq!(
        provider.get_balance(bob).await.unwrap(),
        ten_thousand_eth + U256::from(6)
    );
    assert_eq!(
        provider
            .get_transaction_count(alice.address())
            .await
            .unwrap(),
        3
    );
    let tx = provider
        .get_transaction_by_hash(r3.transaction_hash)
        .await
        .unwrap()
        .expect("mined transaction");
    assert_eq!(tx.block_number, Some(3));

    // Blocks by number and hash, with and without transactions; parent hashes chain.
    let b3 = provider
        .get_block_by_number(3.into())
        .full()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b3.header.hash, r3.block_hash.unwrap());
    assert_eq!(b3.transactions.len(), 1);
    assert!(b3.transactions.as_transactions().is_some());
    let b3h = provider
        .get_block_by_hash(b3.header.hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b3h.transactions.hashes().next(), Some(r3.transaction_hash));
    let b2 = provider
        .get_block_by_number(2.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b3.header.parent_hash, b2.header.hash);
    assert_eq!(b3.header.hash_slow(), b3.header.hash);
    assert_eq!(b3.header.timestamp, b2.header.timestamp + 1);
    assert_eq!(b3.header.base_fee_per_gas, Some(100_000_000));

    // A Stylus program: deploy with CREATE, activate through ArbWasm, call it.
    let code = probe_code();
    let deploy = TransactionRequest::default().with_deploy_code(deploy_code_init(&code));
    let deployed = provider
        .send_transaction(deploy)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(deployed.status());
    let probe = deployed.contract_address.expect("created address");
    let before_activation = provider.get_block_number().await.unwrap();
    let activate = TransactionRequest::default()
        .with_to(ARB_WASM)
        .with_input(IArbWasm::activateProgramCall { program: probe }.abi_encode());
    let activated = provider
        .send_transaction(activate)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(activated.status());
    let increment = TransactionRequest::default()
        .with_to(probe)
        .with_input(IProbe::incrementCall {}.abi_encode());
    let inc = provider
        .send_transaction(increment)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(inc.status());
    assert_eq!(inc.inner.logs().len(), 1);
    let counter = TransactionRequest::default()
        .with_to(probe)
        .with_input(IProbe::counterCall {}.abi_encode());
    let out = provider.call(counter.clone()).await.unwrap();
    assert_eq!(U256::from_be_slice(&out), U256::from(1));

    // Historical state: before the increment the counter was 0; before the deploy no code.
    let before_inc = inc.block_number.unwrap() - 1;
    let old = provider
        .call(counter.clone())
        .block(before_inc.into())
        .await
        .unwrap();
    assert_eq!(U256::from_be_slice(&old), U256::ZERO);
    let old_by_hash = provider
        .call(counter.clone())
        .block(BlockId::hash(inc.block_hash.unwrap()))
        .await
        .unwrap();
    assert_eq!(U256::from_be_slice(&old_by_hash), U256::from(1));
    assert!(
        provider
            .get_code_at(probe)
            .block_id((deployed.block_number.unwrap() - 1).into())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        provider.get_code_at(probe).await.unwrap(),
        Bytes::from(code.clone())
    );
    assert_eq!(
        provider.get_balance(bob).block_id(1.into()).await.unwrap(),
        ten_thousand_eth + U256::from(1)
    );
    assert_eq!(
        provider
            .get_transaction_count(alice.address())
            .block_id(1.into())
            .await
            .unwrap(),
        1
    );
    let slot_now = provider.get_storage_at(probe, U256::ZERO).await.unwrap();
    let slot_then = provider
        .get_storage_at(probe, U256::ZERO)
        .block_id(before_activation.into())
        .await
        .unwrap();
    assert_eq!(slot_then, U256::ZERO);
    assert_eq!(
        slot_now,
        U256::from(1),
        "the probe keeps its counter in slot 0"
    );

    // Logs: address, topic OR-lists, wildcards, ranges, block hash.
    let by_address = provider
        .get_logs(&Filter::new().address(probe).from_block(0))
        .await
        .unwrap();
    assert_eq!(by_address.len(), 1);
    assert_eq!(by_address[0].transaction_hash, Some(inc.transaction_hash));
    let by_topic = Filter::new().from_block(0).event_signature(vec![
        IProbe::Incremented::SIGNATURE_HASH,
        B256::repeat_byte(7),
    ]);
    assert_eq!(provider.get_logs(&by_topic).await.unwrap().len(), 1);
    let wildcard = Filter::new()
        .from_block(0)
        .topic1(B256::left_padding_from(alice.address().as_slice()));
    assert_eq!(provider.get_logs(&wildcard).await.unwrap().len(), 1);
    let other = Filter::new().from_block(0).topic1(B256::repeat_byte(1));
    assert!(provider.get_logs(&other).await.unwrap().is_empty());
    let early = Filter::new()
        .address(probe)
        .from_block(0)
        .to_block(before_inc);
    assert!(provider.get_logs(&early).await.unwrap().is_empty());
    let at_hash = Filter::new().at_block_hash(inc.block_hash.unwrap());
    assert_eq!(provider.get_logs(&at_hash).await.unwrap().len(), 1);

    // A revert: code 3, "execution reverted", the custom error in data.
    let boom = IProbe::setThenRevertCall {
        value: U256::from(9),
    }
    .abi_encode();
    let response = rpc(
        &node.rpc_url,
        "eth_call",
        json!([{"to": probe, "data": Bytes::from(boom.clone())}, "latest"]),
    );
    assert_eq!(response["error"]["code"], 3, "{response}");
    assert_eq!(response["error"]["message"], "execution reverted");
    let data: Bytes = serde_json::from_value(response["error"]["data"].clone()).unwrap();
    assert_eq!(
        IProbe::IProbeErrors::abi_decode(&data).unwrap(),
        IProbe::IProbeErrors::Boom(IProbe::Boom {
            value: U256::from(9)
        })
    );
    let estimate = rpc(
        &node.rpc_url,
        "eth_estimateGas",
        json!([{"to": probe, "data": Bytes::from(boom)}]),
    );
    assert_eq!(estimate["error"]["code"], 3, "{estimate}");

    // eth_estimateGas gives a limit that works and one less that fails.
    let gas = provider
        .estimate_gas(
            TransactionRequest::default()
                .with_from(alice.address())
                .with_to(probe)
                .with_input(IProbe::incrementCall {}.abi_encode()),
        )
        .await
        .unwrap();
    let tight = TransactionRequest::default()
        .with_to(probe)
        .with_input(IProbe::incrementCall {}.abi_encode())
        .with_gas_limit(gas);
    assert!(
        provider
            .send_transaction(tight)
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap()
            .status()
    );
    // eth_call from an empty account without fees.
    let empty = address!("00000000000000000000000000000000000000ee");
    let from_empty = counter.clone().with_from(empty).with_value(U256::ZERO);
    assert_eq!(
        U256::from_be_slice(&provider.call(from_empty).await.unwrap()),
        U256::from(2)
    );

    // Fee history.
    let history = provider
        .get_fee_history(4, BlockNumberOrTag::Latest, &[50.0])
        .await
        .unwrap();
    assert_eq!(history.base_fee_per_gas.len(), 5);
    assert!(history.base_fee_per_gas.iter().all(|f| *f == 100_000_000));

    // Dev methods: snapshot, revert, time.
    let head = provider.get_block_number().await.unwrap();
    let id = call(&node.rpc_url, "evm_snapshot", json!([]));
    let r = provider
        .send_transaction(
            TransactionRequest::default()
                .with_to(bob)
                .with_value(U256::from(5)),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert_eq!(provider.get_block_number().await.unwrap(), head + 1);
    assert_eq!(call(&node.rpc_url, "evm_revert", json!([id])), json!(true));
    assert_eq!(call(&node.rpc_url, "evm_revert", json!([id])), json!(false));
    assert_eq!(provider.get_block_number().await.unwrap(), head);
    assert!(
        provider
            .get_transaction_receipt(r.transaction_hash)
            .await
            .unwrap()
            .is_none()
    );
    // The reverted nonce is free again; a new provider forgets alloy's cached nonce.
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(alice.clone()))
        .connect_http(node.rpc_url.parse().unwrap());
    let latest = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    let offset = call(&node.rpc_url, "evm_increaseTime", json!([100]));
    assert_eq!(quantity(&offset), 100);
    call(&node.rpc_url, "evm_mine", json!([]));
    let mined = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mined.header.timestamp, latest.header.timestamp + 101);
    let next = mined.header.timestamp + 1000;
    call(&node.rpc_url, "evm_setNextBlockTimestamp", json!([next]));
    call(&node.rpc_url, "evm_mine", json!([]));
    let mined = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mined.header.timestamp, next);
    call(&node.rpc_url, "evm_mine", json!([next + 5]));
    let mined = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mined.header.timestamp, next + 5);
    let bad = rpc(&node.rpc_url, "evm_setNextBlockTimestamp", json!([next]));
    assert_eq!(bad["error"]["code"], -32000, "{bad}");

    // WebSocket subscriptions: newHeads and logs.
    let ws = ProviderBuilder::new()
        .connect_ws(WsConnect::new(node.ws_url.clone()))
        .await
        .unwrap();
    let mut heads = ws.subscribe_blocks().await.unwrap();
    let mut logs = ws
        .subscribe_logs(&Filter::new().address(probe))
        .await
        .unwrap();
    let inc = provider
        .send_transaction(
            TransactionRequest::default()
                .with_to(probe)
                .with_input(IProbe::incrementCall {}.abi_encode()),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let head = tokio::time::timeout(Duration::from_secs(30), heads.recv())
        .await
        .expect("a newHeads notification")
        .unwrap();
    assert_eq!(Some(head.number), inc.block_number);
    assert_eq!(Some(head.hash), inc.block_hash);
    let log = tokio::time::timeout(Duration::from_secs(30), logs.recv())
        .await
        .expect("a logs notification")
        .unwrap();
    assert_eq!(log.transaction_hash, Some(inc.transaction_hash));
    assert_eq!(log.topics()[0], IProbe::Incremented::SIGNATURE_HASH);
}

#[tokio::test(flavor = "multi_thread")]
async fn interval_mining_batches_the_pending_pool() {
    let node = NodeProcess::start(&["--block-time", "1"]);
    let alice = signer(&node, 0);
    let bob = node.accounts[1].0;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(alice))
        .connect_http(node.rpc_url.parse().unwrap());
    let transfer = |nonce: u64| {
        TransactionRequest::default()
            .with_to(bob)
            .with_value(U256::from(1))
            .with_nonce(nonce)
            .with_gas_limit(21_000)
    };
    let a = provider.send_transaction(transfer(0)).await.unwrap();
    let b = provider.send_transaction(transfer(1)).await.unwrap();
    let ra = a.get_receipt().await.unwrap();
    let rb = b.get_receipt().await.unwrap();
    assert!(ra.status() && rb.status());
    let block = provider
        .get_block_by_number(ra.block_number.unwrap().into())
        .await
        .unwrap()
        .unwrap();
    let parent = provider
        .get_block_by_number((ra.block_number.unwrap() - 1).into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(block.header.timestamp, parent.header.timestamp + 1);
    if ra.block_number == rb.block_number {
        assert_eq!(block.transactions.len(), 2);
        assert_eq!(rb.transaction_index, Some(1));
    }
}

#[test]
fn browser_pages_may_call_it() {
    let node = NodeProcess::start(&[]);
    let origin = ("Origin", "http://localhost:5173");
    let preflight = support::exchange(
        &node.rpc_url,
        "OPTIONS",
        &[
            origin,
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        "",
    )
    .to_ascii_lowercase();
    assert!(preflight.starts_with("http/1.1 200"), "{preflight}");
    assert!(
        preflight.contains("access-control-allow-origin: *"),
        "{preflight}"
    );
    assert!(
        preflight.contains("access-control-allow-headers: *"),
        "{preflight}"
    );
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#;
    let response = support::exchange(
        &node.rpc_url,
        "POST",
        &[origin, ("Content-Type", "application/json")],
        body,
    );
    assert!(
        response
            .to_ascii_lowercase()
            .contains("access-control-allow-origin: *"),
        "{response}"
    );
    assert!(response.contains(r#""result":"0x64aba""#), "{response}");
}

#[test]
fn calls_take_state_overrides_as_cargo_stylus_uses_them() {
    let node = NodeProcess::start(&[]);
    let url = &node.rpc_url;
    // A program that exists only in the override: activation succeeds in the simulation…
    let program = Address::repeat_byte(0x77);
    let nobody = Address::repeat_byte(0x78);
    let activate = Bytes::from(IArbWasm::activateProgramCall { program }.abi_encode());
    let call = json!({"from": nobody, "to": ARB_WASM, "data": activate, "value": "0x1"});
    let overrides = json!({
        program.to_string(): {"code": Bytes::from(probe_code())},
        nobody.to_string(): {"balance": "0xde0b6b3a7640000"},
    });
    let out = call_result(url, "eth_call", json!([call, "latest", overrides]));
    let returned = IArbWasm::activateProgramCall::abi_decode_returns(&out).unwrap();
    assert!(
        returned.version > 0,
        "activated at Stylus version {}",
        returned.version
    );
    let gas = quantity(&support::call(
        url,
        "eth_estimateGas",
        json!([call, "latest", overrides]),
    ));
    assert!(gas > 21_000, "activation costs more than a transfer: {gas}");
    // …and leaves no trace: without the override there is no program and no balance.
    let plain = rpc(url, "eth_call", json!([call, "latest"]));
    assert!(plain.get("error").is_some(), "{plain}");
    assert_eq!(
        support::call(url, "eth_getCode", json!([program, "latest"])),
        json!("0x")
    );
    assert_eq!(
        quantity(&support::call(url, "eth_blockNumber", json!([]))),
        0
    );

    // Storage overrides on an EVM reader of slot 0 (SLOAD 0, return it): `stateDiff` sets one
    // slot, `state` replaces the whole storage.
    let reader = Address::repeat_byte(0x79);
    let code = Bytes::from_static(&[
        0x60, 0x00, 0x54, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3,
    ]);
    let word = |n: u64| B256::from(U256::from(n));
    let read = |storage_key: &str, slot: u64| {
        let overrides = json!({ reader.to_string(): {
            "code": code,
            storage_key: { word(slot).to_string(): word(7) },
        }});
        let out = call_result(
            url,
            "eth_call",
            json!([{"to": reader}, "latest", overrides]),
        );
        U256::from_be_slice(&out)
    };
    assert_eq!(read("stateDiff", 0), U256::from(7));
    assert_eq!(read("state", 0), U256::from(7));
    assert_eq!(read("state", 1), U256::ZERO);
    let both = json!({ reader.to_string(): {"state": {}, "stateDiff": {}} });
    let refused = rpc(url, "eth_call", json!([{"to": reader}, "latest", both]));
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
}

/// The `result` of `method` as bytes.
fn call_result(url: &str, method: &str, params: Value) -> Bytes {
    serde_json::from_value(support::call(url, method, params)).unwrap()
}
