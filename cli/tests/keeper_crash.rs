//! Crash safety: the keeper aborts at named points of its work — a job journaled but not
//! broadcast, a job broadcast, a job's receipt settled in the journal — chosen from a seed
//! (`CLOUDLESS_KEEPER_CRASH_AT=<point>:<n>`, see keeper/README.md), and is restarted on the
//! same journal after each crash. The round must end in the same contract state as an
//! uninterrupted run (see `support::market::final_state` for what "same" compares), with no
//! deployment over its target and the keeper's nonces contiguous (none skipped or reused).
//! A seed always plays the same crashes at the same points; nothing depends on timing.
//! `CLOUDLESS_LONG_TESTS=1` runs 20 seeds instead of 2; `CLOUDLESS_SEED=n` replays one.
//! Needs `cloudless contracts build`.

mod support;

use std::{collections::BTreeMap, time::Duration};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::json;
use support::{
    NodeProcess, call,
    market::{KeeperProcess, Moment, contiguous_nonces, scripted_round},
    quantity,
};

const TIMEOUT: Duration = Duration::from_secs(25);

fn seeds() -> Vec<u64> {
    if let Ok(seed) = std::env::var("CLOUDLESS_SEED") {
        return vec![seed.parse().expect("CLOUDLESS_SEED is a number")];
    }
    let long = std::env::var("CLOUDLESS_LONG_TESTS").is_ok_and(|v| v == "1");
    (1..=if long { 20 } else { 2 }).collect()
}

/// A crash: the n-th pass of a point, counted from the process's start.
#[derive(Clone, Copy, Debug)]
struct Crash {
    point: &'static str,
    n: u64,
}

impl Crash {
    fn env(&self) -> String {
        format!("{}:{}", self.point, self.n)
    }
}

/// One or two crashes in the keeper's reaction to a step that sends `jobs` transactions.
/// The first is any pass of any point; the second, when drawn, is one that the restarted
/// keeper surely reaches: a job is still unsettled (unless the first crash settled the last
/// one), a journaled job is rebroadcast, a job not yet journaled will be.
fn crashes(rng: &mut StdRng, jobs: u64) -> Vec<Crash> {
    let point = ["journaled", "broadcast", "settled"][rng.gen_range(0..3)];
    let n = rng.gen_range(1..=jobs);
    let mut plan = vec![Crash { point, n }];
    let mut then = Vec::new();
    if !(point == "settled" && n == jobs) {
        then.push("settled");
    }
    if point == "journaled" || n < jobs {
        then.push("broadcast");
    }
    if n < jobs {
        then.push("journaled");
    }
    if !then.is_empty() && rng.gen_bool(0.5) {
        let point = then[rng.gen_range(0..then.len())];
        plan.push(Crash { point, n: 1 });
    }
    plan
}

fn nonce(node: &NodeProcess) -> u64 {
    let from = node.accounts[9].0.to_string();
    quantity(&call(
        &node.rpc_url,
        "eth_getTransactionCount",
        json!([from, "latest"]),
    ))
}

/// Steps of the scripted round that give the keeper work (step 3's deployment never fits).
const STEPS: [usize; 3] = [1, 2, 4];

#[test]
fn a_keeper_crashed_at_seeded_points_ends_the_round_like_an_uninterrupted_one() {
    // The uninterrupted run also counts the keeper's transactions per step.
    let mut jobs = BTreeMap::new();
    let reference = {
        let node = NodeProcess::start(&[]);
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("k.sqlite");
        let mut keeper = None;
        let mut before = 0;
        let state = scripted_round(&node, dir.path(), &mut |market, moment| match moment {
            Moment::Start => {
                keeper = Some(KeeperProcess::start(
                    market,
                    &node.accounts[9].1,
                    &journal,
                    &[],
                ))
            }
            Moment::Done(step) => {
                let now = nonce(&node);
                jobs.insert(step, now - before);
                before = now;
            }
            Moment::Acted(_) => {}
        });
        contiguous_nonces(&node.rpc_url, node.accounts[9].0);
        state
    };
    for step in STEPS {
        assert!(jobs[&step] > 0, "step {step} sent nothing: {jobs:?}");
    }
    for seed in seeds() {
        let mut rng = StdRng::seed_from_u64(seed);
        let plan: BTreeMap<usize, Vec<Crash>> = STEPS
            .iter()
            .map(|&step| (step, crashes(&mut rng, jobs[&step])))
            .collect();
        let node = NodeProcess::start(&[]);
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("k.sqlite");
        let key = node.accounts[9].1.clone();
        let mut keeper: Option<KeeperProcess> = None;
        let mut crashed = 0;
        // A keeper armed with the first crash of `step`, started before that step's action.
        let armed = |market: &_, step: usize| {
            let first = plan[&step][0].env();
            let env = [("CLOUDLESS_KEEPER_CRASH_AT", first.as_str())];
            KeeperProcess::start_with_env(market, &key, &journal, &[], &env)
        };
        let state = scripted_round(&node, dir.path(), &mut |market, moment| match moment {
            Moment::Start => keeper = Some(armed(market, 1)),
            Moment::Acted(step) if plan.contains_key(&step) => {
                let crashes = &plan[&step];
                for (i, crash) in crashes.iter().enumerate() {
                    let what = format!("{} (seed {seed}, step {step})", crash.env());
                    keeper.as_mut().unwrap().wait_abort(TIMEOUT, &what);
                    crashed += 1;
                    keeper = Some(match crashes.get(i + 1) {
                        Some(next) => {
                            let env = next.env();
                            let env = [("CLOUDLESS_KEEPER_CRASH_AT", env.as_str())];
                            KeeperProcess::start_with_env(market, &key, &journal, &[], &env)
                        }
                        None => KeeperProcess::start(market, &key, &journal, &[]),
                    });
                }
            }
            Moment::Done(step) => {
                // Settle this step's jobs, then arm a fresh keeper for the next working step
                // (the one started after step 2 lives through step 3 into step 4).
                if let Some(&next) = STEPS.iter().find(|&&s| s > step) {
                    keeper.as_mut().unwrap().stop_when_idle(TIMEOUT);
                    keeper = Some(armed(market, next));
                }
            }
            Moment::Acted(_) => {}
        });
        assert!(crashed >= STEPS.len(), "seed {seed}: {crashed} crashes");
        assert_eq!(
            state, reference,
            "seed {seed}: the run crashed at {plan:?} ended elsewhere"
        );
        contiguous_nonces(&node.rpc_url, node.accounts[9].0);
    }
}
