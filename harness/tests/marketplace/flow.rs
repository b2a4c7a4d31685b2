//! A whole round through both contracts, with the events each step emits.

use alloy_primitives::U256;
use cloudless_abi::market::{DeploymentStatus, IMarket, IRegistry};

use super::fixture::{DEV, Fixture, OfferArgs, P1, UNIT, WORKER, event, served, tokens};

#[test]
fn a_deployment_is_matched_proven_paid_and_withdrawn() {
    let mut f = Fixture::new();
    let (registry, market) = (f.m.registry, f.m.market);
    f.provider(P1, 2_000);
    f.send(P1, registry, IRegistry::addWorkerCall { worker: WORKER });
    let offer = f.offer(P1, OfferArgs::priced(UNIT, 4));
    let spec = f.spec(3, 2 * UNIT);
    let deployment = f.deployment(DEV, spec, tokens(100));
    f.assert_conserved();

    let receipt = f.match_on(deployment, offer, 3);
    let matched = event::<IMarket::DeploymentMatched>(&receipt);
    assert_eq!(matched.placed, 3);
    assert_eq!(matched.keeperFee, U256::from(3 * UNIT / 100));
    assert_eq!(matched.rate, U256::from(3 * UNIT));
    let placed = event::<IMarket::PlacementCreated>(&receipt);
    assert_eq!(
        (placed.provider, placed.instances, placed.price),
        (P1, 3, UNIT)
    );
    let usage = event::<IRegistry::OfferUsage>(&receipt);
    assert_eq!(usage.inUse, 3);
    f.assert_conserved();

    let start = placed.startEpoch;
    f.goto_epoch(start + 1);
    let (root, count) = served(&f, placed.placementId, start, 7);
    let receipt = f.send(
        WORKER,
        market,
        IMarket::submitProofCall {
            placementId: placed.placementId,
            epoch: start,
            receiptsRoot: root,
            count,
        },
    );
    let proven = event::<IMarket::EpochProven>(&receipt);
    let amount = U256::from(3 * UNIT);
    let fee = amount * U256::from(500) / U256::from(10_000);
    assert_eq!(
        (proven.paid, proven.fee, proven.misses),
        (amount - fee, fee, 0)
    );
    f.assert_conserved();

    // The pay is held until the dispute windows close.
    assert_eq!(
        f.view(market, IMarket::pendingCall { account: P1 }),
        amount - fee
    );
    f.expect_error::<_, IMarket::NothingToClaim>(P1, market, IMarket::claimCall {});
    let state = f.view(
        market,
        IMarket::deploymentStateCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(state.status, DeploymentStatus::Active);
    let reserve = f.view(
        market,
        IMarket::reserveCall {
            deploymentId: deployment,
        },
    );
    assert_eq!(reserve, amount * U256::from(3));
    let free = state.balance - reserve;
    let before = f.token_balance(DEV);
    f.send(
        DEV,
        market,
        IMarket::withdrawCall {
            deploymentId: deployment,
            amount: free,
        },
    );
    assert_eq!(f.token_balance(DEV) - before, free);
    f.assert_conserved();

    f.mature();
    assert_eq!(
        f.view(market, IMarket::pendingCall { account: P1 }),
        U256::ZERO
    );
    let before = f.token_balance(P1);
    f.send(P1, market, IMarket::claimCall {});
    assert_eq!(f.token_balance(P1) - before, amount - fee);
    f.assert_conserved();
}

#[test]
fn registration_events_carry_the_metadata_and_the_view_returns_it() {
    let mut f = Fixture::new();
    let registry = f.m.registry;
    let uri = "ipfs://bafy-a-provider-with-a-rather-long-metadata-uri/v1.json".to_string();
    let receipt = f.send(
        P1,
        registry,
        IRegistry::registerProviderCall {
            metadataURI: uri.clone(),
        },
    );
    let registered = event::<IRegistry::ProviderRegistered>(&receipt);
    assert_eq!(
        (registered.provider, registered.metadataURI.as_str()),
        (P1, uri.as_str())
    );
    assert_eq!(
        f.view(registry, IRegistry::providerMetadataCall { provider: P1 }),
        uri
    );
    let receipt = f.send(
        P1,
        registry,
        IRegistry::updateProviderCall {
            metadataURI: String::new(),
        },
    );
    assert_eq!(
        event::<IRegistry::ProviderUpdated>(&receipt).metadataURI,
        ""
    );
}

/// Where `provider`'s metadata string is stored: the registry's `providers` map is its ninth
/// word (after governance's three and five of parameters), and the string is the fourth word
/// of a provider's record.
fn metadata_slot(provider: alloy_primitives::Address) -> U256 {
    use alloy_sol_types::SolValue;
    let key = (provider, U256::from(8)).abi_encode();
    U256::from_be_bytes(alloy_primitives::keccak256(key).0) + U256::from(3)
}

#[test]
fn metadata_is_stored_in_soliditys_string_layout_and_a_shorter_one_clears_the_rest() {
    let mut f = Fixture::new();
    let registry = f.m.registry;
    let slot = metadata_slot(P1);
    let data = U256::from_be_bytes(alloy_primitives::keccak256(slot.to_be_bytes::<32>()).0);
    let word = |f: &Fixture, i: u64| f.chain.storage(registry, data + U256::from(i));
    // Left-aligned, zero-padded 32-byte words of `text`.
    let words = |text: &str| -> Vec<U256> {
        text.as_bytes()
            .chunks(32)
            .map(|chunk| {
                let mut word = [0u8; 32];
                word[..chunk.len()].copy_from_slice(chunk);
                U256::from_be_bytes(word)
            })
            .collect()
    };
    let long = "https://provider.example/cloudless/metadata/with/a/path/long/enough/for/four/words/of/storage.json";
    assert_eq!(long.len().div_ceil(32), 4);
    for (step, text) in [long, &long[..40], "short", long, ""]
        .into_iter()
        .enumerate()
    {
        let metadata_uri = text.to_owned();
        if step == 0 {
            f.send(
                P1,
                registry,
                IRegistry::registerProviderCall {
                    metadataURI: metadata_uri,
                },
            );
        } else {
            f.send(
                P1,
                registry,
                IRegistry::updateProviderCall {
                    metadataURI: metadata_uri,
                },
            );
        }
        assert_eq!(
            f.view(registry, IRegistry::providerMetadataCall { provider: P1 }),
            text
        );
        let head = f.chain.storage(registry, slot);
        let used = if text.len() < 32 {
            let mut expected = words(text).first().copied().unwrap_or_default();
            expected |= U256::from(text.len() * 2);
            assert_eq!(head, expected, "short string {text:?}");
            0
        } else {
            assert_eq!(head, U256::from(text.len() * 2 + 1), "long string length");
            for (i, expected) in words(text).into_iter().enumerate() {
                assert_eq!(word(&f, i as u64), expected, "word {i} of {text:?}");
            }
            text.len().div_ceil(32)
        };
        for i in used..4 {
            assert_eq!(
                word(&f, i as u64),
                U256::ZERO,
                "word {i} left after {text:?}"
            );
        }
    }
}
