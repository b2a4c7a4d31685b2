//! The Cloudless order book and matcher: pure, deterministic, no I/O.
//!
//! Asks are provider offers, bids are deployment requests. The book is fed from chain events
//! ([`Book::apply_log`], or the typed update methods), and [`Book::plan`] returns the round of
//! `matchDeployment` transactions a keeper should send: bids by (max price desc, creation
//! order), each filled from the cheapest eligible asks (price asc, offer id), under protocol
//! v1's eligibility rules — the very function the registry contract runs
//! ([`cloudless_abi::eligibility::check`]).
//!
//! Asks live in one treap per (region, tier), keyed by (price, offer id) and augmented with the
//! largest CPU and memory among the live asks of each subtree, so a bid visits only the buckets
//! it accepts and, within them, only subtrees that can serve it. [`Book::verdict`] predicts the
//! contract's answer to any match, down to the custom error.

mod ask;
mod bid;
mod book;
mod events;
mod plan;
mod tree;
mod verdict;
pub mod workload;

pub use bid::Bid;
pub use book::{BidEntry, Book, BookError, Config, Snapshot};
pub use cloudless_abi::events::Sources;
pub use events::IngestError;
pub use plan::{Budget, GasModel, MatchTx, Plan, Session};
pub use verdict::Rejection;
