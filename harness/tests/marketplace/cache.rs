//! The programs in ArbOS's program cache (`Marketplace::cache`, what a winning `CacheManager`
//! bid does): every one is cached, calls answer the same, and each program a call enters costs
//! less to enter.

use alloy_primitives::{Address, B256, keccak256};
use alloy_sol_types::SolCall;
use cloudless_abi::{
    arbwasm_cache::{ARB_WASM_CACHE, IArbWasmCache},
    market::{IMarket, IRegistry},
};
use harness::evm::chain::TxRequest;

use super::fixture::{Fixture, OWNER, P1};

/// Gas and output of a view `call` to `to`.
fn run<C: SolCall>(f: &mut Fixture, to: Address, call: C) -> (u64, Vec<u8>) {
    let result = f
        .chain
        .simulate(TxRequest::call(P1, to, call.abi_encode()))
        .expect("a valid transaction");
    assert!(result.is_success(), "{}: {:?}", C::SIGNATURE, result.result);
    let gas = result.gas_used();
    (gas, result.into_result().expect("succeeded").to_vec())
}

#[test]
fn cached_programs_answer_the_same_for_less_gas_per_program_entered() {
    let mut f = Fixture::new();
    let (market, registry) = (f.m.market, f.m.registry);
    // `currentEpoch` runs in the market's core; `deploymentCount` in its extension (two
    // programs); `offerCount` in the registry's core.
    let before = [
        run(&mut f, market, IMarket::currentEpochCall {}),
        run(&mut f, market, IMarket::deploymentCountCall {}),
        run(&mut f, registry, IRegistry::offerCountCall {}),
    ];
    f.m.cache(&mut f.chain, OWNER).expect("cached");
    for program in f.m.programs(&mut f.chain).expect("the programs") {
        let codehash: B256 = keccak256(f.chain.code(program));
        let cached = IArbWasmCache::codehashIsCachedCall { codehash };
        assert!(f.view(ARB_WASM_CACHE, cached), "{program} is not cached");
    }
    let after = [
        run(&mut f, market, IMarket::currentEpochCall {}),
        run(&mut f, market, IMarket::deploymentCountCall {}),
        run(&mut f, registry, IRegistry::offerCountCall {}),
    ];
    let saved: Vec<u64> = before
        .iter()
        .zip(&after)
        .map(|((gas, out), (cached_gas, cached_out))| {
            assert_eq!(out, cached_out, "a cached program answered differently");
            assert!(cached_gas < gas, "{cached_gas} cached, {gas} not");
            gas - cached_gas
        })
        .collect();
    assert!(
        saved[1] > saved[0],
        "entering two cached programs saved {} gas, one saved {}",
        saved[1],
        saved[0]
    );
}
