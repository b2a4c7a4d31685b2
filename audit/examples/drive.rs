//! An independent driver of the marketplace in about a hundred lines, on the real programs in
//! the harness: a provider, a developer and a keeper go through a placement's life, a
//! mistake is refused by name and changes nothing, a wrong answer is convicted, and the
//! books are checked at every step. Run with `cargo run -p cloudless-audit --example drive`
//! (after `cloudless contracts build`); it fails loudly if any claim does not hold.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::{
    court::ICourt,
    market::{IMarket, IRegistry, MatchPair},
};
use cloudless_audit::{
    driver::{Driver, Ending},
    ledger::Outcome,
};
use cloudless_client::receipts::Epoch;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let mut d = Driver::deploy(Default::default())?;
    let m = d.m;
    let (provider, developer, keeper) = (who(0x11), who(0xd1), who(0x4e));
    for account in [provider, developer, keeper] {
        d.fund(account, 10_000);
    }

    // The provider registers its node, stakes the minimum and offers two instances at 1.00.
    let register = IRegistry::registerProviderCall {
        metadataURI: "https://node.example".into(),
    };
    d.send(provider, m.registry, register)?;
    let stake = d.setup.registry.minStake;
    d.send_paying(
        provider,
        m.registry,
        stake,
        IRegistry::stakeCall { amount: stake },
    )?;
    let offer = IRegistry::createOfferCall {
        cpuMilli: 2_000,
        memMiB: 4_096,
        region: 0,
        tier: 0,
        token: m.token,
        pricePerInstanceEpoch: 1_000_000,
        capacity: 2,
    };
    let receipt = d.send(provider, m.registry, offer)?;
    let offer_id = IRegistry::createOfferCall::abi_decode_returns(&receipt.output())?;

    // A deposit below the minimum is refused by name, and the books still hold.
    let spec = m.request(2, 1_000_000);
    let too_little = IMarket::createDeploymentCall {
        spec: spec.clone(),
        deposit: U256::from(1),
    };
    let refused = d
        .send_paying(developer, m.market, U256::from(1), too_little)
        .unwrap_err();
    println!("refused: {refused}");
    assert_eq!(refused.name(), "InsufficientDeposit");
    d.check_conservation()?;

    // The developer deposits 20.00; the keeper matches both instances.
    let deposit = U256::from(20_000_000);
    let create = IMarket::createDeploymentCall { spec, deposit };
    let receipt = d.send_paying(developer, m.market, deposit, create)?;
    let deployment = IMarket::createDeploymentCall::abi_decode_returns(&receipt.output())?;
    let pair = MatchPair {
        offerId: offer_id,
        instances: 2,
        price: 1_000_000,
    };
    let matched = IMarket::matchDeploymentCall {
        deploymentId: deployment,
        pairs: vec![pair],
    };
    d.send(keeper, m.market, matched)?;
    assert!(d.reached_minimum(deployment)?);
    let placement = 1;
    let start = d
        .view(
            m.market,
            IMarket::placementCall {
                placementId: placement,
            },
        )?
        .startEpoch;

    // The provider answers a request wrongly, signs its receipt, proves the epoch.
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42))?;
    d.send(
        provider,
        m.registry,
        IRegistry::addWorkerCall {
            worker: key.address(),
        },
    )?;
    let mut served = Epoch::new(d.chain.chain_id(), m.market, placement, start);
    let request = b"name=Ada\n---\nHi {{name}}!".to_vec();
    let lie = served
        .record(&key, request.clone().into(), b"Hi Bob!".to_vec().into())
        .clone();
    d.goto_epoch(start + 1);
    let proof = IMarket::submitProofCall {
        placementId: placement,
        epoch: start,
        receiptsRoot: served.root(),
        count: served.count(),
    };
    d.send(key.address(), m.market, proof)?;
    d.check_conservation()?;

    // Anyone holding the receipt convicts it: the court re-runs the function.
    let dispute = ICourt::disputeResultCall {
        receipt: lie.receipt,
        signature: lie.signature,
        request: request.into(),
    };
    d.send(developer, m.market, dispute)?;
    let ended = d.view(
        m.market,
        IMarket::placementCall {
            placementId: placement,
        },
    )?;
    assert!(!ended.live, "a convicted placement ends");
    let fraud = d
        .ledger()
        .disputes
        .last()
        .expect("the ledger saw the dispute");
    assert_eq!(fraud.outcome, Outcome::Fraud);
    println!(
        "the ledger: {} slashed from the provider, {} of its held pay back to the deployment",
        fraud.slashed, fraud.refunded
    );
    println!(
        "placement {placement} ends after epoch {}",
        d.effective_end(placement)?
    );
    d.check_conservation()?;

    // The developer cancels what is left; the driver saw how it ended.
    d.send(
        developer,
        m.market,
        IMarket::cancelCall {
            deploymentId: deployment,
        },
    )?;
    assert!(matches!(d.ending(deployment), Some(Ending::Cancelled(_))));
    d.check_conservation()?;
    println!("every claim held; {} accounts checked", d.accounts().len());
    Ok(())
}

fn who(byte: u8) -> Address {
    Address::repeat_byte(byte)
}
