//! Stylus chain parameters (ArbOS's `StylusParams`), with Nitro's initial values.

/// The ArbOS release whose Stylus rules the executor follows.
pub const ARBOS_VERSION: u64 = 50;

/// Stylus parameters as ArbOS stores them; [`StylusParams::default`] gives the values of a fresh
/// Nitro chain at [`ARBOS_VERSION`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StylusParams {
    /// Stylus program version that activation stamps.
    pub version: u16,
    /// Ink per EVM gas.
    pub ink_price: u32,
    /// Maximum wasm call depth units (Nitro's `MaxStackDepth`).
    pub max_stack_depth: u32,
    /// Pages free of memory gas in a transaction.
    pub free_pages: u16,
    /// Gas per page above the free ones.
    pub page_gas: u16,
    /// Maximum pages of a program (initial memory and growth).
    pub page_limit: u16,
    /// Minimum init gas, in units of 128 gas.
    pub min_init_gas: u8,
    /// Minimum cached init gas, in units of 32 gas.
    pub min_cached_init_gas: u8,
    /// Percent scalar of the init cost, ×2.
    pub init_cost_scalar: u8,
    /// Percent scalar of the cached init cost, ×2.
    pub cached_cost_scalar: u8,
    /// Maximum decompressed wasm size in bytes.
    pub max_wasm_size: u32,
}

impl Default for StylusParams {
    fn default() -> Self {
        Self {
            version: 2,
            ink_price: 10_000,
            max_stack_depth: 22_000,
            free_pages: 2,
            page_gas: 1_000,
            page_limit: 128,
            min_init_gas: 69,
            min_cached_init_gas: 11,
            init_cost_scalar: 50,
            cached_cost_scalar: 50,
            max_wasm_size: 128 * 1024,
        }
    }
}

impl StylusParams {
    /// EVM gas to ink.
    pub fn gas_to_ink(&self, gas: u64) -> u64 {
        gas.saturating_mul(u64::from(self.ink_price))
    }

    /// Ink to EVM gas (rounding down).
    pub fn ink_to_gas(&self, ink: u64) -> u64 {
        ink / u64::from(self.ink_price)
    }
}
