//! The committed Solidity fixtures, deployed and exercised on plain revm (no node, no solc).

mod chain;
mod helpers;
mod test_usdc;
