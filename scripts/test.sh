#!/usr/bin/env bash
# The test suite: installs the npm tooling if missing, builds the Stylus contracts to processed
# wasm artifacts (the build adds the wasm32 target to a toolchain that lacks it), checks that the
# committed Solidity fixtures rebuild byte for byte, then runs every workspace test. Extra
# arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# solc-js (fixture check), foundry's cast and viem (the dev node's external-client tests) from npm.
if [ ! -x node_modules/@foundry-rs/cast-linux-amd64/bin/cast ] || [ ! -d node_modules/solc ] \
  || [ ! -d node_modules/viem ]; then
  npm ci --no-audit --no-fund
fi
cargo run --quiet -p cloudless-cli --bin cloudless -- contracts build
cargo run --quiet -p test-fixtures --features build --bin build-solidity -- --check
cargo test --workspace "$@"
# The auditor's driver example asserts what it shows.
cargo run --quiet -p cloudless-audit --example drive
