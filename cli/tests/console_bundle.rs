//! The console's committed bundle (`console/dist`, embedded in the `cloudless` binary) is what
//! its sources build to, and the sources type-check, as the Solidity fixtures are checked
//! against theirs. Needs `npm ci` (scripts/test.sh runs it).

use std::{path::Path, process::Command};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn npm_tool(path: &str) -> std::path::PathBuf {
    let tool = repo().join(path);
    assert!(
        tool.exists(),
        "{} is missing: run `npm ci --no-audit --no-fund` at the repository root",
        tool.display()
    );
    tool
}

#[test]
fn the_committed_bundle_is_what_the_sources_build_to() {
    npm_tool("node_modules/esbuild");
    let out = tempfile::tempdir().unwrap();
    let built = Command::new("node")
        .arg(repo().join("console/build.mjs"))
        .arg(out.path())
        .output()
        .expect("node runs console/build.mjs");
    assert!(
        built.status.success(),
        "the console does not build:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    for file in ["index.html", "app.js", "app.css"] {
        let fresh = std::fs::read(out.path().join(file)).unwrap();
        let committed = std::fs::read(repo().join("console/dist").join(file)).unwrap_or_default();
        assert!(
            fresh == committed,
            "console/dist/{file} is stale: run `node console/build.mjs` and commit console/dist"
        );
    }
}

#[test]
fn the_console_sources_type_check() {
    let tsc = npm_tool("node_modules/.bin/tsc");
    let checked = Command::new(tsc)
        .args(["-p", "console/tsconfig.json"])
        .current_dir(repo())
        .output()
        .expect("tsc runs");
    assert!(
        checked.status.success(),
        "tsc finds type errors in console/src:\n{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}
