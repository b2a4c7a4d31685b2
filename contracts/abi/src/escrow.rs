//! The escrow rule a new deployment must meet: the market enforces it and the CLI proposes it,
//! from this one function.

/// The least deposit of a deployment of `instances` at up to `max_price` per instance-epoch:
/// `minPrepaidEpochs` of its full bid, and never less than `minDeposit`. Inputs inside the
/// market's bounds (instances ≤ 10^4, price ≤ 2^100, prepaid ≤ 1000) cannot overflow.
pub fn required_deposit(
    instances: u32,
    max_price: u128,
    min_prepaid_epochs: u64,
    min_deposit: u128,
) -> u128 {
    let bid = u128::from(instances)
        .saturating_mul(max_price)
        .saturating_mul(u128::from(min_prepaid_epochs));
    bid.max(min_deposit)
}

#[cfg(test)]
mod tests {
    use super::required_deposit;

    #[test]
    fn the_deposit_covers_the_prepaid_bid_and_never_less_than_the_minimum() {
        assert_eq!(required_deposit(3, 10, 2, 0), 60);
        assert_eq!(required_deposit(3, 10, 2, 100), 100);
        assert_eq!(required_deposit(1, 1, 2, 1_000_000), 1_000_000);
    }
}
