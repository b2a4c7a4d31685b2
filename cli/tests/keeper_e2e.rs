//! `cloudless keeper run` against a dev node process, with providers and a developer acting
//! through the `cloudless` binary: a new deployment is matched within two blocks onto the
//! cheapest eligible offer; a provider that stops proving is evicted and its instances are
//! matched again onto the next offer. Needs `cloudless contracts build`.

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
    assert!(
        !sent.is_empty() && sent[0].0 <= created + 2,
        "matched within two blocks: {sent:?}"
    );
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
