#!/usr/bin/env bash
# The test suite: installs the npm tooling and Chromium if missing, builds the Stylus contracts to
# processed wasm artifacts (the build adds the wasm32 target to a toolchain that lacks it), checks
# that the committed Solidity fixtures rebuild byte for byte, then runs every workspace test. Extra
# arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# solc-js (fixture check), foundry's cast, viem and ethers (the dev node's external-client
# tests), and esbuild, typescript and playwright-core (the console's bundle check and browser
# test) from npm.
if [ ! -x node_modules/@foundry-rs/cast-linux-amd64/bin/cast ] || [ ! -d node_modules/solc ] \
  || [ ! -d node_modules/viem ] || [ ! -d node_modules/ethers ] \
  || [ ! -d node_modules/esbuild ] \
  || [ ! -d node_modules/typescript ] || [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi
# Debian's Chromium for the console's browser test (cli/tests/console_browser.rs).
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "the console's browser test needs Chromium: install Debian's chromium package as root, or set CHROMIUM to a browser" >&2
  fi
fi
cargo run --quiet -p cloudless-cli --bin cloudless -- contracts build
cargo run --quiet -p test-fixtures --features build --bin build-solidity -- --check
cargo test --workspace "$@"
# The auditor's driver example asserts what it shows.
cargo run --quiet -p cloudless-audit --example drive
