//! Writing freshly compiled artifacts to `test-fixtures/artifacts/`, or comparing them with the
//! committed ones.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt, fs,
    path::PathBuf,
};

use super::{BuildError, Layout};
use crate::SolArtifact;

/// How a committed artifact differs from a fresh build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The build produced the contract but no artifact file is committed.
    NotCommitted,
    /// An artifact file is committed but no source defines the contract any more.
    Stale,
    /// The committed file does not parse as an artifact.
    Unreadable(String),
    /// The committed file differs; lists the fields that differ (`creation`, `runtime`, `abi`, …)
    /// or `formatting` when only the file text differs.
    Differs(Vec<&'static str>),
    /// The artifact exists but `test-fixtures/src/lib.rs` does not embed it.
    NotEmbedded,
    /// `test-fixtures/src/lib.rs` embeds a contract the build did not produce.
    EmbeddedButNotBuilt,
}

/// One contract whose committed state does not match a fresh build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Contract name.
    pub contract: String,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.contract;
        match &self.problem {
            Problem::NotCommitted => {
                write!(f, "{name}: built, but artifacts/{name}.json is missing")
            }
            Problem::Stale => write!(f, "{name}: artifacts/{name}.json has no source any more"),
            Problem::Unreadable(e) => write!(f, "{name}: artifacts/{name}.json is malformed: {e}"),
            Problem::Differs(fields) => {
                write!(
                    f,
                    "{name}: the committed file differs from the build in {}",
                    fields.join(", ")
                )
            }
            Problem::NotEmbedded => {
                write!(
                    f,
                    "{name}: not listed in the embed! list of test-fixtures/src/lib.rs"
                )
            }
            Problem::EmbeddedButNotBuilt => write!(
                f,
                "{name}: listed in test-fixtures/src/lib.rs but no source defines it"
            ),
        }
    }
}

/// Writes one `<Contract>.json` per artifact and deletes artifact files of contracts that no
/// longer exist. Returns the names of the files whose content changed (written or deleted).
pub fn write(
    layout: &Layout,
    built: &BTreeMap<String, SolArtifact>,
) -> Result<Vec<String>, BuildError> {
    let dir = &layout.artifacts;
    fs::create_dir_all(dir).map_err(layout.io_error(dir))?;
    let mut changed = Vec::new();
    for (name, artifact) in built {
        let path = file_for(layout, name);
        let text = artifact.to_json();
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, text).map_err(layout.io_error(&path))?;
            changed.push(format!("{name}.json"));
        }
    }
    for name in committed(layout)? {
        if !built.contains_key(&name) {
            let path = file_for(layout, &name);
            fs::remove_file(&path).map_err(layout.io_error(&path))?;
            changed.push(format!("{name}.json (deleted)"));
        }
    }
    Ok(changed)
}

/// Compares a fresh build with the committed artifact files, byte for byte, and with the list
/// the library embeds. Returns every mismatch, sorted by contract name.
pub fn check(
    layout: &Layout,
    built: &BTreeMap<String, SolArtifact>,
) -> Result<Vec<Mismatch>, BuildError> {
    let mut found = Vec::new();
    let on_disk = committed(layout)?;
    for (name, artifact) in built {
        let problem = if on_disk.contains(name) {
            let path = file_for(layout, name);
            let text = fs::read_to_string(&path).map_err(layout.io_error(&path))?;
            compare(artifact, &text)
        } else {
            Some(Problem::NotCommitted)
        };
        found.extend(problem.map(|problem| Mismatch {
            contract: name.clone(),
            problem,
        }));
    }
    found.extend(
        on_disk
            .iter()
            .filter(|name| !built.contains_key(*name))
            .map(|name| Mismatch {
                contract: name.clone(),
                problem: Problem::Stale,
            }),
    );
    found.extend(embedding_drift(built));
    found.sort_by(|a, b| a.contract.cmp(&b.contract));
    Ok(found)
}

/// Differences between the built contracts and the names `test-fixtures/src/lib.rs` embeds.
pub fn embedding_drift(built: &BTreeMap<String, SolArtifact>) -> Vec<Mismatch> {
    let embedded: BTreeSet<&str> = crate::solidity_names().collect();
    let built_names: BTreeSet<&str> = built.keys().map(String::as_str).collect();
    let not_embedded = built_names.difference(&embedded).map(|name| Mismatch {
        contract: (*name).to_owned(),
        problem: Problem::NotEmbedded,
    });
    let not_built = embedded.difference(&built_names).map(|name| Mismatch {
        contract: (*name).to_owned(),
        problem: Problem::EmbeddedButNotBuilt,
    });
    not_embedded.chain(not_built).collect()
}

/// `None` if `committed` is exactly the rendering of `built`.
fn compare(built: &SolArtifact, committed: &str) -> Option<Problem> {
    if built.to_json() == committed {
        return None;
    }
    let old: SolArtifact = match serde_json::from_str(committed) {
        Ok(old) => old,
        Err(e) => return Some(Problem::Unreadable(e.to_string())),
    };
    let fields = [
        ("creation", built.creation != old.creation),
        ("runtime", built.runtime != old.runtime),
        ("abi", built.abi != old.abi),
        ("compiler", built.compiler != old.compiler),
        ("source", built.source != old.source),
        ("contract", built.contract != old.contract),
    ];
    let differing: Vec<&'static str> = fields
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect();
    Some(Problem::Differs(if differing.is_empty() {
        vec!["formatting"]
    } else {
        differing
    }))
}

/// Contract names of the committed `*.json` files, sorted.
fn committed(layout: &Layout) -> Result<BTreeSet<String>, BuildError> {
    let dir = &layout.artifacts;
    if !dir.exists() {
        return Ok(BTreeSet::new());
    }
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(dir).map_err(layout.io_error(dir))? {
        let path = entry.map_err(layout.io_error(dir))?.path();
        if path.extension().is_some_and(|ext| ext == "json")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            names.insert(stem.to_owned());
        }
    }
    Ok(names)
}

fn file_for(layout: &Layout, name: &str) -> PathBuf {
    layout.artifacts.join(format!("{name}.json"))
}
