//! An ERC-20-style test token written with stylus-sdk 0.10, for benchmarks against a Solidity
//! ERC-20: 6 decimals, standard events and custom errors. **Anyone may mint**: it is a test token.
//! Its ABI is [`cloudless_abi::erc20::IStylusToken`].

#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

extern crate alloc;

mod contract;

pub use contract::{StylusToken, TokenError};
