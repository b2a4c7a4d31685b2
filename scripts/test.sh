#!/usr/bin/env bash
# The test suite: builds the Stylus contracts to processed wasm artifacts, checks that the
# committed Solidity fixtures rebuild byte for byte (when `npm ci` has installed solc), then runs
# every workspace test. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown >/dev/null
cargo run --quiet -p cloudless-cli --bin cloudless -- contracts build
if [ -d node_modules/solc ]; then
  cargo run --quiet -p test-fixtures --features build --bin build-solidity -- --check
else
  echo "note: node_modules/solc missing (run \`npm ci\`); skipping the Solidity fixture rebuild check"
fi
cargo test --workspace "$@"
