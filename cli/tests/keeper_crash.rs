//! Crash safety: the keeper is SIGKILLed at seeded-random points of a scripted round and
//! restarted on the same journal. The round must end in the same contract state as an
//! uninterrupted run (see `support::market::final_state` for what "same" compares), with no
//! deployment over its target and the keeper's nonces contiguous (none skipped or reused).
//! `CLOUDLESS_LONG_TESTS=1` runs 20 seeds instead of 2; `CLOUDLESS_SEED=n` replays one.
//! Needs `cloudless contracts build`.

mod support;

use std::{thread, time::Duration};

use rand::{Rng, SeedableRng, rngs::StdRng};
use support::{
    NodeProcess,
    market::{KeeperProcess, contiguous_nonces, scripted_round},
};

fn seeds() -> Vec<u64> {
    if let Ok(seed) = std::env::var("CLOUDLESS_SEED") {
        return vec![seed.parse().expect("CLOUDLESS_SEED is a number")];
    }
    let long = std::env::var("CLOUDLESS_LONG_TESTS").is_ok_and(|v| v == "1");
    (1..=if long { 20 } else { 2 }).collect()
}

#[test]
fn a_keeper_killed_at_random_points_ends_the_round_like_an_uninterrupted_one() {
    let reference = {
        let node = NodeProcess::start(&[]);
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("k.sqlite");
        let mut keeper = None;
        let state = scripted_round(&node, dir.path(), &mut |market, step| {
            if step == 0 {
                keeper = Some(KeeperProcess::start(
                    market,
                    &node.accounts[9].1,
                    &journal,
                    &[],
                ));
            }
        });
        contiguous_nonces(&node.rpc_url, node.accounts[9].0);
        state
    };
    for seed in seeds() {
        let mut rng = StdRng::seed_from_u64(seed);
        let node = NodeProcess::start(&[]);
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("k.sqlite");
        let mut keeper: Option<KeeperProcess> = None;
        let mut kills = 0;
        let state = scripted_round(&node, dir.path(), &mut |market, step| {
            let key = &node.accounts[9].1;
            if step > 0 {
                // Kill somewhere in the keeper's reaction to this step (ingest, plan, journal,
                // broadcast, receipt), then restart it on the same journal.
                for _ in 0..rng.gen_range(1..=2) {
                    thread::sleep(Duration::from_millis(rng.gen_range(0..150)));
                    keeper.as_mut().unwrap().kill();
                    kills += 1;
                    keeper = Some(KeeperProcess::start(market, key, &journal, &[]));
                }
            } else {
                keeper = Some(KeeperProcess::start(market, key, &journal, &[]));
            }
        });
        assert!(kills >= 4, "seed {seed}");
        assert_eq!(
            state, reference,
            "seed {seed}: the crashed run ended elsewhere"
        );
        contiguous_nonces(&node.rpc_url, node.accounts[9].0);
    }
}
