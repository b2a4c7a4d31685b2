//! The statement: who served whom at which price, what each provider earned and lost, what
//! each developer paid and got back, the keeper's and the protocol's fees, and the
//! conservation check, all read back from the chain (logs and views), not from the script.

mod court;
mod ledger;
mod print;

use std::collections::BTreeMap;

use alloy::{eips::BlockNumberOrTag, providers::Provider, rpc::types::Filter};
use alloy_primitives::{Address, B256};
use anyhow::{Context, Result, bail};
use cloudless_abi::{
    erc20::IStylusToken,
    market::{IMarket, IRegistry},
};
use cloudless_audit::ledger::{Ledger, Outcome};
use serde::Serialize;

use super::{
    actors::{Cast, Role},
    audit::Audit,
    stage::Closed,
    users::Held,
};
use crate::chain::manifest::Manifest;
use court::{Dispute, Invocations};
use ledger::{Amount, Deployment, Offer, Placement, sum};

/// One account of the cast.
#[derive(Debug, Serialize)]
pub struct Account {
    name: String,
    role: Role,
    address: Address,
    /// Token balance at the end.
    wallet: Amount,
    /// Gas its transactions used.
    gas_used: u64,
}
/// A provider's account of the round.
#[derive(Debug, Serialize)]
pub struct ProviderAccount {
    name: String,
    /// Σ `paid` of its placements.
    earned: Amount,
    /// Protocol fees on its payments.
    fees: Amount,
    claimed: Amount,
    claimable: Amount,
    /// Earnings still held until their dispute windows close.
    pending: Amount,
    slashed: Amount,
    /// Held pay taken back into deployments when a fraud was proven.
    refunded: Amount,
    /// Bonds of disputes it answered.
    bonds_won: Amount,
    stake: Amount,
    unbonding: Amount,
}
/// The keeper's work: counted by the keeper, paid by the chain.
#[derive(Debug, Serialize)]
pub struct KeeperAccount {
    matches: u64,
    instances_matched: u64,
    evictions: u64,
    closes: u64,
    finalizes: u64,
    txs_sent: u64,
    txs_failed: u64,
    /// Proofs whose every leaf the keeper fetched from the provider's node and re-ran.
    proofs_verified: u64,
    leaves_sampled: u64,
    fees_earned: Amount,
    claimed: Amount,
    claimable: Amount,
}

/// Every token minted is somewhere: in a wallet, staked in the registry, or held by the market.
#[derive(Debug, Serialize)]
pub struct Conservation {
    /// The token's `totalSupply()`.
    minted: Amount,
    wallets: Amount,
    stake: Amount,
    unbonding: Amount,
    deployment_balances: Amount,
    claimables: Amount,
    /// Earnings held for disputes (`pending`).
    pending: Amount,
    treasury: Amount,
    /// Bonds of disputes still open.
    bonds: Amount,
    /// `minted = wallets + stake + unbonding + deployment_balances + claimables + pending +
    /// treasury + bonds`.
    holds: bool,
    /// The registry's token balance equals stake plus unbonding.
    registry_holds: bool,
    /// The market's token balance equals deployment balances, claimables, pending pay,
    /// treasury and bonds.
    market_holds: bool,
}

impl Conservation {
    /// Whether every balance sheet holds.
    fn all_hold(&self) -> bool {
        self.holds && self.registry_holds && self.market_holds
    }

    /// `minted X = wallets … + treasury …`.
    fn equation(&self) -> String {
        format!(
            "minted {} = wallets {} + stake {} + unbonding {} + deployment balances {} + claimables {} + pending {} + treasury {} + bonds {}",
            self.minted,
            self.wallets,
            self.stake,
            self.unbonding,
            self.deployment_balances,
            self.claimables,
            self.pending,
            self.treasury,
            self.bonds
        )
    }
}

/// The chain at the end of the round.
#[derive(Debug, Serialize)]
pub struct FinalBlock {
    number: u64,
    hash: B256,
    /// The dev node's state digest.
    state_root: B256,
    epoch: u64,
}

/// The whole statement.
#[derive(Debug, Serialize)]
pub struct Statement {
    chain_id: u64,
    token: Address,
    registry: Address,
    market: Address,
    accounts: Vec<Account>,
    offers: Vec<Offer>,
    placements: Vec<Placement>,
    providers: Vec<ProviderAccount>,
    deployments: Vec<Deployment>,
    invocations: Invocations,
    disputes: Vec<Dispute>,
    keeper: KeeperAccount,
    /// The protocol fee on each paid epoch, basis points.
    fee_bps: u16,
    /// Protocol fees collected.
    treasury: Amount,
    conservation: Conservation,
    gas_used: u64,
    final_block: FinalBlock,
    /// The replay of the whole chain in the harness (`cloudless audit replay`).
    audit: Option<Audit>,
}
impl Statement {
    /// Reads the statement from the chain at its head.
    pub async fn read(
        cast: &Cast,
        manifest: &Manifest,
        closed: Closed,
        held: &[Held],
    ) -> Result<Self> {
        let s = &cast.owner.session;
        let client = &s.client;
        let (token, registry, market) = (s.token(), s.registry(), s.market());
        let head = client
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await?
            .context("the node has no latest block")?;
        let filter = Filter::new()
            .address(vec![registry, market])
            .from_block(manifest.deploy_block.unwrap_or_default())
            .to_block(head.header.number);
        let logs = client.provider.get_logs(&filter).await?;
        let ledger = Ledger::fold(manifest.sources()?, &logs)?;

        let mut accounts = Vec::new();
        let (mut claimables, mut pendings) = (BTreeMap::new(), BTreeMap::new());
        for actor in cast.all() {
            let address = actor.address();
            let balance = IStylusToken::balanceOfCall { owner: address };
            let claimable = IMarket::claimableCall { account: address };
            claimables.insert(address, Amount(client.view(market, claimable).await?));
            let pending = IMarket::pendingCall { account: address };
            pendings.insert(address, Amount(client.view(market, pending).await?));
            accounts.push(Account {
                name: actor.name.clone(),
                role: actor.role,
                address,
                wallet: Amount(client.view(token, balance).await?),
                gas_used: closed.gas.get(&address).copied().unwrap_or_default(),
            });
        }
        let claimed =
            |account| Amount::from(ledger.claimed.get(&account).copied().unwrap_or_default());

        let offers = ledger::offers(cast, &ledger);
        let mut placements = ledger::placements(cast, &ledger);
        for placement in &mut placements {
            let view = IMarket::placementCall {
                placementId: placement.id,
            };
            placement.last_proven = client.view(market, view).await?.lastProven;
        }
        let mut deployments = ledger::deployments(cast, &ledger);
        for deployment in &mut deployments {
            let id = deployment.id;
            let view = IMarket::deploymentStateCall { deploymentId: id };
            let state = client.view(market, view).await?;
            deployment.balance = Amount(state.balance);
            deployment.status = format!("{:?}", state.status).to_lowercase();
        }

        let disputes = court::disputes(&client.provider, cast, &ledger).await?;
        let invocations = court::invocations(&ledger, &placements, &disputes, held);

        let mut providers = Vec::new();
        for actor in &cast.providers {
            let address = actor.address();
            let info = client
                .view(registry, IRegistry::providerCall { provider: address })
                .await?;
            let mine = || placements.iter().filter(|p| p.provider == actor.name);
            let row = ledger.providers.get(&address).cloned().unwrap_or_default();
            providers.push(ProviderAccount {
                name: actor.name.clone(),
                earned: row.earned.into(),
                fees: sum(mine().map(|p| &p.fees)),
                claimed: claimed(address),
                claimable: claimables[&address],
                pending: pendings[&address],
                slashed: row.slashed.into(),
                refunded: row.refunded.into(),
                bonds_won: row.bonds_won.into(),
                stake: Amount(info.stake),
                unbonding: Amount(info.unbonding),
            });
        }

        let keeper_address = cast.keeper.address();
        let fees_earned = ledger.keeper_fees.get(&keeper_address).copied();
        let status = &closed.status;
        let keeper_account = KeeperAccount {
            matches: status.matches,
            instances_matched: status.instances_matched,
            evictions: status.evictions,
            closes: status.closes,
            finalizes: status.finalizes,
            txs_sent: status.txs_sent,
            txs_failed: status.txs_failed,
            proofs_verified: status.proofs_verified,
            leaves_sampled: status.leaves_sampled,
            fees_earned: fees_earned.unwrap_or_default().into(),
            claimed: claimed(keeper_address),
            claimable: claimables[&keeper_address],
        };

        let treasury = Amount(client.view(market, IMarket::treasuryCall {}).await?);
        let fee_bps = client.view(market, IMarket::paramsCall {}).await?.feeBps;
        let minted = Amount(client.view(token, IStylusToken::totalSupplyCall {}).await?);
        let held = |holder| client.view(token, IStylusToken::balanceOfCall { owner: holder });
        let (registry_balance, market_balance) = (held(registry).await?, held(market).await?);
        let count = client.view(market, IMarket::deploymentCountCall {}).await?;
        let mut deployment_balances = Amount::default();
        for id in 1..=count {
            let view = IMarket::deploymentStateCall { deploymentId: id };
            deployment_balances += client.view(market, view).await?.balance;
        }
        let mut conservation = Conservation {
            minted,
            wallets: sum(accounts.iter().map(|a| &a.wallet)),
            stake: sum(providers.iter().map(|p| &p.stake)),
            unbonding: sum(providers.iter().map(|p| &p.unbonding)),
            deployment_balances,
            claimables: sum(claimables.values()),
            pending: sum(pendings.values()),
            treasury,
            bonds: Amount(court::open_bonds(&disputes)),
            holds: false,
            registry_holds: false,
            market_holds: false,
        };
        let c = &conservation;
        let staked = c.stake.0 + c.unbonding.0;
        let in_market =
            c.deployment_balances.0 + c.claimables.0 + c.pending.0 + c.treasury.0 + c.bonds.0;
        conservation.holds = c.minted.0 == c.wallets.0 + staked + in_market;
        conservation.registry_holds = registry_balance == staked;
        conservation.market_holds = market_balance == in_market;

        let epoch = client.view(market, IMarket::currentEpochCall {}).await?;
        Ok(Self {
            chain_id: client.chain_id,
            token,
            registry,
            market,
            gas_used: closed.gas.values().sum(),
            accounts,
            offers,
            placements,
            providers,
            deployments,
            invocations,
            disputes,
            keeper: keeper_account,
            fee_bps,
            treasury,
            conservation,
            final_block: FinalBlock {
                number: head.header.number,
                hash: head.header.hash,
                state_root: head.header.state_root,
                epoch,
            },
            audit: None,
        })
    }

    /// The epoch at the end.
    pub fn epoch(&self) -> u64 {
        self.final_block.epoch
    }

    /// The statement with the chain's audit.
    pub fn audited(self, audit: Audit) -> Self {
        Self {
            audit: Some(audit),
            ..self
        }
    }

    /// Fails loudly unless every token is accounted for, every deployment's ledger balances
    /// and every provider's earnings were claimed, are claimable or are still held.
    pub fn check(&self) -> Result<()> {
        let c = &self.conservation;
        if !c.all_hold() {
            bail!(
                "CONSERVATION FAILS: {} (registry holds: {}, market holds: {})",
                c.equation(),
                c.registry_holds,
                c.market_holds
            );
        }
        for d in &self.deployments {
            let credits = d.deposited.0 + d.topped_up.0 + d.slashed_in.0;
            let debits = d.paid.0 + d.fees.0 + d.keeper_fees.0 + d.withdrawn.0 + d.balance.0;
            if credits != debits {
                bail!(
                    "deployment {}'s ledger does not balance: {credits} in, {debits} out",
                    d.id
                );
            }
        }
        for p in &self.providers {
            if p.earned.0 + p.bonds_won.0
                != p.claimed.0 + p.claimable.0 + p.pending.0 + p.refunded.0
            {
                bail!(
                    "{} earned {} and won {} in bonds but claimed {}, can claim {}, has {} held and gave back {}",
                    p.name,
                    p.earned,
                    p.bonds_won,
                    p.claimed,
                    p.claimable,
                    p.pending,
                    p.refunded
                );
            }
        }
        let i = &self.invocations;
        if i.answered == 0 {
            bail!("the users got no answer through the gateway");
        }
        if i.answered != i.answered_proven + i.answered_convicted {
            bail!(
                "of {} answers the users hold, {} are under a proven root and {} came from convicted placements: some acknowledged receipts were never proven",
                i.answered,
                i.answered_proven,
                i.answered_convicted
            );
        }
        if i.wrong > 0 && !self.disputes.iter().any(|d| d.kind == "result") {
            bail!("{} wrong answers but no result dispute", i.wrong);
        }
        if let Some(open) = self.disputes.iter().find(|d| d.outcome == Outcome::Open) {
            bail!("dispute {} is still open at the end", open.id);
        }
        if let Some(a) = self.audit.as_ref().filter(|a| !a.invariants_hold) {
            bail!(
                "the audit's ledger breaks the protocol's invariants: {}",
                a.violations.join("; ")
            );
        }
        Ok(())
    }
}
