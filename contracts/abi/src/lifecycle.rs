//! A deployment's status, derived from its stored fields: the market reports it and refuses
//! matches with it, and the matcher predicts with the very same function, so the two cannot
//! disagree.

use crate::market::DeploymentStatus;

/// The fields a deployment's status is derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    /// Past this epoch a deployment still waiting for its first match has expired
    /// (`u64::MAX` once it reached `minInstances`).
    pub unmatched_until: u64,
    /// Last epoch served (`u64::MAX` while open-ended).
    pub end_epoch: u64,
    /// Cancelled by its owner or closed for underfunding.
    pub ending: bool,
    /// Instances in live placements.
    pub placed: u32,
    /// Instances the first match must reach.
    pub min_instances: u32,
    /// The balance fell below the rate and no top-up has covered it yet.
    pub underfunded: bool,
}

impl Lifecycle {
    /// The status at `epoch`: `Ended` past the end epoch (or ending with nothing live, or
    /// never matched within `matchExpiryEpochs`);
    /// `Ending` while cancelled or closed, and in the last epoch of a fixed end, when no new
    /// placement could start; then `Underfunded`, `Open` (below `minInstances`) or `Active`.
    pub fn status(&self, epoch: u64) -> DeploymentStatus {
        let bounded = self.end_epoch != u64::MAX;
        let expired = epoch > self.unmatched_until;
        if (bounded && epoch > self.end_epoch) || (self.ending && self.placed == 0) || expired {
            DeploymentStatus::Ended
        } else if self.ending || (bounded && epoch >= self.end_epoch) {
            DeploymentStatus::Ending
        } else if self.underfunded {
            DeploymentStatus::Underfunded
        } else if self.placed < self.min_instances {
            DeploymentStatus::Open
        } else {
            DeploymentStatus::Active
        }
    }

    /// `Ok` when a match sent at `epoch` may place instances (they start at `epoch + 1`);
    /// otherwise the status `NotMatchable` reports.
    pub fn matchable(&self, epoch: u64) -> Result<(), DeploymentStatus> {
        match self.status(epoch) {
            DeploymentStatus::Open | DeploymentStatus::Active => Ok(()),
            status => Err(status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(end_epoch: u64) -> Lifecycle {
        Lifecycle {
            unmatched_until: u64::MAX,
            end_epoch,
            ending: false,
            placed: 2,
            min_instances: 2,
            underfunded: false,
        }
    }

    #[test]
    fn the_last_epoch_of_a_fixed_duration_is_ending_for_the_view_and_for_matching() {
        let d = fixed(10);
        assert_eq!(d.status(9), DeploymentStatus::Active);
        assert_eq!(d.matchable(9), Ok(()));
        assert_eq!(d.status(10), DeploymentStatus::Ending);
        assert_eq!(d.matchable(10), Err(DeploymentStatus::Ending));
        assert_eq!(d.status(11), DeploymentStatus::Ended);
    }

    #[test]
    fn cancelled_is_ending_until_its_end_or_until_nothing_is_live() {
        let mut d = fixed(10);
        d.ending = true;
        assert_eq!(d.status(3), DeploymentStatus::Ending);
        d.placed = 0;
        assert_eq!(d.status(3), DeploymentStatus::Ended);
    }

    #[test]
    fn open_ended_deployments_are_open_until_their_minimum_then_active_or_underfunded() {
        let mut d = fixed(u64::MAX);
        d.placed = 1;
        assert_eq!(d.status(u64::MAX - 1), DeploymentStatus::Open);
        d.placed = 2;
        assert_eq!(d.status(5), DeploymentStatus::Active);
        d.underfunded = true;
        assert_eq!(d.status(5), DeploymentStatus::Underfunded);
        assert_eq!(d.matchable(5), Err(DeploymentStatus::Underfunded));
    }

    #[test]
    fn a_deployment_never_matched_within_its_expiry_has_ended() {
        let mut d = fixed(u64::MAX);
        (d.placed, d.unmatched_until) = (0, 7);
        assert_eq!(d.status(7), DeploymentStatus::Open);
        assert_eq!(d.status(8), DeploymentStatus::Ended);
        assert_eq!(d.matchable(8), Err(DeploymentStatus::Ended));
    }
}
