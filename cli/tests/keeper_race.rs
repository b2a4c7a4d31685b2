//! Two keepers on one chain: the scripted round ends in the same state as with one keeper
//! (keeper fees summed over both), and each wastes at most a few transactions on lost races.
//! Needs `cloudless contracts build`.

mod support;

use support::{
    NodeProcess,
    market::{KeeperProcess, Moment, contiguous_nonces, scripted_round},
};

/// Transactions the round needs: two matches, an eviction, a finalization, a new match.
const ROUND_TXS: usize = 5;

#[test]
fn two_keepers_end_the_round_like_one_without_fighting() {
    let play = |keepers: &[usize]| {
        let node = NodeProcess::start(&[]);
        let dir = tempfile::tempdir().unwrap();
        let mut running = Vec::new();
        let state = scripted_round(&node, dir.path(), &mut |market, step| {
            if step == Moment::Start {
                for &k in keepers {
                    let journal = dir.path().join(format!("k{k}.sqlite"));
                    running.push(KeeperProcess::start(
                        market,
                        &node.accounts[k].1,
                        &journal,
                        &[],
                    ));
                }
            }
        });
        let txs: Vec<_> = keepers
            .iter()
            .map(|&k| contiguous_nonces(&node.rpc_url, node.accounts[k].0))
            .collect();
        (state, txs)
    };
    let (one, _) = play(&[9]);
    let (two, txs) = play(&[8, 9]);
    assert_eq!(two, one, "two keepers end where one does");
    let mined: usize = txs.iter().map(|t| t.iter().filter(|t| t.2).count()).sum();
    assert_eq!(mined, ROUND_TXS, "each piece of work done once: {txs:?}");
    for keeper in &txs {
        let reverted = keeper.iter().filter(|t| !t.2).count();
        assert!(reverted <= ROUND_TXS, "lost races are bounded: {keeper:?}");
    }
}
