//! `cloudless keeper run` against a dev node process, with providers and a developer acting
//! through the `cloudless` binary: a new deployment is matched onto the cheapest eligible offer;
//! a provider that stops proving is evicted and its instances are matched again onto the next
//! offer; a provider's immediate exit leaves the keeper matching. How fast a match lands is
//! measured by `cloudless bench keeper`, not asserted here. Needs `cloudless contracts build`.

mod support;

use std::time::Duration;

use support::{
    NodeProcess,
    market::{KeeperProcess, Market, head, txs_from, wait_for},
};

const TIMEOUT: Duration = Duration::from_secs(20);

#[test]
fn the_keeper_matches_cheapest_first_and_replaces_an_evicted_provider() {
    let node = NodeProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let market = Market::deploy(&node, dir.path(), &[1, 2, 3]);
    let key = |i: usize| node.accounts[i].1.clone();
    let dear = market.provider(&key(1), &[(2_000_000, 4, 0)])[0];
    let cheap = market.provider(&key(2), &[(1_000_000, 2, 0), (500_000, 4, 5)]);
    let (cheap, elsewhere) = (cheap[0], cheap[1]);
    let mut keeper = KeeperProcess::start(&market, &key(9), &dir.path().join("k.sqlite"), &[]);
    let keeper_address = node.accounts[9].0;

    // A deployment in region 0: the region-5 offer is cheaper but not eligible.
    let (id, created) = market.deployment(&key(3), 2, 3_000_000, 100_000_000);
    wait_for(TIMEOUT, "the match", || {
        (market.status(id)["placed"] == 2).then_some(())
    });
    let sent = txs_from(
        &market.rpc_url,
        keeper_address,
        created + 1,
        head(&market.rpc_url),
    );
    assert!(!sent.is_empty(), "the keeper sent the match: {sent:?}");
    let in_use = |offer: u64| {
        market.offers()[offer as usize - 1]["in_use"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((in_use(cheap), in_use(dear), in_use(elsewhere)), (2, 0, 0));

    // The cheap provider never proves: after maxMissedEpochs it is evicted, its offer paused,
    // and the keeper places both instances on the dearer offer.
    let max_missed = market.ok(None, &["market", "params"])["max_missed_epochs"]
        .as_u64()
        .unwrap();
    market.advance(max_missed + 2);
    wait_for(TIMEOUT, "eviction and re-match", || {
        (in_use(dear) == 2 && market.status(id)["placed"] == 2).then_some(())
    });
    assert_eq!(in_use(cheap), 0);
    assert_eq!(market.offers()[cheap as usize - 1]["status"], "Paused");

    // The counters follow once the keeper has settled the receipts (its next cycle).
    wait_for(TIMEOUT, "the keeper's counters", || {
        let counted = keeper.metric("keeper_evictions_total") >= 1.0
            && keeper.metric("keeper_matches_total") >= 2.0;
        counted.then_some(())
    });
    assert_eq!(keeper.metric("keeper_parked_jobs"), 0.0);
    assert!(
        keeper.get("/healthz").0.contains("200"),
        "{:?}",
        keeper.get("/healthz")
    );
    let txs = txs_from(
        &market.rpc_url,
        keeper_address,
        created,
        head(&market.rpc_url),
    );
    assert!(
        txs.iter().all(|t| t.2),
        "no keeper transaction reverted: {txs:?}"
    );
    keeper.stop();
}

/// The stall an immediate exit once caused: its slash paused "offer 0", a log no keeper could
/// apply, and every keeper rebuilt from the deploy block forever.
#[test]
fn an_immediate_exit_leaves_the_keeper_matching_and_following_the_head() {
    let node = NodeProcess::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let market = Market::deploy(&node, dir.path(), &[1, 2, 3]);
    let key = |i: usize| node.accounts[i].1.clone();
    let offer = market.provider(&key(1), &[(1_000_000, 4, 0)])[0];
    let other = market.provider(&key(2), &[(2_000_000, 4, 0)])[0];
    let mut keeper = KeeperProcess::start(&market, &key(9), &dir.path().join("k.sqlite"), &[]);
    let (first, _) = market.deployment(&key(3), 2, 3_000_000, 100_000_000);
    wait_for(TIMEOUT, "the first match", || {
        (market.status(first)["placed"] == 2).then_some(())
    });

    let exited = market.ok(Some(&key(1)), &["provider", "exit", "1", "--now"]);
    assert!(!exited.is_null(), "the exit went through");
    assert_eq!(
        market.offers()[offer as usize - 1]["status"],
        "Open",
        "an exit pauses no offer"
    );
    // The exit's penalty took the provider below the minimum stake: the instances move to
    // the other provider.
    let in_use = |offer: u64| {
        market.offers()[offer as usize - 1]["in_use"]
            .as_u64()
            .unwrap()
    };
    wait_for(TIMEOUT, "the re-match of the freed instances", || {
        (in_use(other) == 2 && market.status(first)["placed"] == 2).then_some(())
    });
    let (second, _) = market.deployment(&key(3), 1, 3_000_000, 100_000_000);
    wait_for(TIMEOUT, "a new deployment's match", || {
        (market.status(second)["placed"] == 1).then_some(())
    });

    market.advance(1);
    let chain_head = head(&market.rpc_url);
    wait_for(TIMEOUT, "the keeper at the head", || {
        (keeper.metric("keeper_head_block") >= chain_head as f64).then_some(())
    });
    assert_eq!(keeper.metric("keeper_contradictions_total"), 0.0);
    assert_eq!(
        keeper.metric("keeper_rebuilds_total"),
        1.0,
        "only the start-up build"
    );
    let (status, body) = keeper.get("/healthz");
    assert!(
        status.contains("200") && body.starts_with("ok\n"),
        "{status} {body}"
    );
    keeper.stop();
}
