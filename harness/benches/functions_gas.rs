//! Gas and ink of one call of each example function (`functions/`), on the processed programs
//! deployed and activated in the harness chain. Gas is deterministic, so one run is the
//! measurement. A call's *program gas* is the receipt's gas minus the transaction's intrinsic gas
//! (21,000 plus calldata, as revm computes it for Prague); ink = gas × the ink price.
//!
//! `cargo bench -p harness --bench functions_gas` (needs `cloudless function build` first).
//! Prints a markdown table; `-- --json` prints the same as JSON.

use alloy_primitives::{Address, U256};
use harness::{
    artifact::Artifacts,
    evm::{Chain, chain::TxRequest},
    stylus::params::StylusParams,
};
use revm::{context_interface::cfg::gas::calculate_initial_tx_gas, primitives::hardfork::SpecId};

const CALLER: Address = Address::repeat_byte(0xa1);

/// Each example function with a representative request, and `notify` on an empty template: the
/// fixed cost of entering a function (the program's init gas, reading and writing the data).
fn calls() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let column: String = (1..=100).map(|i| format!("{}\n", i * 37 % 1_000)).collect();
    vec![
        ("csv-stats", "100 numbers", column.into_bytes()),
        (
            "quote-api",
            "one quote",
            br#"{"sku": "gpu", "qty": 12, "region": "eu"}"#.to_vec(),
        ),
        (
            "notify",
            "two placeholders",
            b"name=Ada\nplan=Pro\n---\nHi {{name}}, your {{plan}} plan renews tomorrow.".to_vec(),
        ),
        ("notify", "empty template (baseline)", b"---".to_vec()),
    ]
}

/// Gas of a transaction from [`CALLER`] to `to` with `data`; panics unless it succeeds.
fn gas(chain: &mut Chain, to: Address, data: &[u8]) -> u64 {
    let receipt = chain
        .send(TxRequest::call(CALLER, to, data.to_vec()))
        .expect("a valid transaction");
    assert!(
        receipt.is_success(),
        "the call failed: {:?}",
        receipt.result
    );
    receipt.gas_used()
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let artifacts = Artifacts::locate();
    let ink_price = u64::from(StylusParams::default().ink_price);
    let mut chain = Chain::default();
    chain.fund(CALLER, U256::from(10u64).pow(U256::from(21)));
    let mut rows = Vec::new();
    for (name, what, request) in calls() {
        let code = artifacts
            .load(name)
            .unwrap_or_else(|e| panic!("{e} (run `cargo run -p cloudless-cli -- function build`)"));
        let program = chain
            .deploy_stylus(CALLER, &code)
            .unwrap_or_else(|e| panic!("deploying {name}: {e}"));
        let total = gas(&mut chain, program, &request);
        let intrinsic = calculate_initial_tx_gas(SpecId::PRAGUE, &request, false, 0, 0, 0, None);
        // Below EIP-7623's calldata floor the receipt would hide the program's cost.
        assert!(
            total > intrinsic.floor_gas,
            "{name}: the calldata floor hides the program"
        );
        let intrinsic = intrinsic.initial_regular_gas;
        rows.push((name, what, request.len(), total, total - intrinsic));
    }
    if json {
        let rows: Vec<_> = rows
            .iter()
            .map(|(name, what, bytes, total, program)| {
                serde_json::json!({
                    "function": name, "request": what, "request_bytes": bytes,
                    "tx_gas": total, "program_gas": program, "program_ink": program * ink_price,
                })
            })
            .collect();
        println!("{}", serde_json::Value::from(rows));
        return;
    }
    println!("| function | request | bytes | tx gas | program gas | program ink |");
    println!("|---|---|---|---|---|---|");
    for (name, what, bytes, total, program) in rows {
        println!(
            "| {name} | {what} | {bytes} | {total} | {program} | {} |",
            program * ink_price
        );
    }
}
