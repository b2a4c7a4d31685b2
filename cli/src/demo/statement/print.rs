//! The statement as tables on stdout.

use super::{Statement, ledger::sum};
use crate::chain::output::table;

impl Statement {
    /// Prints the statement as tables.
    pub fn print(&self) {
        println!("\nPlacements: who served whom, at which price");
        let rows: Vec<Vec<String>> = self
            .placements
            .iter()
            .map(|p| {
                vec![
                    p.id.to_string(),
                    format!("{} ({})", p.deployment, p.developer),
                    p.provider.clone(),
                    p.instances.to_string(),
                    p.price.to_string(),
                    if p.last_proven < p.start_epoch {
                        "none".into()
                    } else {
                        format!("{}–{}", p.start_epoch, p.last_proven)
                    },
                    p.epochs_proven.to_string(),
                    p.receipts.to_string(),
                    p.paid.to_string(),
                    p.fees.to_string(),
                    p.owed.to_string(),
                    p.ended.clone().unwrap_or_else(|| "live".into()),
                    p.slashed.to_string(),
                ]
            })
            .collect();
        let headers = [
            "id",
            "deployment",
            "provider",
            "inst",
            "price",
            "proven",
            "proofs",
            "receipts",
            "paid",
            "fees",
            "owed",
            "end",
            "slashed",
        ];
        table(&headers, &rows);

        println!("\nProviders");
        let rows: Vec<Vec<String>> = self
            .providers
            .iter()
            .map(|p| {
                let offer = self.offers.iter().find(|o| o.provider == p.name);
                vec![
                    p.name.clone(),
                    offer.map_or_else(String::new, |o| format!("{} @ {}", o.region, o.price)),
                    p.earned.to_string(),
                    p.fees.to_string(),
                    p.claimed.to_string(),
                    p.pending.to_string(),
                    p.bonds_won.to_string(),
                    p.slashed.to_string(),
                    p.refunded.to_string(),
                    p.stake.to_string(),
                ]
            })
            .collect();
        let headers = [
            "provider",
            "offer",
            "earned",
            "fees",
            "claimed",
            "held",
            "bonds won",
            "slashed",
            "pay returned",
            "stake left",
        ];
        table(&headers, &rows);

        println!("\nDevelopers");
        let rows: Vec<Vec<String>> = self
            .deployments
            .iter()
            .map(|d| {
                let how = match (d.cancelled, d.closed) {
                    (true, _) => " (cancelled)",
                    (_, true) => " (closed, underfunded)",
                    _ => "",
                };
                vec![
                    format!("{} ({})", d.id, d.developer),
                    format!("{}{how}", d.status),
                    d.receipts.to_string(),
                    sum([&d.deposited, &d.topped_up].into_iter()).to_string(),
                    d.paid.to_string(),
                    d.fees.to_string(),
                    d.keeper_fees.to_string(),
                    d.slashed_in.to_string(),
                    d.withdrawn.to_string(),
                    d.balance.to_string(),
                ]
            })
            .collect();
        let headers = [
            "deployment",
            "status",
            "served",
            "paid in",
            "to providers",
            "fees",
            "keeper fees",
            "slash received",
            "got back",
            "left",
        ];
        table(&headers, &rows);

        let i = &self.invocations;
        let per: Vec<String> = i
            .per_provider
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        println!(
            "\nInvocations proven: {} ({}); the users got {} answers with verified receipts: {} under a proven root, {} from a convicted placement, {} wrong",
            i.total,
            per.join(", "),
            i.answered,
            i.answered_proven,
            i.answered_convicted,
            i.wrong
        );

        println!("\nDisputes");
        let rows: Vec<Vec<String>> = self
            .disputes
            .iter()
            .map(|d| {
                vec![
                    d.id.to_string(),
                    d.kind.clone(),
                    format!("{} ({})", d.placement, d.provider),
                    d.epoch.to_string(),
                    d.challenger.clone(),
                    d.outcome.as_str().to_owned(),
                    d.bond.to_string(),
                    d.slashed.to_string(),
                    d.reward.to_string(),
                    d.refunded.to_string(),
                ]
            })
            .collect();
        let headers = [
            "id",
            "kind",
            "placement",
            "epoch",
            "challenger",
            "outcome",
            "bond",
            "slashed",
            "reward",
            "pay returned",
        ];
        table(&headers, &rows);

        let k = &self.keeper;
        println!(
            "\nKeeper: matches {} ({} instances), evictions {}, closes {}, finalizations {}; transactions sent {}, failed {}; proofs verified {} ({} leaves fetched and re-run); earned {} in fees, claimed {}",
            k.matches,
            k.instances_matched,
            k.evictions,
            k.closes,
            k.finalizes,
            k.txs_sent,
            k.txs_failed,
            k.proofs_verified,
            k.leaves_sampled,
            k.fees_earned,
            k.claimed
        );
        println!("Protocol fees (treasury): {}", self.treasury);
        let c = &self.conservation;
        let verdict = if c.all_hold() { "holds" } else { "FAILS" };
        println!("\nConservation: {}: {verdict}", c.equation());
        let gas: Vec<String> = self
            .accounts
            .iter()
            .filter(|a| a.gas_used > 0)
            .map(|a| format!("{} {}", a.name, a.gas_used))
            .collect();
        println!("Gas: {} in all ({})", self.gas_used, gas.join(", "));
        if let Some(a) = &self.audit {
            println!(
                "Audit: {} blocks, {} transactions re-executed in the harness; receipts equal: {}, state equal: {}, invariants hold: {}; ledger sha256 {}",
                a.blocks,
                a.transactions,
                a.receipts_equal,
                a.state_equal,
                a.invariants_hold,
                a.ledger_sha256
            );
        }
        let b = &self.final_block;
        println!(
            "Final block {} (epoch {}): hash {}, state root {}",
            b.number, b.epoch, b.hash, b.state_root
        );
    }
}
