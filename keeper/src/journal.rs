//! The SQLite journal: every transaction's intent is written here before it is broadcast.
//!
//! One file in WAL mode with `synchronous=FULL`: a commit is on disk before the keeper
//! broadcasts the transaction it records, so after any crash the journal knows every nonce the
//! keeper may have used (NORMAL could lose the last commit on power loss, and with it a nonce
//! already on the wire). The keeper writes a few rows per transaction, so FULL costs nothing
//! that matters.
//!
//! Schema (version [`SCHEMA_VERSION`], in `PRAGMA user_version`; see `MIGRATIONS`):
//! - `meta(key, value)`: the chain id and keeper address the journal belongs to.
//! - `jobs(id, key, kind, target, calldata, nonce UNIQUE, status, attempts, last_error,
//!   created_block, mined_block)`: one row per nonce the keeper assigned. `status` is
//!   `pending` (signed and recorded, maybe on the wire), `mined` (a receipt with success),
//!   `reverted` (mined but reverted), `cancelled` (its nonce was consumed by the keeper's own
//!   0-value self-transfer), or `superseded` (the nonce was consumed by a transaction the keeper
//!   never recorded, e.g. the same key used elsewhere).
//! - `txs(hash, job_id, raw, max_fee, tip, noop, sent_block)`: every signed attempt of a job,
//!   replacements included, with the raw bytes so a restart can rebroadcast it.
//! - `failures(key, calldata_hash, count, retry_at, parked, last_error)` (`retry_at` in ms since
//!   the Unix epoch): failures of a job
//!   that are not lost races, for bounded retries with backoff and parking.
//! - `verified(placement, epoch, outcome, bond, at_epoch)`: every proof the keeper verified
//!   and what came of it (`correct`, `disputed`, `challenged`, …), with the bond it locked in
//!   `at_epoch`: a restart verifies nothing twice and keeps to the epoch's bond budget.

use std::path::Path;

use alloy_primitives::{Address, B256, Bytes, keccak256};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::Error;

/// The schema's migrations, oldest first: applying `MIGRATIONS[v]` takes a journal from
/// `user_version` `v` to `v + 1`. Version 1 is the schema from before versioning, written with
/// `IF NOT EXISTS` so that an unversioned journal (version 0, its tables already there) keeps
/// its rows. Append new versions; never edit a released one.
const MIGRATIONS: &[&str] = &[
    // 1: meta, jobs, txs, failures, verified.
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS jobs (
         id INTEGER PRIMARY KEY, key TEXT NOT NULL, kind TEXT NOT NULL,
         target BLOB NOT NULL, calldata BLOB NOT NULL, nonce INTEGER NOT NULL UNIQUE,
         status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1, last_error TEXT,
         created_block INTEGER NOT NULL, mined_block INTEGER);
     CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status);
     CREATE TABLE IF NOT EXISTS txs (
         hash BLOB PRIMARY KEY, job_id INTEGER NOT NULL REFERENCES jobs(id),
         raw BLOB NOT NULL, max_fee TEXT NOT NULL, tip TEXT NOT NULL,
         noop INTEGER NOT NULL, sent_block INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS failures (
         key TEXT NOT NULL, calldata_hash BLOB NOT NULL, count INTEGER NOT NULL,
         retry_at INTEGER NOT NULL, parked INTEGER NOT NULL, last_error TEXT,
         PRIMARY KEY (key, calldata_hash));
     CREATE TABLE IF NOT EXISTS verified (
         placement INTEGER NOT NULL, epoch INTEGER NOT NULL, outcome TEXT NOT NULL,
         bond TEXT NOT NULL, at_epoch INTEGER NOT NULL,
         PRIMARY KEY (placement, epoch));",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the journal to [`SCHEMA_VERSION`] in one transaction; refuses a newer one.
fn migrate(db: &mut Connection) -> Result<(), Error> {
    // IMMEDIATE: a second keeper opening the same file waits instead of migrating alongside.
    let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::JournalTooNew {
            version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    for migration in &MIGRATIONS[version as usize..] {
        tx.execute_batch(migration)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// A job the keeper assigned a nonce to.
#[derive(Clone, Debug)]
pub struct Job {
    /// Row id.
    pub id: i64,
    /// What it is for (`match:7`, `evict:3`, …): keepers never run two jobs of one key at once.
    pub key: String,
    /// `match`, `evict`, `close` or `finalize`.
    pub kind: String,
    /// The contract called.
    pub target: Address,
    /// The call.
    pub calldata: Bytes,
    /// The nonce it consumes.
    pub nonce: u64,
    /// Chain head when it was planned.
    pub created_block: u64,
    /// Every signed attempt, oldest first.
    pub attempts: Vec<Attempt>,
}

/// One signed transaction of a job.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// Its hash.
    pub hash: B256,
    /// The signed envelope (EIP-2718).
    pub raw: Bytes,
    /// Its fee cap, wei per gas.
    pub max_fee: u128,
    /// Its priority fee, wei per gas.
    pub tip: u128,
    /// A 0-value self-transfer that only consumes the nonce.
    pub noop: bool,
    /// Chain head when it was signed.
    pub sent_block: u64,
}

/// How a job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Mined with success.
    Mined,
    /// Mined and reverted.
    Reverted,
    /// Our self-transfer consumed the nonce instead.
    Cancelled,
    /// Another transaction consumed the nonce.
    Superseded,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Mined => "mined",
            Outcome::Reverted => "reverted",
            Outcome::Cancelled => "cancelled",
            Outcome::Superseded => "superseded",
        }
    }
}

/// Retry state of a failing job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    /// Failures so far.
    pub count: u32,
    /// When it may be tried again, milliseconds since the Unix epoch.
    pub retry_at: u64,
    /// Retries are exhausted: reported, never tried again.
    pub parked: bool,
}

/// The open journal.
pub struct Journal {
    db: Connection,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for `chain_id` and `keeper`; refuses a journal
    /// written for another chain or account.
    pub fn open(path: &Path, chain_id: u64, keeper: Address) -> Result<Self, Error> {
        let mut db = Connection::open(path)?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut db)?;
        let journal = Self { db };
        journal.check_meta("chain_id", &chain_id.to_string())?;
        journal.check_meta("keeper", &keeper.to_string())?;
        Ok(journal)
    }

    fn check_meta(&self, key: &str, value: &str) -> Result<(), Error> {
        let stored: Option<String> = self
            .db
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        match stored {
            Some(stored) if stored != value => Err(Error::Journal(format!(
                "the journal belongs to {key} {stored}, not {value}: use another --journal file"
            ))),
            Some(_) => Ok(()),
            None => {
                self.db
                    .execute("INSERT INTO meta VALUES (?1, ?2)", [key, value])?;
                Ok(())
            }
        }
    }

    /// Whether the proof of `placement` in `epoch` was verified.
    pub fn verified(&self, placement: u64, epoch: u64) -> Result<bool, Error> {
        let found: Option<i64> = self
            .db
            .query_row(
                "SELECT 1 FROM verified WHERE placement = ?1 AND epoch = ?2",
                params![placement as i64, epoch as i64],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// Records the verification of `placement`'s proof of `epoch`: its `outcome` and the
    /// `bond` it locked in epoch `at_epoch`.
    pub fn record_verified(
        &self,
        placement: u64,
        epoch: u64,
        outcome: &str,
        bond: u128,
        at_epoch: u64,
    ) -> Result<(), Error> {
        self.db.execute(
            "INSERT OR REPLACE INTO verified VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                placement as i64,
                epoch as i64,
                outcome,
                bond.to_string(),
                at_epoch as i64
            ],
        )?;
        Ok(())
    }

    /// Bonds locked by verifications in epoch `at_epoch`.
    pub fn bonds_in(&self, at_epoch: u64) -> Result<u128, Error> {
        let mut query = self
            .db
            .prepare("SELECT bond FROM verified WHERE at_epoch = ?1")?;
        let bonds = query.query_map([at_epoch as i64], |r| r.get::<_, String>(0))?;
        let mut total = 0u128;
        for bond in bonds {
            total += bond?.parse::<u128>().unwrap_or(0);
        }
        Ok(total)
    }

    /// Records a new job and its first signed attempt in one transaction (before broadcast).
    pub fn record(&mut self, job: &Job) -> Result<i64, Error> {
        let tx = self.db.transaction()?;
        tx.execute(
            "INSERT INTO jobs (key, kind, target, calldata, nonce, status, created_block)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
            params![
                job.key,
                job.kind,
                job.target.as_slice(),
                job.calldata.as_ref(),
                job.nonce as i64,
                job.created_block as i64
            ],
        )?;
        let id = tx.last_insert_rowid();
        for attempt in &job.attempts {
            insert_attempt(&tx, id, attempt)?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Records a replacement of job `id` (before broadcast).
    pub fn add_attempt(&mut self, id: i64, attempt: &Attempt) -> Result<(), Error> {
        let tx = self.db.transaction()?;
        insert_attempt(&tx, id, attempt)?;
        tx.execute(
            "UPDATE jobs SET attempts = attempts + 1 WHERE id = ?1",
            [id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Ends job `id`.
    pub fn finish(
        &self,
        id: i64,
        outcome: Outcome,
        block: Option<u64>,
        error: Option<&str>,
    ) -> Result<(), Error> {
        self.db.execute(
            "UPDATE jobs SET status = ?2, mined_block = ?3, last_error = ?4 WHERE id = ?1",
            params![id, outcome.as_str(), block.map(|b| b as i64), error],
        )?;
        Ok(())
    }

    /// Notes a broadcast error on job `id` (it stays pending).
    pub fn note_error(&self, id: i64, error: &str) -> Result<(), Error> {
        self.db.execute(
            "UPDATE jobs SET last_error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    /// Pending jobs in nonce order, with their attempts.
    pub fn pending(&self) -> Result<Vec<Job>, Error> {
        let mut jobs = Vec::new();
        let mut stmt = self.db.prepare(
            "SELECT id, key, kind, target, calldata, nonce, created_block FROM jobs
             WHERE status = 'pending' ORDER BY nonce",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Job {
                id: r.get(0)?,
                key: r.get(1)?,
                kind: r.get(2)?,
                target: Address::from_slice(&r.get::<_, Vec<u8>>(3)?),
                calldata: r.get::<_, Vec<u8>>(4)?.into(),
                nonce: r.get::<_, i64>(5)? as u64,
                created_block: r.get::<_, i64>(6)? as u64,
                attempts: Vec::new(),
            })
        })?;
        for job in rows {
            jobs.push(job?);
        }
        let mut stmt = self.db.prepare(
            "SELECT hash, raw, max_fee, tip, noop, sent_block FROM txs WHERE job_id = ?1
             ORDER BY rowid",
        )?;
        for job in &mut jobs {
            let rows = stmt.query_map([job.id], |r| {
                Ok(Attempt {
                    hash: B256::from_slice(&r.get::<_, Vec<u8>>(0)?),
                    raw: r.get::<_, Vec<u8>>(1)?.into(),
                    max_fee: r.get::<_, String>(2)?.parse().unwrap_or_default(),
                    tip: r.get::<_, String>(3)?.parse().unwrap_or_default(),
                    noop: r.get(4)?,
                    sent_block: r.get::<_, i64>(5)? as u64,
                })
            })?;
            for attempt in rows {
                job.attempts.push(attempt?);
            }
        }
        Ok(jobs)
    }

    /// The attempts of the mined jobs of `key` (one of them is the mined transaction), with
    /// their job's calldata.
    pub fn mined_attempts(&self, key: &str) -> Result<Vec<(B256, Bytes)>, Error> {
        let mut stmt = self.db.prepare(
            "SELECT txs.hash, jobs.calldata FROM txs JOIN jobs ON txs.job_id = jobs.id
             WHERE jobs.key = ?1 AND jobs.status = 'mined' ORDER BY txs.rowid",
        )?;
        let rows = stmt.query_map([key], |r| {
            Ok((
                B256::from_slice(&r.get::<_, Vec<u8>>(0)?),
                Bytes::from(r.get::<_, Vec<u8>>(1)?),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The highest nonce the journal ever assigned.
    pub fn max_nonce(&self) -> Result<Option<u64>, Error> {
        let max: Option<i64> = self
            .db
            .query_row("SELECT MAX(nonce) FROM jobs", [], |r| r.get(0))?;
        Ok(max.map(|n| n as u64))
    }

    /// Jobs that ended at a block after `block` (their effect may not be ingested yet):
    /// `(key, mined block)`.
    pub fn settled_after(&self, block: u64) -> Result<Vec<(String, u64)>, Error> {
        let mut stmt = self
            .db
            .prepare("SELECT key, mined_block FROM jobs WHERE mined_block > ?1")?;
        let rows = stmt.query_map([block as i64], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The retry state of `key` with `calldata`.
    pub fn failure(&self, key: &str, calldata: &[u8]) -> Result<Failure, Error> {
        Ok(self
            .db
            .query_row(
                "SELECT count, retry_at, parked FROM failures
                 WHERE key = ?1 AND calldata_hash = ?2",
                params![key, keccak256(calldata).as_slice()],
                |r| {
                    Ok(Failure {
                        count: r.get(0)?,
                        retry_at: r.get::<_, i64>(1)? as u64,
                        parked: r.get(2)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Stores the retry state of `key` with `calldata`.
    pub fn set_failure(
        &self,
        key: &str,
        calldata: &[u8],
        failure: &Failure,
        error: &str,
    ) -> Result<(), Error> {
        self.db.execute(
            "INSERT OR REPLACE INTO failures VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                key,
                keccak256(calldata).as_slice(),
                failure.count,
                failure.retry_at as i64,
                failure.parked,
                error
            ],
        )?;
        Ok(())
    }

    /// Parked jobs so far.
    pub fn parked(&self) -> Result<u64, Error> {
        let n: i64 = self
            .db
            .query_row("SELECT COUNT(*) FROM failures WHERE parked", [], |r| {
                r.get(0)
            })?;
        Ok(n as u64)
    }
}

fn insert_attempt(tx: &rusqlite::Transaction<'_>, id: i64, a: &Attempt) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO txs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            a.hash.as_slice(),
            id,
            a.raw.as_ref(),
            a.max_fee.to_string(),
            a.tip.to_string(),
            a.noop,
            a.sent_block as i64
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_jobs_attempts_and_failures_across_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.sqlite");
        let keeper = Address::repeat_byte(1);
        let attempt = |b: u8| Attempt {
            hash: B256::repeat_byte(b),
            raw: vec![b].into(),
            max_fee: 10,
            tip: 1,
            noop: false,
            sent_block: 5,
        };
        {
            let mut j = Journal::open(&path, 1, keeper).unwrap();
            let job = Job {
                id: 0,
                key: "match:1".into(),
                kind: "match".into(),
                target: Address::repeat_byte(2),
                calldata: vec![1, 2].into(),
                nonce: 7,
                created_block: 4,
                attempts: vec![attempt(9)],
            };
            let id = j.record(&job).unwrap();
            j.add_attempt(id, &attempt(10)).unwrap();
            let f = Failure {
                count: 2,
                retry_at: 9,
                parked: false,
            };
            j.set_failure("evict:1", &[3], &f, "boom").unwrap();
        }
        let j = Journal::open(&path, 1, keeper).unwrap();
        let pending = j.pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].nonce, 7);
        assert_eq!(pending[0].attempts.len(), 2);
        assert_eq!(pending[0].attempts[1].hash, B256::repeat_byte(10));
        assert_eq!(j.max_nonce().unwrap(), Some(7));
        assert_eq!(j.failure("evict:1", &[3]).unwrap().count, 2);
        j.finish(pending[0].id, Outcome::Mined, Some(12), None)
            .unwrap();
        assert!(j.pending().unwrap().is_empty());
        assert_eq!(j.settled_after(11).unwrap(), vec![("match:1".into(), 12)]);
        assert_eq!(
            j.mined_attempts("match:1").unwrap(),
            [
                (B256::repeat_byte(9), Bytes::from(vec![1, 2])),
                (B256::repeat_byte(10), Bytes::from(vec![1, 2]))
            ]
        );
        assert!(j.mined_attempts("evict:1").unwrap().is_empty());
        assert!(Journal::open(&path, 2, keeper).is_err());
    }

    fn user_version(path: &Path) -> u32 {
        let db = Connection::open(path).unwrap();
        db.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_journal_has_the_latest_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.sqlite");
        Journal::open(&path, 1, Address::ZERO).unwrap();
        assert_eq!(user_version(&path), SCHEMA_VERSION);
    }

    #[test]
    fn an_unversioned_journal_upgrades_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.sqlite");
        // What keepers wrote before versioning: version 1's tables, `user_version` 0.
        let db = Connection::open(&path).unwrap();
        db.execute_batch(MIGRATIONS[0]).unwrap();
        db.execute("INSERT INTO meta VALUES ('chain_id', '1')", [])
            .unwrap();
        db.execute(
            "INSERT INTO jobs (key, kind, target, calldata, nonce, status, created_block)
             VALUES ('match:1', 'match', ?1, x'01', 7, 'pending', 1)",
            [Address::repeat_byte(2).as_slice()],
        )
        .unwrap();
        drop(db);
        assert_eq!(user_version(&path), 0);

        let journal = Journal::open(&path, 1, Address::ZERO).unwrap();
        assert_eq!(user_version(&path), SCHEMA_VERSION);
        let pending = journal.pending().unwrap();
        assert_eq!(pending.len(), 1, "the old journal's job survives");
        assert_eq!((pending[0].key.as_str(), pending[0].nonce), ("match:1", 7));
        // The chain id written before versioning still guards the journal.
        assert!(Journal::open(&path, 2, Address::ZERO).is_err());
    }

    #[test]
    fn a_journal_from_a_newer_keeper_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.sqlite");
        Journal::open(&path, 1, Address::ZERO).unwrap();
        let db = Connection::open(&path).unwrap();
        db.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(db);
        let refused = Journal::open(&path, 1, Address::ZERO).err();
        assert!(
            matches!(
                refused,
                Some(Error::JournalTooNew { version, supported })
                    if version == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
            ),
            "{refused:?}"
        );
        assert_eq!(user_version(&path), SCHEMA_VERSION + 1);
    }

    #[test]
    fn a_failed_migration_leaves_the_journal_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.sqlite");
        // A table where version 1 creates an index: its migration fails half way.
        let db = Connection::open(&path).unwrap();
        db.execute_batch("CREATE TABLE jobs_status (x)").unwrap();
        drop(db);
        assert!(Journal::open(&path, 1, Address::ZERO).is_err());
        let db = Connection::open(&path).unwrap();
        let tables: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            tables,
            ["jobs_status"],
            "the tables created before it rolled back"
        );
        assert_eq!(user_version(&path), 0);
    }
}
