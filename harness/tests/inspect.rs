//! Transactions under an inspector: the outcome is the untraced one, call tracers see frames
//! through Stylus programs, and the host I/O trace nests a program's calls.

mod common;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::probe::IProbe;
use common::{ALICE, chain, deploy_solidity, deploy_stylus};
use harness::evm::{
    Chain,
    hostio_trace::{HostioStep, HostioTracer},
};
use revm::context::TxEnv;
use revm_inspectors::tracing::{TracingInspector, TracingInspectorConfig};
use test_fixtures::abi::{Caller, Store};

/// A call from ALICE, as revm's transaction.
fn tx(chain: &Chain, to: Address, data: Vec<u8>) -> TxEnv {
    TxEnv::builder()
        .caller(ALICE)
        .kind(revm::primitives::TxKind::Call(to))
        .data(data.into())
        .gas_limit(10_000_000)
        .nonce(chain.account(ALICE).nonce)
        .chain_id(Some(chain.chain_id()))
        .build_fill()
}

fn step<'a>(steps: &'a [HostioStep], name: &str) -> &'a HostioStep {
    steps
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no {name} in {steps:?}"))
}

/// Probe `a` relays `increment()` to probe `b` through Solidity's Caller: Stylus → EVM → Stylus.
fn relay_through_caller(chain: &mut Chain) -> (Address, Address, Address, Vec<u8>) {
    let (a, b) = (deploy_stylus(chain, "probe"), deploy_stylus(chain, "probe"));
    let caller = deploy_solidity(chain, "Caller");
    let forward = Caller::forwardCall {
        target: b,
        data: IProbe::incrementCall {}.abi_encode().into(),
    };
    let relay = IProbe::relayCall {
        target: caller,
        data: forward.abi_encode().into(),
    };
    (a, b, caller, relay.abi_encode())
}

#[test]
fn inspecting_changes_neither_outcome_nor_state() {
    let mut chain = chain();
    let (a, _, _, data) = relay_through_caller(&mut chain);
    let env = tx(&chain, a, data);
    let plain = chain.evm_mut().transact(env.clone()).unwrap();
    let mut calls = TracingInspector::new(TracingInspectorConfig::default_geth());
    let traced = chain.evm_mut().inspect(env.clone(), &mut calls).unwrap();
    let mut hostios = HostioTracer::default();
    let recorded = chain.evm_mut().inspect(env, &mut hostios).unwrap();
    assert!(plain.result.is_success(), "{:?}", plain.result);
    assert_eq!(traced.result, plain.result);
    assert_eq!(traced.state, plain.state);
    assert_eq!(recorded.result, plain.result);
    assert_eq!(recorded.state, plain.state);
}

#[test]
fn the_call_tree_goes_through_programs() {
    let mut chain = chain();
    let (a, b, caller, data) = relay_through_caller(&mut chain);
    let config = TracingInspectorConfig::default_geth().set_record_logs(true);
    let mut inspector = TracingInspector::new(config);
    let env = tx(&chain, a, data);
    let out = chain.evm_mut().inspect(env, &mut inspector).unwrap();
    assert!(out.result.is_success());
    let nodes = inspector.into_traces().into_nodes();
    let frames: Vec<(usize, Address, Address)> = nodes
        .iter()
        .map(|n| (n.trace.depth, n.trace.caller, n.trace.address))
        .collect();
    assert_eq!(
        frames,
        [(0, ALICE, a), (1, a, caller), (2, caller, b)],
        "Stylus → Solidity → Stylus"
    );
    assert!(nodes.iter().all(|n| n.trace.success));
    assert_eq!(
        nodes[2].logs.len(),
        1,
        "b's Incremented log is in b's frame"
    );
    assert!(
        nodes[0].trace.steps.is_empty(),
        "a program has no opcode steps"
    );
    assert!(
        !nodes[1].trace.steps.is_empty(),
        "Caller's opcodes are stepped"
    );
}

#[test]
fn the_hostio_trace_nests_the_frames_a_program_opens() {
    let mut chain = chain();
    let (a, b, caller, data) = relay_through_caller(&mut chain);
    let mut tracer = HostioTracer::default();
    let env = tx(&chain, a, data.clone());
    chain.evm_mut().inspect(env, &mut tracer).unwrap();
    let steps = tracer.into_steps();
    assert_eq!(steps[0].name, "user_entrypoint");
    assert_eq!(steps[0].args.as_ref(), (data.len() as u32).to_be_bytes());
    assert_eq!(step(&steps, "read_args").outs.as_ref(), &data[..]);
    assert_eq!(steps.last().unwrap().name, "user_returned");

    let call = step(&steps, "call_contract");
    assert_eq!(call.address, Some(caller));
    assert_eq!(&call.args[..20], caller.as_slice());
    assert_eq!(call.outs[4], 0, "status 0: the call succeeded");
    assert!(call.start_ink > call.end_ink);
    let in_caller = call.steps.as_ref().expect("the call's frame");
    assert_eq!(in_caller.len(), 1, "{in_caller:?}");
    let into_b = &in_caller[0];
    assert_eq!(
        (into_b.name.as_str(), into_b.address),
        ("evm_call_contract", Some(b))
    );
    let in_b = into_b.steps.as_ref().expect("b's hostios");
    let load = step(in_b, "storage_load_bytes32");
    assert_eq!(load.args.as_ref(), [0u8; 32]);
    assert_eq!(load.outs.as_ref(), [0u8; 32]);
    let cached = step(in_b, "storage_cache_bytes32");
    assert_eq!(U256::from_be_slice(&cached.args[32..]), U256::from(1));
    assert_eq!(step(in_b, "msg_sender").outs.as_ref(), caller.as_slice());
    step(in_b, "emit_log");
}

#[test]
fn an_evm_only_transaction_has_no_hostios() {
    let mut chain = chain();
    let store = deploy_solidity(&mut chain, "Store");
    let data = Store::setCall {
        value: U256::from(3),
    }
    .abi_encode();
    let mut tracer = HostioTracer::default();
    let env = tx(&chain, store, data);
    let out = chain.evm_mut().inspect(env, &mut tracer).unwrap();
    assert!(out.result.is_success());
    assert!(tracer.into_steps().is_empty());
}
