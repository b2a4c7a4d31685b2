//! The dev node restarts mid-round (same `--state`, same port): the keeper reconnects,
//! reports itself unhealthy while the node is down, and matches what arrived meanwhile.
//! Needs `cloudless contracts build`.

mod support;

use std::time::Duration;

use cloudless_abi::market::IMarket;
use support::{
    NodeProcess,
    market::{KeeperProcess, Market, contiguous_nonces, wait_for},
};

#[test]
fn the_keeper_catches_up_after_the_node_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("chain.jsonl");
    let state_arg = state.to_str().unwrap();
    let mut node = NodeProcess::start(&["--state", state_arg]);
    let port = node.port();
    let market = Market::deploy(&node, dir.path(), &[1, 3]);
    let accounts = node.accounts.clone();
    let key = |i: usize| accounts[i].1.clone();
    market.provider(&key(1), &[(1_000_000, 8, 0)]);
    let keeper = KeeperProcess::start(&market, &key(9), &dir.path().join("k.sqlite"), &[]);
    let placed = |market: &Market, id: u64, n: u32| {
        wait_for(Duration::from_secs(20), "the match", || {
            (market
                .view(IMarket::deploymentStateCall { deploymentId: id })
                .placed
                == n)
                .then_some(())
        })
    };
    let (d1, _) = market.deployment(&key(3), 2, 2_000_000, 100_000_000);
    placed(&market, d1, 2);

    node.kill();
    wait_for(Duration::from_secs(20), "/healthz to fail", || {
        keeper.get("/healthz").0.contains("503").then_some(())
    });
    let node = NodeProcess::start_on(port, &["--state", state_arg]);
    let (d2, _) = market.deployment(&key(3), 3, 2_000_000, 100_000_000);
    placed(&market, d2, 3);
    wait_for(Duration::from_secs(20), "/healthz to recover", || {
        keeper.get("/healthz").0.contains("200").then_some(())
    });
    contiguous_nonces(&node.rpc_url, node.accounts[9].0);
}
