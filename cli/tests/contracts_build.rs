//! `cloudless contracts build --json` builds the real contracts and writes deployable artifacts.

use std::process::Command;

#[test]
fn contracts_build_json_reports_sizes_and_writes_prefixed_code() {
    let artifacts = harness::artifact::Artifacts::locate();
    let output = Command::new(env!("CARGO_BIN_EXE_cloudless"))
        .args(["contracts", "build", "--json"])
        .output()
        .expect("the cloudless binary runs");
    assert!(
        output.status.success(),
        "contracts build failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let report: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("stdout is a JSON array");
    let names: Vec<&str> = report.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"probe") && names.contains(&"erc20"),
        "{names:?}"
    );
    for contract in &report {
        let mut fields: Vec<&String> = contract.as_object().unwrap().keys().collect();
        fields.sort();
        assert_eq!(
            fields,
            ["name", "onchain_bytes", "processed_bytes", "raw_bytes"]
        );
        let name = contract["name"].as_str().unwrap();
        let onchain = contract["onchain_bytes"].as_u64().unwrap();
        assert!(onchain <= 24_576, "{name} is {onchain} on-chain bytes");
        assert!(contract["processed_bytes"].as_u64() <= contract["raw_bytes"].as_u64());

        let code = std::fs::read(artifacts.code_path(name)).unwrap();
        assert_eq!(code.len() as u64, onchain);
        assert_eq!(code[..4], [0xEF, 0xF0, 0x00, 0x00]);
    }
}
