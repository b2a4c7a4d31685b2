//! A whole marketplace round through the `cloudless` binary against a real dev node process:
//! contracts deploy (twice), token mints, a provider's registration, stake and offer, a
//! developer's deployment of the notify function, a match, epochs advanced and proven, pay held
//! until its dispute windows close and then claimed, a withdrawal and a cancel, plus refused inputs that must change nothing; and an eviction of a provider that
//! never proves. Needs `cloudless contracts build`.

mod support;

use serde_json::{Value, json};
use support::{
    NodeProcess,
    market::{Market, amount, cloudless},
};

#[test]
fn a_whole_round_through_the_cli() {
    let node = NodeProcess::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let account = |index: usize| {
        let (address, key) = &node.accounts[index];
        (address.to_string(), key.clone())
    };
    let (keeper, owner_key) = account(0);
    let (provider, provider_key) = account(1);
    let (developer, developer_key) = account(2);

    // Deploy, then deploy again: the second run changes nothing.
    let out_dir = out.path().to_str().unwrap();
    let deploy = [
        "contracts",
        "deploy",
        "--rpc-url",
        &node.rpc_url,
        "--private-key",
        &owner_key,
        "--out",
        out_dir,
        "--json",
    ];
    let (success, first, stderr) = cloudless(&deploy);
    assert!(success, "deploy failed: {first}\n{stderr}");
    assert_eq!(first["status"], "deployed");
    assert_eq!(first["chain"], "nitro-dev");
    assert!(first["test_token"].as_bool().unwrap());
    let manifest = first["manifest"].as_str().unwrap().to_owned();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(
        saved["contracts"]["market"]["address"],
        first["market"].as_str().unwrap().to_lowercase()
    );
    let (success, second, _) = cloudless(&deploy);
    assert!(success);
    assert_eq!(second["status"], "already deployed");
    assert_eq!(second["transactions"], json!([]));
    assert_eq!(second["market"], first["market"]);

    let round = Market::open(&node, &first);
    let owner = Some(owner_key.as_str());
    let prov = Some(provider_key.as_str());
    let dev = Some(developer_key.as_str());

    // Tokens: 10,000 to the provider, 1,000 to the developer (6 decimals).
    round.ok(owner, &["token", "mint", &provider, "10000000000"]);
    round.ok(owner, &["token", "mint", &developer, "1000000000"]);
    assert_eq!(round.balance(&provider), 10_000_000_000);

    // The provider registers, stakes the minimum and offers 4 instances at 1 token an epoch.
    let params = round.ok(None, &["market", "params"]);
    let min_stake = params["min_stake"].as_str().unwrap().to_owned();
    round.ok(
        prov,
        &[
            "provider",
            "register",
            "--metadata",
            "https://provider.example",
        ],
    );
    let staked = round.ok(prov, &["provider", "stake", &min_stake]);
    assert_eq!(
        staked["transactions"].as_array().unwrap().len(),
        2,
        "approve, then stake"
    );
    assert_eq!(staked["stake"], min_stake.as_str());
    let offer = round.ok(
        prov,
        &[
            "provider",
            "offer",
            "create",
            "--price",
            "1000000",
            "--capacity",
            "4",
        ],
    );
    assert_eq!(offer["offer_id"], 1);

    // Refused: a deposit below the minimum (2 × 2 tokens × 2 prepaid epochs); nothing changes.
    let spec = [
        "deploy",
        "create",
        "--instances",
        "2",
        "--any-region",
        "--max-price",
        "2000000",
        "--function",
        &round.function,
    ];
    let developer_before = round.balance(&developer);
    let (error, stderr) = round.refused(dev, &[&spec[..], &["--deposit", "10"]].concat());
    assert_eq!(error["error"], "InsufficientDeposit");
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("--deposit 8000000"),
        "{error}"
    );
    assert!(stderr.contains("InsufficientDeposit"), "{stderr}");
    assert_eq!(round.balance(&developer), developer_before);
    let tokens = round.ok(None, &["token", "balance", &developer]);
    assert_eq!(tokens["allowance_market"], "0", "no approval was sent");
    assert_eq!(
        round.ok(None, &["market", "deployments"])["deployments"],
        json!([])
    );

    // The developer deploys with 20 tokens.
    let deposit = 20_000_000u128;
    let created = round.ok(dev, &[&spec[..], &["--deposit", "20000000"]].concat());
    assert_eq!(created["deployment_id"], 1);

    // Refused: someone else updating the provider's offer; the offer stays as it was.
    let (error, stderr) = round.refused(dev, &["provider", "offer", "update", "1", "--price", "5"]);
    assert_eq!(error["error"], "NotOfferProvider");
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("belongs to another provider")
    );
    assert!(
        stderr.contains("NotOfferProvider") && stderr.contains("hint:"),
        "{stderr}"
    );
    let offers = round.ok(None, &["market", "offers"]);
    assert_eq!(offers["offers"][0]["price"], "1000000");

    // The keeper (the owner's key) matches both instances onto the offer.
    let matched = round.ok(
        owner,
        &["market", "match", "--deployment", "1", "--offer", "1:2"],
    );
    assert_eq!(matched["placement_ids"], json!([1]));
    let keeper_fee = amount(&params["keeper_fee"]) * 2;

    // Two epochs pass; the provider proves every provable epoch.
    round.advance(2);
    let placements = round.ok(prov, &["provider", "placements"]);
    assert_eq!(
        (&placements["live_instances"], &placements["frauds"]),
        (&json!(2), &json!(0)),
        "{placements}"
    );

    // Refused: unstaking the stake the two live instances keep bonded, by name, with a hint.
    let (error, stderr) = round.refused(prov, &["provider", "unstake", &min_stake]);
    assert_eq!(error["error"], "StakeExposed", "{error}");
    assert!(
        error["hint"].as_str().unwrap().contains("must stay staked"),
        "{error}"
    );
    assert!(
        stderr.contains("StakeExposed") && stderr.contains("hint:"),
        "{stderr}"
    );
    let provable = &placements["placements"][0]["provable"];
    let (from, to) = (provable[0].as_u64().unwrap(), provable[1].as_u64().unwrap());
    let epochs: Vec<String> = (from..=to).map(|epoch| epoch.to_string()).collect();
    let mut prove = vec!["provider", "prove", "1"];
    prove.extend(epochs.iter().map(String::as_str));
    let proven = round.ok(prov, &prove);
    let paid = amount(&proven["paid"]);
    assert_eq!(
        paid,
        (to - from + 1) as u128 * 2 * 1_000_000 * 95 / 100,
        "5% fee"
    );
    let fees = (to - from + 1) as u128 * 2 * 1_000_000 - paid;

    // The pay is held for disputes: pending, not claimable, so a claim is refused by name.
    let held = round.ok(prov, &["provider", "placements"]);
    assert_eq!(
        (amount(&held["pending"]), amount(&held["claimable"])),
        (paid, 0),
        "{held}"
    );
    let (error, _) = round.refused(prov, &["provider", "claim"]);
    assert_eq!(error["error"], "NothingToClaim", "{error}");

    // The developer withdraws what is above the reserve, then cancels.
    let status = round.ok(None, &["deploy", "status", "1"]);
    let balance = amount(&status["balance"]);
    assert_eq!(balance, deposit - keeper_fee - paid - fees);
    let withdrawn = amount(&round.ok(dev, &["deploy", "withdraw", "1"])["withdrawn"]);
    assert_eq!(withdrawn, balance - amount(&status["reserve"]));
    let cancelled = round.ok(dev, &["deploy", "cancel", "1"]);
    assert!(cancelled["end_epoch"].as_u64().is_some());
    let status = round.ok(None, &["deploy", "status", "1"]);
    assert_eq!(status["status"], "Ending");
    assert_eq!(amount(&status["balance"]), balance - withdrawn);

    // Token accounting: the developer paid the deposit and got the withdrawal back; the
    // keeper's fee is claimable by the keeper.
    assert_eq!(
        round.balance(&developer),
        1_000_000_000 - deposit + withdrawn
    );
    let keeper_before = round.balance(&keeper);
    let claimed = round.ok(owner, &["provider", "claim"]);
    assert_eq!(amount(&claimed["claimed"]), keeper_fee);
    assert_eq!(round.balance(&keeper), keeper_before + keeper_fee);
    assert_eq!(
        amount(&round.ok(None, &["market", "params"])["treasury"]),
        fees
    );

    // Held pay matures at most 2 × (disputeWindow + responseWindow + 2) epochs after its
    // proof; then the provider claims all of it.
    let court = &saved["court_params"];
    let windows =
        court["dispute_window"].as_u64().unwrap() + court["response_window"].as_u64().unwrap();
    round.advance(2 * (windows + 2));
    let provider_before = round.balance(&provider);
    assert_eq!(provider_before, 10_000_000_000 - amount(&json!(min_stake)));
    let claimed = round.ok(prov, &["provider", "claim"]);
    assert_eq!(
        (amount(&claimed["claimed"]), amount(&claimed["pending"])),
        (paid, 0),
        "{claimed}"
    );
    assert_eq!(round.balance(&provider), provider_before + paid);
}

#[test]
fn an_absent_provider_is_evicted_through_the_cli() {
    let node = NodeProcess::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let round = Market::deploy(&node, out.path(), &[1, 2]);
    round.provider(&node.accounts[1].1, &[(1_000_000, 4, 0)]);
    let owner = Some(node.accounts[0].1.as_str());
    let dev = Some(node.accounts[2].1.as_str());
    let anyone = Some(node.accounts[3].1.as_str());

    // Two instances placed with the minimum deposit; the provider never proves.
    let spec = ["deploy", "create", "--instances", "2", "--any-region"];
    let create = [
        &spec[..],
        &["--max-price", "1000000", "--function", &round.function],
    ]
    .concat();
    assert_eq!(round.ok(dev, &create)["deployment_id"], 1);
    round.ok(
        owner,
        &["market", "match", "--deployment", "1", "--offer", "1:2"],
    );
    let before = amount(&round.ok(None, &["deploy", "status", "1"])["balance"]);

    // Start epoch + 2 missed epochs is still tolerated (maxMissedEpochs = 2): refused, by name.
    round.advance(3);
    let (error, _) = round.refused(anyone, &["market", "evict", "1"]);
    assert_eq!(error["error"], "NotEvictable", "{error}");
    assert_eq!(
        amount(&round.ok(None, &["deploy", "status", "1"])["balance"]),
        before
    );

    // One more epoch: anyone evicts; the provider's stake pays 1 token per missed
    // instance-epoch (3 missed × 2 instances) into the deployment, which waits for a new match.
    round.advance(1);
    round.ok(anyone, &["market", "evict", "1"]);
    let status = round.ok(None, &["deploy", "status", "1"]);
    assert_eq!(amount(&status["balance"]), before + 3 * 2 * 1_000_000);
    assert_eq!(status["placed"], 0);
    assert_eq!(status["status"], "Open");
    let offers = round.ok(None, &["market", "offers", "--all"]);
    assert_eq!(offers["offers"][0]["status"], "Paused", "{offers}");

    // Closing needs an underfunded deployment past its grace period: refused by name.
    let (error, _) = round.refused(anyone, &["market", "close", "1"]);
    assert_eq!(error["error"], "NotClosable", "{error}");
}
