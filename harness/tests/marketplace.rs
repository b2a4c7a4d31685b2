//! The marketplace contracts (registry and market) on the real Stylus WASM: every function's
//! happy path and named errors, token edge cases, the worked billing example and the
//! conservation property.

mod marketplace {
    pub mod billing_example;
    pub mod cache;
    pub mod court;
    pub mod dao;
    pub mod errors;
    pub mod fixture;
    pub mod flow;
    pub mod initialize;
    pub mod lifecycle;
    pub mod matching;
    pub mod properties;
    pub mod registry_v2;
    pub mod scenario;
    pub mod tokens;
}
