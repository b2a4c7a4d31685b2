//! `cloudless demo`: the embedded default run. It builds the contracts when needed, starts an
//! in-process chain, deploys the Stylus contracts next to a Solidity USDC, plays a scripted round
//! through the executor, then replays the round on a fresh chain and checks that both end in the
//! same state. (The marketplace round joins it as the marketplace contracts land.)

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use anyhow::{Context, Result, bail};
use cloudless_abi::{erc20::IStylusToken, probe::IProbe};
use harness::{
    artifact,
    evm::{Chain, chain::TxRequest},
};
use serde::Serialize;

const DEPLOYER: Address = Address::repeat_byte(0xd0);
const DEVELOPER: Address = Address::repeat_byte(0xde);
const PROVIDER: Address = Address::repeat_byte(0xb0);

/// One step of the round.
#[derive(Debug, Serialize)]
struct Step {
    step: String,
    gas: u64,
    ok: bool,
}

/// What the round produced.
#[derive(Debug, Serialize)]
struct Report {
    chain_id: u64,
    contracts: Vec<(String, Address)>,
    steps: Vec<Step>,
    state_digest: B256,
    replay_digest: B256,
    deterministic: bool,
}

struct Round {
    chain: Chain,
    steps: Vec<Step>,
}

impl Round {
    fn send(&mut self, step: &str, req: TxRequest) -> Result<()> {
        let receipt = self
            .chain
            .send(req)
            .with_context(|| format!("{step}: transaction rejected"))?;
        self.steps.push(Step {
            step: step.to_owned(),
            gas: receipt.gas_used(),
            ok: receipt.is_success(),
        });
        Ok(())
    }
}

fn stylus_code(name: &str) -> Result<Vec<u8>> {
    artifact::Artifacts::locate()
        .load(name)
        .with_context(|| format!("loading the `{name}` artifact"))
}

/// Plays the scripted round on a fresh chain.
fn play() -> Result<(Round, Vec<(String, Address)>)> {
    let mut chain = Chain::default();
    let eth = U256::from(10u64).pow(U256::from(18));
    for who in [DEPLOYER, DEVELOPER, PROVIDER] {
        chain.fund(who, U256::from(100u64) * eth);
    }
    let usdc = chain.deploy(
        DEPLOYER,
        test_fixtures::solidity("TestUSDC").creation.clone(),
    )?;
    let token = chain.deploy_stylus(DEPLOYER, &stylus_code("erc20")?)?;
    let probe = chain.deploy_stylus(DEPLOYER, &stylus_code("probe")?)?;
    let contracts = vec![
        ("TestUSDC (Solidity)".to_owned(), usdc),
        ("erc20 (Stylus)".to_owned(), token),
        ("probe (Stylus)".to_owned(), probe),
    ];
    let mut round = Round {
        chain,
        steps: Vec::new(),
    };
    let mint = |to| {
        IStylusToken::mintCall {
            to,
            amount: U256::from(50_000_000u64),
        }
        .abi_encode()
    };
    let transfer = IStylusToken::transferCall {
        to: PROVIDER,
        value: U256::from(1_250_000u64),
    }
    .abi_encode();

    round.send(
        "mint 50 USDC (Solidity)",
        TxRequest::call(DEPLOYER, usdc, mint(DEVELOPER)),
    )?;
    round.send(
        "mint 50 tokens (Stylus)",
        TxRequest::call(DEPLOYER, token, mint(DEVELOPER)),
    )?;
    round.chain.advance(12);
    round.send(
        "transfer 1.25 USDC (Solidity)",
        TxRequest::call(DEVELOPER, usdc, transfer.clone()),
    )?;
    round.send(
        "transfer 1.25 tokens (Stylus)",
        TxRequest::call(DEVELOPER, token, transfer),
    )?;
    let approve = IStylusToken::approveCall {
        spender: probe,
        value: U256::from(5_000_000u64),
    }
    .abi_encode();
    round.send(
        "approve the probe (Solidity)",
        TxRequest::call(DEVELOPER, usdc, approve),
    )?;
    let pull = IProbe::pullTokenCall {
        token: usdc,
        from: DEVELOPER,
        amount: U256::from(2_000_000u64),
    };
    round.send(
        "Stylus pulls USDC from Solidity",
        TxRequest::call(PROVIDER, probe, pull.abi_encode()),
    )?;
    round.chain.advance(12);
    let deposit = TxRequest::call(DEVELOPER, probe, IProbe::depositCall {}.abi_encode()).value(eth);
    round.send("deposit 1 ETH (payable Stylus)", deposit)?;
    let boom = IProbe::setThenRevertCall {
        value: U256::from(7),
    }
    .abi_encode();
    let caught = IProbe::tryRelayCall {
        target: probe,
        data: boom.into(),
    };
    round.send(
        "caught revert (reentrant relay)",
        TxRequest::call(PROVIDER, probe, caught.abi_encode()),
    )?;
    let over = IProbe::withdrawCall {
        amount: U256::from(2u64) * eth,
    };
    round.send(
        "over-withdraw (custom error)",
        TxRequest::call(DEVELOPER, probe, over.abi_encode()),
    )?;
    Ok((round, contracts))
}

/// Runs the demo; `json` prints the report as JSON instead of tables.
pub fn run(json: bool) -> Result<()> {
    let artifacts = artifact::Artifacts::locate();
    if artifacts.load("probe").is_err() || artifacts.load("erc20").is_err() {
        eprintln!("building the Stylus contracts (first run, a few minutes)…");
        artifact::build::build_contracts(&artifact::workspace_root(), &artifacts)
            .context("building the contracts")?;
    }
    let (round, contracts) = play()?;
    let digest = round.chain.state_digest();
    let replay = play()?.0.chain.state_digest();
    let report = Report {
        chain_id: round.chain.chain_id(),
        contracts,
        steps: round.steps,
        state_digest: digest,
        replay_digest: replay,
        deterministic: digest == replay,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if !report.deterministic {
        bail!("the replay ended in a different state: {digest} vs {replay}");
    }
    Ok(())
}

fn print_report(report: &Report) {
    println!("chain {} (in-process, deterministic)\n", report.chain_id);
    for (name, address) in &report.contracts {
        println!("  {name:<22} {address}");
    }
    println!("\n  {:<36} {:>9}  outcome", "step", "gas");
    for step in &report.steps {
        let outcome = if step.ok { "ok" } else { "reverted (expected)" };
        println!("  {:<36} {:>9}  {outcome}", step.step, step.gas);
    }
    println!("\nstate digest  {}", report.state_digest);
    println!(
        "replay digest {}  ({})",
        report.replay_digest,
        if report.deterministic {
            "identical"
        } else {
            "DIFFERENT"
        }
    );
}
