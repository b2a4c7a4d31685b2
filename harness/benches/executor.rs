//! Executor throughput: transactions per second for a Stylus storage write, an ERC-20 transfer
//! written with stylus-sdk, and the same transfer in Solidity on plain revm frames, in one run.
//! Each iteration executes one full transaction against the same state (no commit), so the
//! numbers measure execution, not state growth.
//!
//! `cargo bench -p harness --bench executor` (needs `cloudless contracts build` first).

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::{erc20::IStylusToken, probe::IProbe};
use criterion::{Criterion, criterion_group, criterion_main};
use harness::{
    artifact,
    evm::{Chain, chain::TxRequest},
};

const ALICE: Address = Address::repeat_byte(0xa1);
const BOB: Address = Address::repeat_byte(0xb0);

fn setup() -> (Chain, Address, Address, Address) {
    let mut chain = Chain::default();
    chain.fund(ALICE, U256::from(10u64).pow(U256::from(21)));
    let load = |name| {
        artifact::Artifacts::locate()
            .load(name)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let probe = chain.deploy_stylus(ALICE, &load("probe")).unwrap();
    let token = chain.deploy_stylus(ALICE, &load("erc20")).unwrap();
    let usdc = chain
        .deploy(ALICE, test_fixtures::solidity("TestUSDC").creation.clone())
        .unwrap();
    let mint = |to| {
        IStylusToken::mintCall {
            to,
            amount: U256::from(1_000_000_000u64),
        }
        .abi_encode()
    };
    chain.call(ALICE, token, mint(ALICE)).unwrap();
    chain.call(ALICE, usdc, mint(ALICE)).unwrap();
    (chain, probe, token, usdc)
}

fn bench(c: &mut Criterion) {
    let (mut chain, probe, token, usdc) = setup();
    let transfer: Bytes = IStylusToken::transferCall {
        to: BOB,
        value: U256::from(1),
    }
    .abi_encode()
    .into();
    let cases = [
        (
            "stylus storage write (probe.increment)",
            probe,
            Bytes::from(IProbe::incrementCall {}.abi_encode()),
        ),
        ("stylus erc20 transfer", token, transfer.clone()),
        ("solidity erc20 transfer", usdc, transfer),
    ];
    let mut group = c.benchmark_group("executor");
    for (name, to, data) in cases {
        let gas = chain
            .simulate(TxRequest::call(ALICE, to, data.clone()))
            .unwrap();
        assert!(gas.is_success(), "{name}: {gas:?}");
        println!("{name}: {} gas", gas.gas_used());
        group.bench_function(name, |b| {
            b.iter(|| {
                chain
                    .simulate(TxRequest::call(ALICE, to, data.clone()))
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
