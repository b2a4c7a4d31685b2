//! The program side of the Stylus executor: activation, metering and host I/O. It knows nothing
//! of revm; it talks to the EVM through [`api::Request`] and [`api::Response`].

pub mod api;
pub mod cache;
pub mod hostio;
mod instances;
pub mod invocation;
pub mod memory;
pub mod meter;
pub mod params;
pub mod program;
