//! Held pay: a provider's earnings wait out their dispute windows before `claim` can take them.
//!
//! Pay is grouped by the epoch it matures in. Maturity is rounded up to a multiple of the width
//! `disputeWindow + responseWindow + 2`, so at any time at most two groups are unmatured: two
//! `(maturesAt, amount)` slots per provider, and two per placement (what the court hands back
//! to the deployment on fraud) are enough, and every operation is O(1). The group last added
//! to is kept first, so a proof in the same group as the one before reads and writes one slot.

use alloc::{vec, vec::Vec};

use contract_kit::{Revert, Small, too_large};
use stylus_sdk::{
    prelude::*,
    storage::{StorageU64, StorageU128},
};

/// A group of held pay: `(maturesAt, amount)`.
pub(crate) type Group = (u64, u128);

/// Two groups of held pay.
pub(crate) type Groups = [Group; 2];

/// Where two groups are stored, the one last added to first.
pub(crate) trait HeldSlots {
    /// The group last added to.
    fn first(&self) -> Group;
    /// The other group.
    fn second(&self) -> Group;
    /// Stores the group last added to.
    fn set_first(&mut self, group: Group);
    /// Stores the other group.
    fn set_second(&mut self, group: Group);

    /// Both groups.
    fn groups(&self) -> Groups {
        [self.first(), self.second()]
    }

    /// Stores both groups.
    fn set_groups(&mut self, [first, second]: Groups) {
        self.set_first(first);
        self.set_second(second);
    }
}

/// Adds `amount` maturing at `at` to the groups in `slots` (as [`add`] does), keeping the later
/// group first; returns what matured by `current` and was pushed out. Adding to the first
/// group touches only its slot.
pub(crate) fn hold(
    slots: &mut impl HeldSlots,
    at: u64,
    amount: u128,
    current: u64,
) -> Result<u128, Revert> {
    let first = slots.first();
    if first.0 == at && first.1 != 0 {
        slots.set_first((at, first.1.checked_add(amount).ok_or_else(too_large)?));
        return Ok(0);
    }
    let (mut groups, released) = add([first, slots.second()], at, amount, current)?;
    if groups[1].0 > groups[0].0 {
        groups.swap(0, 1);
    }
    slots.set_groups(groups);
    Ok(released)
}

/// The epoch pay earned in epoch `current` matures in, for dispute and response windows `width`
/// epochs wide in all (`disputeWindow + responseWindow + 2`).
pub(crate) fn matures_at(current: u64, width: u64) -> u64 {
    (current / width + 2) * width
}

/// Adds `amount` maturing at `at` to `groups`; returns the new groups and what matured by
/// `current` and was pushed out to make room (a provider's becomes claimable). When both slots
/// hold unmatured groups of other epochs (only after the windows changed), `amount` joins the
/// later one: pay may mature later than its own windows ask, never earlier.
pub(crate) fn add(
    mut groups: Groups,
    at: u64,
    amount: u128,
    current: u64,
) -> Result<(Groups, u128), Revert> {
    let slot = match groups.iter().position(|g| g.0 == at && g.1 != 0) {
        Some(i) => i,
        None => match groups.iter().position(|g| g.1 == 0 || g.0 <= current) {
            Some(i) => {
                let released = groups[i].1;
                groups[i] = (at, amount);
                return Ok((groups, released));
            }
            None => {
                let later = usize::from(groups[1].0 > groups[0].0);
                groups[later].0 = groups[later].0.max(at);
                later
            }
        },
    };
    groups[slot].1 = groups[slot].1.checked_add(amount).ok_or_else(too_large)?;
    Ok((groups, 0))
}

/// `(matured, pending)` amounts at `current`.
pub(crate) fn split(groups: Groups, current: u64) -> (u128, u128) {
    groups.iter().fold((0, 0), |(matured, pending), g| {
        if g.0 <= current {
            (matured + g.1, pending)
        } else {
            (matured, pending + g.1)
        }
    })
}

/// Empties the groups matured by `current`; returns them and their amount.
pub(crate) fn release(mut groups: Groups, current: u64) -> (Groups, u128) {
    let mut released = 0;
    for g in groups.iter_mut().filter(|g| g.0 <= current) {
        released += g.1;
        g.1 = 0;
    }
    (groups, released)
}

/// Takes up to `amount` from the unmatured groups, the later first; returns the groups and what
/// was taken.
pub(crate) fn take_pending(mut groups: Groups, current: u64, amount: u128) -> (Groups, u128) {
    let mut order = [0, 1];
    if groups[0].0 > groups[1].0 {
        order = [1, 0];
    }
    let mut taken = 0;
    for i in order.into_iter().rev() {
        if groups[i].0 > current {
            let part = groups[i].1.min(amount - taken);
            groups[i].1 -= part;
            taken += part;
        }
    }
    (groups, taken)
}

/// Two held groups in storage (one slot each: maturity epoch and amount).
#[storage]
pub struct Held {
    first_at: StorageU64,
    first: StorageU128,
    second_at: StorageU64,
    second: StorageU128,
}

impl HeldSlots for Held {
    fn first(&self) -> Group {
        (self.first_at.num(), self.first.num())
    }

    fn second(&self) -> Group {
        (self.second_at.num(), self.second.num())
    }

    fn set_first(&mut self, (at, amount): Group) {
        self.first_at.set_num(at);
        self.first.set_num(amount);
    }

    fn set_second(&mut self, (at, amount): Group) {
        self.second_at.set_num(at);
        self.second.set_num(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_matures_only_after_both_windows_and_at_most_two_groups_are_pending() {
        // Windows of 3 + 2 epochs: width 7.
        for current in 0..50 {
            let at = matures_at(current, 7);
            assert!(at > current + 3 + 2 + 1, "{current} → {at}");
            assert_eq!(at % 7, 0);
        }
        let (g, released) = add([(0, 0); 2], 14, 10, 0).unwrap();
        assert_eq!((g, released), ([(14, 10), (0, 0)], 0));
        let (g, _) = add(g, 14, 5, 6).unwrap();
        assert_eq!(g, [(14, 15), (0, 0)]);
        let (g, _) = add(g, 21, 7, 7).unwrap();
        assert_eq!(split(g, 13), (0, 22));
        assert_eq!(split(g, 14), (15, 7));
        // A third group pushes out the matured first one.
        let (g, released) = add(g, 28, 1, 14).unwrap();
        assert_eq!((g, released), ([(28, 1), (21, 7)], 15));
    }

    #[test]
    fn unmatured_groups_of_other_epochs_merge_into_the_later_one() {
        let (g, released) = add([(21, 7), (28, 1)], 14, 4, 10).unwrap();
        assert_eq!((g, released), ([(21, 7), (28, 5)], 0));
        let (g, released) = add([(28, 1), (21, 7)], 35, 4, 10).unwrap();
        assert_eq!((g, released), ([(35, 5), (21, 7)], 0));
    }

    /// Two groups in memory that count the slots written.
    #[derive(Default)]
    struct Slots {
        groups: Groups,
        writes: [u32; 2],
    }

    impl HeldSlots for Slots {
        fn first(&self) -> Group {
            self.groups[0]
        }
        fn second(&self) -> Group {
            self.groups[1]
        }
        fn set_first(&mut self, group: Group) {
            self.groups[0] = group;
            self.writes[0] += 1;
        }
        fn set_second(&mut self, group: Group) {
            self.groups[1] = group;
            self.writes[1] += 1;
        }
    }

    #[test]
    fn hold_keeps_the_later_group_first_and_adds_to_it_through_one_slot() {
        let mut slots = Slots::default();
        assert_eq!(hold(&mut slots, 14, 10, 0), Ok(0));
        assert_eq!(hold(&mut slots, 14, 5, 6), Ok(0));
        assert_eq!(slots.groups, [(14, 15), (0, 0)]);
        assert_eq!(slots.writes, [2, 1]);
        // A new group goes first; the old one is kept second.
        assert_eq!(hold(&mut slots, 21, 7, 7), Ok(0));
        assert_eq!(slots.groups, [(21, 7), (14, 15)]);
        assert_eq!(hold(&mut slots, 21, 1, 8), Ok(0));
        assert_eq!(slots.writes, [4, 2]);
        // A third group pushes out the matured one and goes first.
        assert_eq!(hold(&mut slots, 28, 1, 14), Ok(15));
        assert_eq!(slots.groups, [(28, 1), (21, 8)]);
        assert_eq!(split(slots.groups(), 21), (8, 1));
        // Whatever order, holding agrees with `add`.
        let groups = [(21, 8), (28, 1)];
        let mut slots = Slots {
            groups,
            writes: [0; 2],
        };
        let (added, released) = add(groups, 28, 3, 15).unwrap();
        assert_eq!(hold(&mut slots, 28, 3, 15), Ok(released));
        assert_eq!(split(slots.groups, 28), split(added, 28));
    }

    #[test]
    fn release_and_take_move_exactly_what_they_report() {
        let (g, released) = release([(14, 15), (21, 7)], 14);
        assert_eq!((g, released), ([(14, 0), (21, 7)], 15));
        let (g, taken) = take_pending([(28, 5), (21, 7)], 14, 9);
        assert_eq!((g, taken), ([(28, 0), (21, 3)], 9));
        let (g, taken) = take_pending([(14, 5), (21, 7)], 14, 100);
        assert_eq!((g, taken), ([(14, 5), (21, 0)], 7));
        assert_eq!(add([(14, u128::MAX), (0, 0)], 14, 1, 0), Err(too_large()));
    }
}
