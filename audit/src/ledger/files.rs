//! The ledger's files: `ledger.json`, `ledger.csv` and `ledger.svg`, the same bytes for the same
//! chain.

use std::{fmt::Write as _, path::Path};

use super::Ledger;
use crate::AuditError;

impl Ledger {
    /// The ledger as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("the ledger serializes");
        json.push('\n');
        json
    }

    /// One CSV row per deployment and proven epoch, in id and epoch order.
    pub fn to_csv(&self) -> String {
        let mut csv = String::from("deployment,epoch,owner,proofs,paid,fee,misses,owed,balance\n");
        for (id, d) in &self.deployments {
            for (epoch, row) in &d.epochs {
                writeln!(
                    csv,
                    "{id},{epoch},{},{},{},{},{},{},{}",
                    d.owner, row.proofs, row.paid, row.fee, row.misses, row.owed, row.balance
                )
                .expect("writing to a string");
            }
        }
        csv
    }

    /// Writes `ledger.json`, `ledger.csv` and, when an epoch was proven, `ledger.svg` into
    /// `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<(), AuditError> {
        let file_error = |path: &Path, e: std::io::Error| AuditError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        let svg = crate::plot::svg(self).map_err(|reason| AuditError::File {
            path: dir.join("ledger.svg").display().to_string(),
            reason,
        })?;
        let files = [
            ("ledger.json", Some(self.to_json())),
            ("ledger.csv", Some(self.to_csv())),
            ("ledger.svg", svg),
        ];
        for (name, text) in files.into_iter().filter_map(|(n, t)| Some((n, t?))) {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| file_error(&path, e))?;
        }
        Ok(())
    }
}
