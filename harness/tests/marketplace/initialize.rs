//! Only the account that created a program may initialize it: a stranger cannot front-run
//! `initialize` on a freshly deployed core to name their own extension or owner.

use alloy_primitives::Address;
use cloudless_abi::market::{IGoverned, IMarket, IRegistry};
use harness::artifact::Artifacts;

use super::fixture::{Fixture, OWNER, STRANGER};

/// A fresh, uninitialized core program and its extension, created by `OWNER`.
fn fresh(f: &mut Fixture, core: &str, extension: &str) -> (Address, Address) {
    let artifacts = Artifacts::locate();
    let mut deploy = |name: &str| {
        let code = artifacts.load(name).expect("built artifacts");
        f.chain.deploy_stylus(OWNER, &code).expect("deploys")
    };
    let extension = deploy(extension);
    (deploy(core), extension)
}

fn init_registry(f: &Fixture, owner: Address, extension: Address) -> IRegistry::initializeCall {
    IRegistry::initializeCall {
        owner,
        token: f.m.token,
        genesisTime: f.setup.genesis_time,
        epochLength: f.setup.epoch_length,
        params: f.setup.registry.clone(),
        extension,
    }
}

fn init_market(f: &Fixture, owner: Address, extension: Address) -> IMarket::initializeCall {
    IMarket::initializeCall {
        owner,
        registry: f.m.registry,
        params: f.setup.market.clone(),
        extension,
        court: Address::ZERO,
    }
}

#[test]
fn a_strangers_initialize_of_a_fresh_registry_reverts_not_deployer_and_changes_nothing() {
    let mut f = Fixture::new();
    let (registry, extension) = fresh(&mut f, "registry", "registry-ext");
    // The stranger names their own "extension": any program they control.
    let call = init_registry(&f, STRANGER, STRANGER);
    let error = f.expect_error::<_, IGoverned::NotDeployer>(STRANGER, registry, call);
    assert_eq!((error.caller, error.deployer), (STRANGER, OWNER));
    // Even naming the genuine extension does not let a stranger in.
    let call = init_registry(&f, STRANGER, extension);
    f.expect_error::<_, IGoverned::NotDeployer>(STRANGER, registry, call);
}

#[test]
fn a_strangers_initialize_of_a_fresh_market_reverts_not_deployer_and_changes_nothing() {
    let mut f = Fixture::new();
    let (market, _) = fresh(&mut f, "market", "market-ext");
    let call = init_market(&f, STRANGER, STRANGER);
    let error = f.expect_error::<_, IGoverned::NotDeployer>(STRANGER, market, call);
    assert_eq!((error.caller, error.deployer), (STRANGER, OWNER));
}

#[test]
fn the_deployers_initialize_of_a_fresh_core_succeeds_and_binds_its_extension() {
    let mut f = Fixture::new();
    let (registry, registry_ext) = fresh(&mut f, "registry", "registry-ext");
    let (market, market_ext) = fresh(&mut f, "market", "market-ext");
    f.send(OWNER, registry, init_registry(&f, OWNER, registry_ext));
    f.send(OWNER, market, init_market(&f, OWNER, market_ext));
    for (core, extension) in [(registry, registry_ext), (market, market_ext)] {
        assert_eq!(f.view(core, IGoverned::ownerCall {}), OWNER);
        assert_eq!(f.view(core, IGoverned::extensionCall {}), extension);
    }
    // Once initialized, a second attempt is `AlreadyInitialized`, even from the deployer.
    let call = init_market(&f, STRANGER, STRANGER);
    f.expect_error::<_, IGoverned::AlreadyInitialized>(OWNER, market, call);
}

#[test]
fn a_program_created_by_init_code_without_a_deployer_record_cannot_be_initialized() {
    let mut f = Fixture::new();
    let code = Artifacts::locate()
        .load("registry")
        .expect("built artifacts");
    // The bare init code (CODECOPY + RETURN) that records no deployer.
    let len = u16::try_from(code.len()).unwrap().to_be_bytes();
    let mut init = vec![
        0x61, len[0], len[1], 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3,
    ];
    init.extend_from_slice(&code);
    let registry = f.chain.deploy(OWNER, init).expect("deploys");
    // (Its code hash is active already: the fixture's registry has the same code.)
    let call = init_registry(&f, OWNER, OWNER);
    let error = f.expect_error::<_, IGoverned::NotDeployer>(OWNER, registry, call);
    assert_eq!(error.deployer, Address::ZERO);
}
