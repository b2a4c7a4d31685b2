//! `debug_traceTransaction` and `debug_traceCall` on `cloudless devnode`, asked by foundry's
//! `cast rpc` as users do: the struct logger and `callTracer` on Solidity and Stylus calls, and
//! the `stylusTracer` host I/O trace read the way `cargo stylus trace` reads it.

mod support;

use alloy::primitives::{Address, U256, hex};
use harness::evm::chain::deploy_code_init;
use serde_json::{Value, json};
use support::{
    NodeProcess,
    cast::{cast, cast_send},
    quantity, rpc,
};

/// `cast rpc method params…` parsed as JSON.
fn cast_rpc(url: &str, method: &str, params: &[&str]) -> Value {
    let mut args = vec!["rpc", "--rpc-url", url, method];
    args.extend(params);
    serde_json::from_str(&cast(&args)).expect("cast rpc prints JSON")
}

/// `cast calldata signature args…`.
fn calldata(signature: &str, args: &[&str]) -> String {
    let mut all = vec!["calldata", signature];
    all.extend(args);
    cast(&all)
}

/// A 32-byte hex word, with or without `0x` (geth leaves it out of struct-log storage).
fn word(hex: &str) -> U256 {
    U256::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

fn address(value: &Value) -> Address {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not an address: {value}"))
        .parse()
        .unwrap()
}

/// Deploys `init` (hex) and returns the new address.
fn deploy(url: &str, key: &str, init: &str) -> Address {
    let receipt = cast_send(url, key, &["--create", init]);
    address(&receipt["contractAddress"])
}

/// One hostio of a `stylusTracer` trace, parsed as `cargo stylus trace` parses it
/// (`TraceFrame::parse_frame`): hex `args` and `outs` with a `0x` prefix, integer inks, and
/// for the hostios that open a frame, its `address` and nested `steps`.
#[derive(Debug)]
struct Hostio {
    name: String,
    args: Vec<u8>,
    outs: Vec<u8>,
    start_ink: u64,
    end_ink: u64,
    frame: Option<(Address, Vec<Hostio>)>,
}

fn hex_field(step: &Value, field: &str) -> Vec<u8> {
    let text = step[field]
        .as_str()
        .unwrap_or_else(|| panic!("step without {field}: {step}"));
    let digits = text
        .strip_prefix("0x")
        .unwrap_or_else(|| panic!("{field} does not contain 0x prefix: {step}"));
    hex::decode(digits).unwrap_or_else(|e| panic!("failed to parse {field} ({e}): {step}"))
}

fn parse_steps(steps: &Value) -> Vec<Hostio> {
    let steps = steps
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {steps}"));
    steps
        .iter()
        .map(|step| {
            let name = step["name"].as_str().expect("step name").to_string();
            let ink = |field: &str| {
                step[field]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{field} is not an integer: {step}"))
            };
            let opens_frame = name.starts_with("evm_")
                || matches!(
                    name.as_str(),
                    "call_contract" | "delegate_call_contract" | "static_call_contract"
                );
            let frame = opens_frame.then(|| {
                let address = Address::from_slice(&hex_field(step, "address"));
                (address, parse_steps(&step["steps"]))
            });
            Hostio {
                args: hex_field(step, "args"),
                outs: hex_field(step, "outs"),
                start_ink: ink("startInk"),
                end_ink: ink("endInk"),
                name,
                frame,
            }
        })
        .collect()
}

fn names(steps: &[Hostio]) -> Vec<&str> {
    steps.iter().map(|s| s.name.as_str()).collect()
}

fn find<'a>(steps: &'a [Hostio], name: &str) -> &'a Hostio {
    steps
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", names(steps)))
}

/// Ink only goes down inside a program, and every hostio ends with no more than it started.
fn assert_ink_runs_down(steps: &[Hostio]) {
    let mut last = u64::MAX;
    for step in steps.iter().filter(|s| !s.name.starts_with("evm_")) {
        assert!(step.end_ink <= step.start_ink, "{step:?}");
        assert!(step.start_ink <= last, "ink went up at {step:?}");
        last = step.end_ink;
    }
}

#[test]
fn traces_of_solidity_and_stylus_transactions() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let key = node.accounts[0].1.as_str();

    let creation = |name: &str| format!("{}", test_fixtures::solidity(name).creation);
    let store = deploy(url, key, &creation("Store"));
    let caller = deploy(url, key, &creation("Caller"));
    let code = harness::artifact::Artifacts::locate()
        .load("probe")
        .expect("the probe artifact (run `cargo run -p cloudless-cli -- contracts build`)");
    let probe = deploy(
        url,
        key,
        &format!("0x{}", hex::encode(deploy_code_init(&code))),
    );
    let activated = cast_send(
        url,
        key,
        &[
            "0x0000000000000000000000000000000000000071",
            "activateProgram(address)",
            &probe.to_string(),
        ],
    );
    assert_eq!(activated["status"], "0x1", "{activated}");

    // Solidity → Solidity: Caller.forward(Store, set(7)).
    let set7 = calldata("set(uint256)", &["7"]);
    let sent = cast_send(
        url,
        key,
        &[
            &caller.to_string(),
            "forward(address,bytes)",
            &store.to_string(),
            &set7,
        ],
    );
    assert_eq!(sent["status"], "0x1", "{sent}");
    let tx = sent["transactionHash"].as_str().unwrap();
    let gas_used = quantity(&sent["gasUsed"]);

    let logger = cast_rpc(url, "debug_traceTransaction", &[tx]);
    assert_eq!(logger["failed"], false, "{logger}");
    assert_eq!(logger["gas"].as_u64(), Some(gas_used));
    let logs = logger["structLogs"].as_array().expect("structLogs");
    let ops: Vec<&str> = logs.iter().map(|l| l["op"].as_str().unwrap()).collect();
    for op in ["CALLDATALOAD", "CALL", "SSTORE", "LOG1", "RETURN"] {
        assert!(ops.contains(&op), "no {op} among {} steps", ops.len());
    }
    let sstore = &logs[ops.iter().position(|op| *op == "SSTORE").unwrap()];
    assert_eq!(sstore["depth"], 2, "Store's SSTORE runs one call down");
    let storage: Vec<(U256, U256)> = sstore["storage"]
        .as_object()
        .unwrap_or_else(|| panic!("SSTORE without storage: {sstore}"))
        .iter()
        .map(|(slot, value)| (word(slot), word(value.as_str().unwrap())))
        .collect();
    assert_eq!(storage, [(U256::ZERO, U256::from(7))], "{sstore}");
    assert!(sstore["stack"].is_array());
    assert!(
        logs.iter()
            .all(|l| l["pc"].is_u64() && l["gasCost"].is_u64())
    );
    let bare = cast_rpc(
        url,
        "debug_traceTransaction",
        &[tx, r#"{"disableStack":true,"disableStorage":true}"#],
    );
    let first = &bare["structLogs"][0];
    assert!(
        first.get("stack").is_none() && first.get("storage").is_none(),
        "{first}"
    );

    let calls = cast_rpc(
        url,
        "debug_traceTransaction",
        &[
            tx,
            r#"{"tracer":"callTracer","tracerConfig":{"withLog":true}}"#,
        ],
    );
    assert_eq!(calls["type"], "CALL");
    assert_eq!(address(&calls["to"]), caller);
    assert_eq!(quantity(&calls["gasUsed"]), gas_used);
    let inner = &calls["calls"][0];
    assert_eq!(inner["type"], "CALL");
    assert_eq!(address(&inner["from"]), caller);
    assert_eq!(address(&inner["to"]), store);
    assert_eq!(inner["input"], set7.as_str());
    assert_eq!(address(&inner["logs"][0]["address"]), store);

    // Stylus → Solidity: probe.relay(Store, set(9)).
    let set9 = calldata("set(uint256)", &["9"]);
    let relayed = cast_send(
        url,
        key,
        &[
            &probe.to_string(),
            "relay(address,bytes)",
            &store.to_string(),
            &set9,
        ],
    );
    assert_eq!(relayed["status"], "0x1", "{relayed}");
    let relay_tx = relayed["transactionHash"].as_str().unwrap();
    let calls = cast_rpc(
        url,
        "debug_traceTransaction",
        &[
            relay_tx,
            r#"{"tracer":"callTracer","tracerConfig":{"withLog":true}}"#,
        ],
    );
    assert_eq!(address(&calls["to"]), probe);
    assert_eq!(calls["calls"].as_array().map(Vec::len), Some(1), "{calls}");
    let inner = &calls["calls"][0];
    assert_eq!(
        (address(&inner["from"]), address(&inner["to"])),
        (probe, store)
    );
    assert_eq!(inner["input"], set9.as_str());
    assert_eq!(
        inner["logs"][0]["data"],
        format!("0x{:064x}", 9),
        "Store's Set(9) is in its frame"
    );
    let only_top = cast_rpc(
        url,
        "debug_traceTransaction",
        &[
            relay_tx,
            r#"{"tracer":"callTracer","tracerConfig":{"onlyTopCall":true}}"#,
        ],
    );
    assert!(only_top.get("calls").is_none(), "{only_top}");

    // The same transaction's host I/O, requested as `cargo stylus trace --use-native-tracer`.
    let trace = cast_rpc(
        url,
        "debug_traceTransaction",
        &[relay_tx, r#"{"tracer":"stylusTracer"}"#],
    );
    let steps = parse_steps(&trace);
    let calldata_sent = hex::decode(
        cast(&[
            "calldata",
            "relay(address,bytes)",
            &store.to_string(),
            &set9,
        ])
        .trim_start_matches("0x"),
    )
    .unwrap();
    assert_eq!(steps[0].name, "user_entrypoint");
    assert_eq!(steps[0].args, (calldata_sent.len() as u32).to_be_bytes());
    assert_eq!(find(&steps, "read_args").outs, calldata_sent);
    let call = find(&steps, "call_contract");
    let (callee, inner) = call.frame.as_ref().expect("call_contract has a frame");
    assert_eq!(*callee, store);
    assert!(inner.is_empty(), "Store is EVM code: no hostios inside");
    assert_eq!(&call.args[..20], store.as_slice());
    let set9_bytes = hex::decode(set9.trim_start_matches("0x")).unwrap();
    assert_eq!(&call.args[20 + 8 + 32..], &set9_bytes[..]);
    assert_eq!(call.outs, [0, 0, 0, 0, 0], "no return data, status 0");
    assert!(call.end_ink < call.start_ink);
    let last = steps.last().unwrap();
    assert_eq!(
        (last.name.as_str(), last.outs.as_slice()),
        ("user_returned", &[0u8, 0, 0, 0][..])
    );
    assert!(names(&steps).contains(&"write_result"));
    assert_ink_runs_down(&steps);

    // Solidity → Stylus: Caller.forward(probe, increment()).
    let increment = calldata("increment()", &[]);
    let forwarded = cast_send(
        url,
        key,
        &[
            &caller.to_string(),
            "forward(address,bytes)",
            &probe.to_string(),
            &increment,
        ],
    );
    assert_eq!(forwarded["status"], "0x1", "{forwarded}");
    let forward_tx = forwarded["transactionHash"].as_str().unwrap();
    let calls = cast_rpc(
        url,
        "debug_traceTransaction",
        &[
            forward_tx,
            r#"{"tracer":"callTracer","tracerConfig":{"withLog":true}}"#,
        ],
    );
    let inner = &calls["calls"][0];
    assert_eq!(address(&inner["to"]), probe);
    assert_eq!(inner["input"], increment.as_str());
    assert_eq!(
        word(inner["output"].as_str().unwrap()),
        U256::from(1),
        "increment returns the new counter"
    );
    assert_eq!(address(&inner["logs"][0]["address"]), probe);
    let trace = parse_steps(&cast_rpc(
        url,
        "debug_traceTransaction",
        &[forward_tx, r#"{"tracer":"stylusTracer"}"#],
    ));
    assert_eq!(names(&trace), ["evm_call_contract"]);
    let (callee, steps) = trace[0].frame.as_ref().unwrap();
    assert_eq!(*callee, probe);
    let load = find(steps, "storage_load_bytes32");
    assert_eq!(load.args, [0u8; 32], "the counter is slot 0");
    assert_eq!(load.outs, [0u8; 32], "and was 0");
    let cached = find(steps, "storage_cache_bytes32");
    assert_eq!(&cached.args[..32], &[0u8; 32]);
    assert_eq!(U256::from_be_slice(&cached.args[32..]), U256::from(1));
    for name in [
        "storage_flush_cache",
        "emit_log",
        "msg_sender",
        "write_result",
    ] {
        find(steps, name);
    }
    assert_eq!(
        &find(steps, "msg_sender").outs[..],
        caller.as_slice(),
        "the program sees Caller as its sender"
    );
    assert_ink_runs_down(steps);

    // debug_traceCall at the head: the counter is 1 now.
    let view = json!({ "to": probe, "data": calldata("counter()", &[]) }).to_string();
    let calls = cast_rpc(
        url,
        "debug_traceCall",
        &[&view, "latest", r#"{"tracer":"callTracer"}"#],
    );
    assert_eq!(address(&calls["to"]), probe);
    assert_eq!(calls["output"], format!("0x{:064x}", 1));
    let steps = parse_steps(&cast_rpc(
        url,
        "debug_traceCall",
        &[&view, "latest", r#"{"tracer":"stylusTracer"}"#],
    ));
    assert_eq!(
        find(&steps, "storage_load_bytes32").outs,
        U256::from(1).to_be_bytes::<32>()
    );
    // …and 0 at the block before the increment.
    let before = quantity(&forwarded["blockNumber"]) - 1;
    let past = cast_rpc(
        url,
        "debug_traceCall",
        &[&view, &format!("{before:#x}"), r#"{"tracer":"callTracer"}"#],
    );
    assert_eq!(past["output"], format!("0x{:064x}", 0));
}

#[test]
fn tracing_refuses_unknown_transactions_and_tracers() {
    let node = NodeProcess::start(&[]);
    let url = node.rpc_url.as_str();
    let missing = format!("0x{}", "ab".repeat(32));
    let response = rpc(url, "debug_traceTransaction", json!([missing]));
    assert_eq!(response["error"]["code"], -32000, "{response}");
    assert_eq!(
        response["error"]["message"],
        format!("transaction {missing} not found")
    );

    let key = node.accounts[0].1.as_str();
    let bob = node.accounts[1].0.to_string();
    let sent = cast_send(url, key, &[&bob, "--value", "1"]);
    let tx = sent["transactionHash"].as_str().unwrap();
    for tracer in ["prestateTracer", "{ step: function() {} }"] {
        let response = rpc(
            url,
            "debug_traceTransaction",
            json!([tx, { "tracer": tracer }]),
        );
        assert_eq!(response["error"]["code"], -32602, "{response}");
        let message = response["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("not supported") && message.contains("callTracer, stylusTracer"),
            "{message}"
        );
    }
    let response = rpc(
        url,
        "debug_traceTransaction",
        json!([tx, { "tracer": "callTracer", "tracerConfig": { "onlyTopCall": "yes" } }]),
    );
    assert_eq!(response["error"]["code"], -32602, "{response}");

    // A plain transfer: one top call, no steps of any program, and the chain did not move.
    let head = quantity(&rpc(url, "eth_blockNumber", json!([]))["result"]);
    let calls = cast_rpc(
        url,
        "debug_traceTransaction",
        &[tx, r#"{"tracer":"callTracer"}"#],
    );
    assert_eq!(calls["value"], "0x1");
    let steps = cast_rpc(
        url,
        "debug_traceTransaction",
        &[tx, r#"{"tracer":"stylusTracer"}"#],
    );
    assert_eq!(steps, json!([]));
    assert_eq!(
        quantity(&rpc(url, "eth_blockNumber", json!([]))["result"]),
        head
    );
}
