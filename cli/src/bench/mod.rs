//! `cloudless bench …`: performance reports operators use to size their machines.

mod audit;
mod devnode;
mod keeper;
mod matcher;
mod proofs;
mod provider;
mod serve;

use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;

/// `cloudless bench` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Build a synthetic order book, match every bid against it, apply a stream of updates and
    /// compare with a naive linear-scan matcher. Single-threaded.
    Matcher(matcher::MatcherArgs),
    /// Transactions per second a dev node sustains from concurrent clients: plain transfers and
    /// the marketplace's `submitProof`, with p50/p99 latency per transaction.
    Devnode(devnode::DevnodeArgs),
    /// Blocks and milliseconds from a deployment's creation to its match, and instances
    /// matched per block, for bursts of pending deployments (in-process node and keeper).
    Keeper(keeper::KeeperArgs),
    /// Invocations per second and p50/p99 latency of a provider node over HTTP for each
    /// example function, and where a request's time goes (in-process node and dev node).
    Provider(serve::ProviderArgs),
    /// How fast `audit replay` re-executes a generated history of proofs (in-process node):
    /// transactions and gas per second, and a year of the reference market extrapolated.
    Audit(audit::AuditArgs),
}

/// Runs a `bench` subcommand.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Matcher(args) => matcher::run(&args),
        Command::Devnode(args) => devnode::run(&args),
        Command::Keeper(args) => keeper::run(&args),
        Command::Provider(args) => serve::run(&args),
        Command::Audit(args) => audit::run(&args),
    }
}

/// `n` events over `time`, per second.
fn per_second(n: usize, time: Duration) -> f64 {
    n as f64 / time.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// Sorted latency samples.
struct Latencies(Vec<Duration>);

impl Latencies {
    fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self(samples)
    }

    /// The `q` quantile (0 = fastest, 1 = slowest) in microseconds; 0 without samples.
    fn micros(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let index = ((self.0.len() - 1) as f64 * q) as usize;
        self.0[index].as_secs_f64() * 1e6
    }
}
