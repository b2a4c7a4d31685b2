//! HTTP and WebSocket have separate caps: WebSocket clients at theirs do not starve HTTP, and the
//! one over the cap is refused with a JSON-RPC error.

mod support;

use alloy::providers::{Provider, ProviderBuilder, WsConnect};
use devnode::config::MAX_WS_CONNECTIONS;
use serde_json::{Value, json};
use support::{NodeProcess, call, exchange};

#[tokio::test(flavor = "multi_thread")]
async fn http_is_served_while_websockets_are_at_their_cap() {
    let node = NodeProcess::start(&[]);
    let connect = || ProviderBuilder::new().connect_ws(WsConnect::new(node.ws_url.clone()));
    let mut open = Vec::with_capacity(MAX_WS_CONNECTIONS);
    for i in 0..MAX_WS_CONNECTIONS {
        let ws = connect()
            .await
            .unwrap_or_else(|e| panic!("WebSocket {i} is under the cap but was refused: {e}"));
        open.push(ws);
    }
    for ws in [&open[0], &open[MAX_WS_CONNECTIONS - 1]] {
        assert_eq!(ws.get_chain_id().await.unwrap(), 412_346);
    }

    // One more is refused at the handshake, with a JSON-RPC error in the body.
    assert!(connect().await.is_err(), "WebSocket over the cap accepted");
    let handshake = exchange(
        &node.rpc_url,
        "GET",
        &[
            ("Connection", "Upgrade"),
            ("Upgrade", "websocket"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ],
        "",
    );
    let (head, body) = handshake.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 429"), "{handshake}");
    let refusal: Value = serde_json::from_str(body).unwrap();
    assert_eq!(refusal["jsonrpc"], "2.0", "{refusal}");
    assert_eq!(refusal["id"], Value::Null, "{refusal}");
    assert_eq!(refusal["error"]["code"], -32005, "{refusal}");
    let message = refusal["error"]["message"].as_str().unwrap();
    assert!(message.contains("WebSocket"), "{message}");

    // HTTP does not count against the WebSocket cap.
    for _ in 0..3 {
        assert_eq!(call(&node.rpc_url, "eth_chainId", json!([])), "0x64aba");
    }
    assert_eq!(open[1].get_block_number().await.unwrap(), 0);
}
