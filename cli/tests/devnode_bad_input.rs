//! Bad requests get the right JSON-RPC errors, mine nothing, and the node keeps serving.

mod support;

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    primitives::{Bytes, TxKind, U256},
    signers::local::PrivateKeySigner,
};
use serde_json::{Value, json};
use support::{NodeProcess, call, exchange, post, quantity, rpc};

fn legacy(signer: &PrivateKeySigner, chain_id: u64, nonce: u64, value: U256) -> Bytes {
    let mut tx = TxLegacy {
        chain_id: Some(chain_id),
        nonce,
        gas_price: 1_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(signer.address()),
        value,
        input: Bytes::new(),
    };
    let sig = signer.sign_transaction_sync(&mut tx).unwrap();
    TxEnvelope::Legacy(tx.into_signed(sig))
        .encoded_2718()
        .into()
}

fn eip1559(signer: &PrivateKeySigner, max_fee: u128, gas_limit: u64) -> Bytes {
    let mut tx = TxEip1559 {
        chain_id: 412_346,
        nonce: 0,
        gas_limit,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(signer.address()),
        value: U256::ZERO,
        access_list: Default::default(),
        input: Bytes::new(),
    };
    let sig = signer.sign_transaction_sync(&mut tx).unwrap();
    TxEnvelope::Eip1559(tx.into_signed(sig))
        .encoded_2718()
        .into()
}

fn send(url: &str, raw: &Bytes) -> Value {
    rpc(url, "eth_sendRawTransaction", json!([raw]))
}

#[track_caller]
fn assert_error(response: &Value, code: i64, message: &str) {
    assert_eq!(response["error"]["code"], code, "{response}");
    let got = response["error"]["message"].as_str().unwrap_or_default();
    assert!(got.contains(message), "expected {message:?} in {response}");
}

#[test]
fn bad_requests_get_errors_and_mine_nothing() {
    let node = NodeProcess::start(&[]);
    let url = &node.rpc_url;
    let alice: PrivateKeySigner = node.accounts[0].1.parse().unwrap();

    // One good transaction so that nonce 0 is used.
    let good = legacy(&alice, 412_346, 0, U256::from(1));
    let hash = call(url, "eth_sendRawTransaction", json!([good]));
    assert!(hash.is_string());
    assert_eq!(quantity(&call(url, "eth_blockNumber", json!([]))), 1);

    // Transport and protocol errors.
    assert_error(&post(url, "{not json"), -32700, "");
    assert_error(
        &post(url, r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId""#),
        -32700,
        "",
    );
    let unknown = "the method eth_noSuchMethod does not exist/is not available";
    assert_error(&rpc(url, "eth_noSuchMethod", json!([])), -32601, unknown);
    let batch = post(
        url,
        r#"[{"jsonrpc":"2.0","id":1,"method":"eth_noSuchMethod"},
            {"jsonrpc":"2.0","id":2,"method":"eth_chainId"}]"#,
    );
    assert_error(&batch[0], -32601, unknown);
    assert_eq!(
        batch[1]["result"],
        call(url, "eth_chainId", json!([])),
        "{batch}"
    );
    assert_error(&rpc(url, "eth_getBalance", json!(["0x1234"])), -32602, "");
    assert_error(&rpc(url, "eth_getBalance", json!([])), -32602, "");
    assert_error(
        &rpc(url, "eth_getBlockByNumber", json!([{"x": 1}, false])),
        -32602,
        "",
    );
    assert_error(&rpc(url, "eth_call", json!(["nope"])), -32602, "");
    assert_error(&rpc(url, "eth_sendRawTransaction", json!([12])), -32602, "");
    assert_error(&rpc(url, "evm_revert", json!([[]])), -32602, "");
    assert_error(
        &rpc(url, "eth_getBalance", json!([node.accounts[0].0, "0x99"])),
        -32000,
        "header not found",
    );

    // Transaction admission.
    assert_error(&send(url, &good), -32000, "already known");
    assert_error(
        &send(url, &legacy(&alice, 1, 1, U256::ZERO)),
        -32000,
        "invalid chain id for signer: have 1 want 412346",
    );
    assert_error(
        &send(url, &legacy(&alice, 412_346, 0, U256::from(2))),
        -32000,
        "nonce too low: next nonce 1, tx nonce 0",
    );
    assert_error(
        &send(url, &legacy(&alice, 412_346, 5, U256::ZERO)),
        -32000,
        "nonce too high: next nonce 1, tx nonce 5",
    );
    assert_error(
        &send(url, &legacy(&alice, 412_346, 1, U256::MAX >> 1)),
        -32000,
        "insufficient funds for gas * price + value",
    );
    let poor = PrivateKeySigner::random();
    assert_error(
        &send(url, &eip1559(&poor, 1_000_000_000, 21_000)),
        -32000,
        "insufficient funds for gas * price + value",
    );
    assert_error(
        &send(url, &eip1559(&alice, 1_000, 21_000)),
        -32000,
        "max fee per gas less than block base fee",
    );
    let fresh: PrivateKeySigner = node.accounts[2].1.parse().unwrap();
    assert_error(
        &send(url, &eip1559(&fresh, 1_000_000_000, 20_000)),
        -32000,
        "intrinsic gas too low",
    );
    // A signature with r = 0 recovers no signer.
    let mut bad_sig = good.to_vec();
    let len = bad_sig.len();
    for b in &mut bad_sig[len - 66..len - 33] {
        *b = 0;
    }
    let response = send(url, &Bytes::from(bad_sig));
    assert_eq!(response["error"]["code"], -32000, "{response}");
    for garbage in [
        &b""[..],
        &[0x01][..],
        &[0xde, 0xad, 0xbe, 0xef][..],
        &[0x02, 0xc0][..],
    ] {
        let response = send(url, &Bytes::copy_from_slice(garbage));
        assert_eq!(response["error"]["code"], -32000, "{response}");
    }

    // Nothing was mined, and the node still answers.
    assert_eq!(quantity(&call(url, "eth_blockNumber", json!([]))), 1);
    assert_eq!(
        quantity(&call(
            url,
            "eth_getTransactionCount",
            json!([alice.address(), "latest"])
        )),
        1
    );
    let next = legacy(&alice, 412_346, 1, U256::from(1));
    call(url, "eth_sendRawTransaction", json!([next]));
    assert_eq!(quantity(&call(url, "eth_blockNumber", json!([]))), 2);
}

#[test]
fn notifications_get_no_reply_and_non_objects_are_invalid_requests() {
    let node = NodeProcess::start(&[]);
    let url = &node.rpc_url;
    let json = [("Content-Type", "application/json")];

    // A request without an id is a notification: it runs, with no JSON-RPC response at all.
    let head_before = quantity(&call(url, "eth_blockNumber", json!([])));
    let notification = r#"{"jsonrpc":"2.0","method":"evm_mine","params":[]}"#;
    let response = exchange(url, "POST", &json, notification);
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(body, "", "a notification was answered: {response}");
    assert_eq!(
        quantity(&call(url, "eth_blockNumber", json!([]))),
        head_before + 1,
        "the notification to mine was not run"
    );

    // JSON that is neither a request object nor a batch is an invalid request, not a parse error.
    for body in ["1", r#""x""#, "true", "null", " 2.5 "] {
        let response = post(url, body);
        assert_error(&response, -32600, "");
        assert_eq!(response["id"], Value::Null, "{response}");
    }
    // In a batch, such an entry is answered as invalid and the others as usual.
    let batch = post(
        url,
        r#"[1, {"jsonrpc":"2.0","id":7,"method":"eth_chainId","params":[]}]"#,
    );
    let answers = batch.as_array().unwrap_or_else(|| panic!("{batch}"));
    assert_eq!(answers.len(), 2, "{batch}");
    assert!(
        answers.iter().any(|a| a["error"]["code"] == -32600),
        "{batch}"
    );
    assert!(
        answers
            .iter()
            .any(|a| a["id"] == 7 && a["result"] == "0x64aba"),
        "{batch}"
    );
    // Not JSON at all is still a parse error.
    assert_error(&post(url, "nope"), -32700, "");
}
