//! A Solidity contract compiled against the generated `ICloudless.sol` drives the Stylus market:
//! the exported interface is right if these calls land as the `sol!` source says.

use alloy_primitives::U256;
use alloy_sol_types::SolConstructor;
use cloudless_abi::market::{DeploymentStatus, IMarket};
use test_fixtures::abi::{DaoTreasury, TestUSDC};

use super::fixture::{DEV, Fixture, OWNER, OfferArgs, P1, STRANGER, UNIT, event, tokens};

#[test]
fn a_solidity_dao_treasury_runs_a_deployment_on_the_stylus_market() {
    let mut f = Fixture::new();
    let (token, market) = (f.m.token, f.m.market);
    let mut init = test_fixtures::solidity("DaoTreasury").creation.to_vec();
    init.extend(
        DaoTreasury::constructorCall {
            token_: token,
            market_: market,
        }
        .abi_encode(),
    );
    let dao = f.chain.deploy(DEV, init).expect("the treasury deploys");
    f.accounts.push(dao);
    f.send(
        OWNER,
        token,
        TestUSDC::mintCall {
            to: dao,
            value: tokens(100),
        },
    );
    f.provider(P1, 2_000);
    let offer = f.offer(P1, OfferArgs::priced(UNIT, 4));

    let s = f.spec(2, UNIT);
    let spec = DaoTreasury::DeploymentSpec {
        program: s.program,
        artifact: s.artifact,
        instances: s.instances,
        minInstances: s.minInstances,
        cpuMilli: s.cpuMilli,
        memMiB: s.memMiB,
        regionMask: s.regionMask,
        minTier: s.minTier,
        token: s.token,
        maxPricePerInstanceEpoch: s.maxPricePerInstanceEpoch,
        maxPerProvider: s.maxPerProvider,
        durationEpochs: s.durationEpochs,
    };
    let receipt = f.send(
        DEV,
        dao,
        DaoTreasury::openCall {
            spec,
            deposit: tokens(10),
        },
    );
    let created = event::<IMarket::DeploymentCreated>(&receipt);
    assert_eq!(
        (created.owner, created.balance, created.spec),
        (dao, tokens(10), s)
    );
    let id = created.deploymentId;
    assert_eq!(
        event::<DaoTreasury::DeploymentOpened>(&receipt).deploymentId,
        id
    );
    f.match_on(id, offer, 2);

    f.send(
        DEV,
        dao,
        DaoTreasury::fundCall {
            deploymentId: id,
            amount: tokens(20),
        },
    );
    let state = f.view(market, IMarket::deploymentStateCall { deploymentId: id });
    assert_eq!((state.owner, state.status), (dao, DeploymentStatus::Active));
    let reserve = f.view(market, IMarket::reserveCall { deploymentId: id });
    let free = state.balance - reserve;
    f.send(
        DEV,
        dao,
        DaoTreasury::reclaimCall {
            deploymentId: id,
            amount: free,
        },
    );
    assert_eq!(f.token_balance(dao), tokens(70) + free);
    let receipt = f.send(DEV, dao, DaoTreasury::cancelCall { deploymentId: id });
    assert_eq!(
        event::<IMarket::DeploymentCancelled>(&receipt).deploymentId,
        id
    );
    // The market's custom errors come back through the Solidity caller unchanged.
    let e: IMarket::InsufficientReserve = f.expect_error(
        DEV,
        dao,
        DaoTreasury::reclaimCall {
            deploymentId: id,
            amount: U256::from(1) + reserve,
        },
    );
    assert_eq!(e.deploymentId, id);
    let e: DaoTreasury::NotOwner =
        f.expect_error(STRANGER, dao, DaoTreasury::cancelCall { deploymentId: id });
    assert_eq!(e.caller, STRANGER);
    f.assert_conserved();
}
