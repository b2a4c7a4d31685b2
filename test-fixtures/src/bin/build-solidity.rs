//! Compiles the Solidity fixtures in `test-fixtures/solidity/` and writes
//! `test-fixtures/artifacts/`, or with `--check` verifies that the committed artifacts are exactly
//! what a fresh build produces. Needs node and `npm ci` at the repository root.
//!
//! ```text
//! cargo run -p test-fixtures --features build --bin build-solidity [-- --check]
//! ```

use std::process::ExitCode;

use test_fixtures::build::{self, BuildError, Layout};

const USAGE: &str = "\
usage: build-solidity [--check]

Compiles test-fixtures/solidity/*.sol with npm solc (scripts/solc) and the pinned settings.
  (no flag)  write test-fixtures/artifacts/<Contract>.json
  --check    write nothing; exit 1 listing every contract whose committed artifact differs";

/// Exit status for a check that found differences.
const DIFFERS: u8 = 1;
/// Exit status for bad usage or a failed build.
const FAILED: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["--check"] => true,
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(FAILED);
        }
    };
    match run(&Layout::of_this_checkout(), check) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("build-solidity: {e}");
            ExitCode::from(FAILED)
        }
    }
}

fn run(layout: &Layout, check: bool) -> Result<ExitCode, BuildError> {
    let built = build::compile_all(layout)?;
    for (name, artifact) in &built {
        println!(
            "{:<10} {:<14} creation {:>5} B  runtime {:>5} B",
            name,
            artifact.source,
            artifact.creation.len(),
            artifact.runtime.len()
        );
    }
    let artifacts_dir = layout.display(&layout.artifacts);
    if check {
        let stale = build::interface::stale(layout)?;
        if !stale.is_empty() {
            for (path, _) in &stale {
                eprintln!(
                    "  {} is not what contracts/abi/src/market.rs generates",
                    layout.display(path)
                );
            }
            eprintln!(
                "Fix: run `cargo run -p test-fixtures --features build --bin build-solidity`."
            );
            return Ok(ExitCode::from(DIFFERS));
        }
    } else {
        for path in build::interface::write_exports(layout)? {
            println!("wrote {path}");
        }
    }
    let problems = if check {
        let mismatches = build::check(layout, &built)?;
        if mismatches.is_empty() {
            println!("{artifacts_dir} matches a fresh build");
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("{artifacts_dir} does not match a fresh build:");
        mismatches
    } else {
        let changed = build::write(layout, &built)?;
        if changed.is_empty() {
            println!("{artifacts_dir} unchanged");
        } else {
            println!("{artifacts_dir}: updated {}", changed.join(", "));
        }
        let drift = build::embedding_drift(&built);
        if drift.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("test-fixtures/src/lib.rs does not embed exactly the built contracts:");
        drift
    };
    for mismatch in &problems {
        eprintln!("  {mismatch}");
    }
    eprintln!(
        "Fix: run `cargo run -p test-fixtures --features build --bin build-solidity`, update the \
         embed! list in test-fixtures/src/lib.rs if contracts were added or removed, and commit \
         {artifacts_dir}."
    );
    Ok(ExitCode::from(DIFFERS))
}
