//! The transaction-wide memory model of Stylus (Nitro's `arbos/programs/memory.go`).
//!
//! A transaction tracks two page counts: the pages *open* in the frames currently running and the
//! most pages *ever* open at once. Adding pages costs a linear fee for every open page above the
//! free ones, plus the growth of an exponential curve in the ever-open count. The curve makes
//! 128 pages (8 MiB) cost about 32 million gas, so a transaction cannot hold much memory however
//! it splits it between frames. The EVM half charges a frame's footprint with it at entry, answers
//! [`Request::AddPages`](super::api::Request::AddPages) with it, and restores `open` when the
//! frame returns.

use super::params::StylusParams;

/// Highest page count the curve prices; more pages are unaffordable.
const CURVE_PAGES: usize = 128;

/// `⌊b^p⌋` for `p` in `0..=128`, where `b = e^(ln(31,874,000)/128)`: the exponential part of the
/// page price, in gas. The values are fixed here rather than computed so that no platform's
/// floating-point library can change them; the test `curve_follows_its_formula` recomputes them.
const CURVE: [u32; CURVE_PAGES + 1] = [
    1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 22, 25, 29, 33, 38,
    43, 50, 57, 65, 75, 85, 98, 112, 128, 147, 168, 193, 221, 253, 289, 331, 379, 434, 497, 569,
    651, 745, 853, 976, 1117, 1279, 1463, 1675, 1917, 2194, 2511, 2874, 3290, 3765, 4309, 4932,
    5645, 6461, 7395, 8464, 9687, 11_087, 12_689, 14_523, 16_621, 19_024, 21_773, 24_919, 28_521,
    32_642, 37_359, 42_758, 48_938, 56_010, 64_104, 73_368, 83_971, 96_106, 109_994, 125_890,
    144_082, 164_904, 188_735, 216_010, 247_226, 282_953, 323_844, 370_643, 424_206, 485_509,
    555_672, 635_973, 727_880, 833_067, 953_456, 1_091_243, 1_248_941, 1_429_429, 1_636_000,
    1_872_423, 2_143_012, 2_452_704, 2_807_151, 3_212_820, 3_677_113, 4_208_502, 4_816_684,
    5_512_756, 6_309_419, 7_221_210, 8_264_766, 9_459_129, 10_826_093, 12_390_601, 14_181_199,
    16_230_562, 18_576_084, 21_260_563, 24_332_984, 27_849_408, 31_873_999,
];

/// The price of memory pages, from the chain's Stylus parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryModel {
    /// Pages a transaction may have open without paying anything.
    pub free_pages: u16,
    /// Linear gas per page opened above the free ones.
    pub page_gas: u16,
}

impl From<&StylusParams> for MemoryModel {
    fn from(params: &StylusParams) -> Self {
        Self {
            free_pages: params.free_pages,
            page_gas: params.page_gas,
        }
    }
}

impl MemoryModel {
    /// Gas to open `new` pages when `open` are open and at most `ever` have been open at once.
    /// Saturates to `u64::MAX` when the ever-open count would pass 128 pages.
    pub fn gas_cost(&self, new: u16, open: u16, ever: u16) -> u64 {
        let new_open = open.saturating_add(new);
        let new_ever = ever.max(new_open);
        if new_ever <= self.free_pages {
            return 0;
        }
        let above_free = |pages: u16| pages.saturating_sub(self.free_pages);
        let added = above_free(new_open).saturating_sub(above_free(open));
        let linear = u64::from(added) * u64::from(self.page_gas);
        let growth = curve(new_ever).saturating_sub(curve(ever));
        linear.saturating_add(growth)
    }
}

/// The exponential part of the price of having had `pages` open.
fn curve(pages: u16) -> u64 {
    CURVE
        .get(usize::from(pages))
        .map_or(u64::MAX, |&gas| u64::from(gas))
}

/// A transaction's page counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageCounters {
    /// Pages open in the frames now running.
    pub open: u16,
    /// Most pages ever open at once in this transaction.
    pub ever: u16,
}

impl PageCounters {
    /// Opens `pages` more pages and returns their gas under `model`.
    pub fn add_pages(&mut self, model: &MemoryModel, pages: u16) -> u64 {
        let gas = model.gas_cost(pages, self.open, self.ever);
        self.open = self.open.saturating_add(pages);
        self.ever = self.ever.max(self.open);
        gas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: MemoryModel = MemoryModel {
        free_pages: 2,
        page_gas: 1_000,
    };

    #[test]
    fn curve_follows_its_formula() {
        let base = (31_874_000f64.ln() / 128.0).exp();
        for (pages, &gas) in CURVE.iter().enumerate() {
            assert_eq!(base.powf(pages as f64) as u32, gas, "page {pages}");
        }
        assert_eq!((CURVE[0], CURVE[64], CURVE[128]), (1, 5645, 31_873_999));
        assert_eq!(curve(129), u64::MAX);
        assert_eq!(curve(u16::MAX), u64::MAX);
    }

    #[test]
    fn default_params_give_nitros_model() {
        assert_eq!(MemoryModel::from(&StylusParams::default()), MODEL);
    }

    /// Nitro's own check: however a transaction steps up to 128 pages, it pays 126 linear pages
    /// plus the whole curve, `126·1,000 + 31,873,999 − 1`.
    #[test]
    fn growing_to_the_limit_costs_the_same_in_any_steps() {
        for step in 1..=128u16 {
            let mut pages = PageCounters::default();
            let mut total = 0;
            while pages.open < 128 {
                total += pages.add_pages(&MODEL, step.min(128 - pages.open));
            }
            assert_eq!(total, 31_999_998, "step {step}");
        }
    }

    /// Pages freed and reopened pay the linear part again but not the curve.
    #[test]
    fn reopening_pays_only_the_linear_part() {
        for step in 1..=128u16 {
            let mut pages = PageCounters::default();
            let (mut total, mut linear_pages) = (0, 0u64);
            while pages.ever < 128 {
                let step = step.min(128 - pages.open);
                total += pages.add_pages(&MODEL, step);
                if pages.ever > MODEL.free_pages {
                    linear_pages += u64::from(step.min(pages.ever - MODEL.free_pages));
                }
                pages.open -= step / 2;
            }
            assert_eq!(total, 31_873_998 + linear_pages * 1_000, "step {step}");
        }
    }

    #[test]
    fn free_pages_and_saturation() {
        assert_eq!(MODEL.gas_cost(2, 0, 0), 0);
        assert_eq!(MODEL.gas_cost(3, 0, 0), 1_000);
        assert_eq!(MODEL.gas_cost(10, 0, 0), 8 * 1_000 + (3 - 1));
        assert_eq!(MODEL.gas_cost(129, 0, 0), u64::MAX);
        assert_eq!(MODEL.gas_cost(u16::MAX, 0, 0), u64::MAX);
        let roomy = MemoryModel {
            free_pages: 128,
            page_gas: 1_000,
        };
        assert_eq!(roomy.gas_cost(128, 0, 0), 0);
        assert_eq!(roomy.gas_cost(128, 0, 128), 0);
        assert_eq!(roomy.gas_cost(129, 0, 0), u64::MAX);
    }

    #[test]
    fn counters_track_open_and_ever() {
        let mut pages = PageCounters::default();
        assert_eq!(pages.add_pages(&MODEL, 1), 0);
        assert_eq!(pages.add_pages(&MODEL, 9), 8 * 1_000 + (3 - 1));
        assert_eq!(pages, PageCounters { open: 10, ever: 10 });
        pages.open = 1;
        assert_eq!(pages.add_pages(&MODEL, 11), 10 * 1_000 + (5 - 3));
        assert_eq!(pages, PageCounters { open: 12, ever: 12 });
    }
}
