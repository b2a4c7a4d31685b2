//! The receipts database (SQLite, WAL, `synchronous=FULL`): every receipt is signed and
//! committed by one writer thread before its caller hears of it, so after a crash every
//! receipt a caller holds is here and each `(placement, epoch)` sequence continues without a
//! gap. Requests wait in one bounded channel (a full one refuses them); the writer commits
//! whatever is waiting in one transaction (group commit).
//!
//! Sealing closes epochs: once the prover has built an epoch's roots no receipt of that epoch
//! is signed any more, so the proven root holds every receipt ever handed out.
//!
//! Schema:
//! - `meta(key, value)`: the chain, market and worker the file belongs to; `sealed`, the last
//!   sealed epoch.
//! - `receipts(placement, epoch, seq, request_hash, response_hash, signature, request)`.
//! - `proofs(placement, epoch, root, count, job, batch, proven_at, size, position, path)`: the
//!   roots sent on-chain, with their place in the committed batch once mined.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, Bytes, keccak256};
use cloudless_abi::{
    court::{ProofRef, Receipt},
    merkle,
    receipt::{digest, domain_separator},
};
use cloudless_client::receipts;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

/// Most receipts committed in one transaction.
const MAX_GROUP: usize = 512;
/// Most receipts waiting for the writer; more are refused (the caller answers 429).
const MAX_WAITING: usize = 4_096;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("receipts database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The file belongs to another chain, market or worker.
    #[error("{0}")]
    Foreign(String),
    /// The epoch's roots were already built: no receipt of it can be signed any more.
    #[error("epoch {epoch} is sealed (its proof is built)")]
    Sealed {
        /// The epoch asked for.
        epoch: u64,
    },
    /// The writer thread is gone.
    #[error("the receipts writer stopped")]
    Stopped,
    /// Too many receipts wait for the writer.
    #[error("{MAX_WAITING} receipts are waiting to be written")]
    Busy,
}

/// A signed, committed receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// The receipt.
    pub receipt: Receipt,
    /// `r ‖ s ‖ v`.
    pub signature: Bytes,
}

/// A stored receipt with the request it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// The receipt and its signature.
    pub signed: Signed,
    /// The request (`None` once pruned).
    pub request: Option<Bytes>,
}

/// An epoch's receipts root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Root {
    /// The placement.
    pub placement: u64,
    /// The epoch.
    pub epoch: u64,
    /// Merkle root of the receipts' digests (zero when none).
    pub root: B256,
    /// Receipts under it.
    pub count: u32,
}

/// A proof the node sent, and where it sits once mined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofRow {
    /// The root sent.
    pub root: Root,
    /// The journal key of the transaction that carries it.
    pub job: String,
    /// The mined transaction, once mined.
    pub tx: Option<B256>,
    /// Its place in the committed batch, once mined.
    pub proof_ref: Option<ProofRef>,
}

enum Op {
    Record {
        placement: u64,
        epoch: u64,
        request: Bytes,
        response_hash: B256,
        reply: oneshot::Sender<Result<Signed, StoreError>>,
    },
    Seal {
        epoch: u64,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

/// The receipts database: a writer thread for receipts and a connection for everything else.
#[derive(Clone)]
pub struct Store {
    ops: mpsc::Sender<Op>,
    db: Arc<Mutex<Connection>>,
    separator: B256,
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let db = Connection::open(path)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    db.busy_timeout(Duration::from_secs(10))?;
    Ok(db)
}

impl Store {
    /// Opens (or creates) the database at `path` for receipts of the market at `market` on
    /// `chain_id`, signed by `worker`; refuses a file written for another.
    pub fn open(
        path: &Path,
        chain_id: u64,
        market: Address,
        worker: PrivateKeySigner,
    ) -> Result<Self, StoreError> {
        let db = open(path)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS receipts (
                 placement INTEGER NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
                 request_hash BLOB NOT NULL, response_hash BLOB NOT NULL,
                 signature BLOB NOT NULL, request BLOB,
                 PRIMARY KEY (placement, epoch, seq)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS proofs (
                 placement INTEGER NOT NULL, epoch INTEGER NOT NULL, root BLOB NOT NULL,
                 count INTEGER NOT NULL, job TEXT NOT NULL, tx BLOB, batch INTEGER,
                 proven_at INTEGER, size INTEGER, position INTEGER, path BLOB,
                 PRIMARY KEY (placement, epoch));",
        )?;
        for (key, value) in [
            ("chain_id", chain_id.to_string()),
            ("market", market.to_string()),
            ("worker", worker.address().to_string()),
        ] {
            check_meta(&db, key, &value)?;
        }
        let separator = domain_separator(chain_id, market);
        let writer = Writer {
            db: open(path)?,
            signer: worker,
            chain_id,
            market,
            next: HashMap::new(),
            sealed: sealed(&db)?,
        };
        let (ops, rx) = mpsc::channel(MAX_WAITING);
        thread::Builder::new()
            .name("receipts-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| StoreError::Foreign(format!("starting the receipts writer: {e}")))?;
        Ok(Self {
            ops,
            db: Arc::new(Mutex::new(db)),
            separator,
        })
    }

    /// Signs the next receipt of `placement` in `epoch` for `request` and its response, and
    /// commits it; resolves once it is on disk.
    pub async fn record(
        &self,
        placement: u64,
        epoch: u64,
        request: Bytes,
        response_hash: B256,
    ) -> Result<Signed, StoreError> {
        let (reply, done) = oneshot::channel();
        self.ops
            .try_send(Op::Record {
                placement,
                epoch,
                request,
                response_hash,
                reply,
            })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => StoreError::Busy,
                mpsc::error::TrySendError::Closed(_) => StoreError::Stopped,
            })?;
        done.await.map_err(|_| StoreError::Stopped)?
    }

    /// Seals every epoch up to `epoch`: no receipt of them is signed after this resolves.
    pub async fn seal(&self, epoch: u64) -> Result<(), StoreError> {
        let (reply, done) = oneshot::channel();
        self.ops
            .send(Op::Seal { epoch, reply })
            .await
            .map_err(|_| StoreError::Stopped)?;
        done.await.map_err(|_| StoreError::Stopped)?
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().expect("store lock")
    }

    /// The digests of the receipts of `placement` in `epoch`, in `seq` order: the tree's
    /// leaves.
    pub fn leaves(&self, placement: u64, epoch: u64) -> Result<Vec<B256>, StoreError> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT seq, request_hash, response_hash FROM receipts
             WHERE placement = ?1 AND epoch = ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![placement as i64, epoch as i64], |r| {
            Ok(Receipt {
                placementId: placement,
                epoch,
                seq: r.get::<_, i64>(0)? as u64,
                requestHash: B256::from_slice(&r.get::<_, Vec<u8>>(1)?),
                responseHash: B256::from_slice(&r.get::<_, Vec<u8>>(2)?),
            })
        })?;
        let mut leaves = Vec::new();
        for receipt in rows {
            leaves.push(digest(self.separator, &receipt?));
        }
        Ok(leaves)
    }

    /// The root and count of `placement` in `epoch` (sealed or not).
    pub fn root(&self, placement: u64, epoch: u64) -> Result<Root, StoreError> {
        let leaves = self.leaves(placement, epoch)?;
        Ok(Root {
            placement,
            epoch,
            root: merkle::root(&leaves),
            count: u32::try_from(leaves.len()).expect("fewer than 2^32 receipts an epoch"),
        })
    }

    /// Receipt `seq` of `placement` in `epoch`.
    pub fn receipt(
        &self,
        placement: u64,
        epoch: u64,
        seq: u64,
    ) -> Result<Option<Stored>, StoreError> {
        let db = self.db();
        let row = db
            .query_row(
                "SELECT request_hash, response_hash, signature, request FROM receipts
                 WHERE placement = ?1 AND epoch = ?2 AND seq = ?3",
                params![placement as i64, epoch as i64, seq as i64],
                |r| {
                    Ok(Stored {
                        signed: Signed {
                            receipt: Receipt {
                                placementId: placement,
                                epoch,
                                seq,
                                requestHash: B256::from_slice(&r.get::<_, Vec<u8>>(0)?),
                                responseHash: B256::from_slice(&r.get::<_, Vec<u8>>(1)?),
                            },
                            signature: r.get::<_, Vec<u8>>(2)?.into(),
                        },
                        request: r.get::<_, Option<Vec<u8>>>(3)?.map(Bytes::from),
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// Records the roots sent in the transaction journaled as `job`.
    pub fn proofs_sent(&self, roots: &[Root], job: &str) -> Result<(), StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        for r in roots {
            tx.execute(
                "INSERT OR REPLACE INTO proofs (placement, epoch, root, count, job)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    r.placement as i64,
                    r.epoch as i64,
                    r.root.as_slice(),
                    r.count,
                    job
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Journal keys of sent proofs whose batch place is not known yet.
    pub fn jobs_without_refs(&self) -> Result<Vec<String>, StoreError> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT DISTINCT job FROM proofs WHERE batch IS NULL")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores where proofs sit in their committed batch, mined in transaction `hash`.
    pub fn set_refs(&self, refs: &[ProofRef], hash: B256) -> Result<(), StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        for r in refs {
            let path: Vec<u8> = r.path.iter().flat_map(|h| h.0).collect();
            tx.execute(
                "UPDATE proofs SET batch = ?3, proven_at = ?4, size = ?5, position = ?6,
                 path = ?7, tx = ?8 WHERE placement = ?1 AND epoch = ?2",
                params![
                    r.placementId as i64,
                    r.epoch as i64,
                    r.batch as i64,
                    r.provenAt as i64,
                    r.size,
                    r.position,
                    path,
                    hash.as_slice()
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The proof sent for `placement` in `epoch`.
    pub fn proof(&self, placement: u64, epoch: u64) -> Result<Option<ProofRow>, StoreError> {
        let db = self.db();
        let row = db
            .query_row(
                "SELECT root, count, job, batch, proven_at, size, position, path, tx FROM proofs
                 WHERE placement = ?1 AND epoch = ?2",
                params![placement as i64, epoch as i64],
                |r| {
                    let root = B256::from_slice(&r.get::<_, Vec<u8>>(0)?);
                    let count: u32 = r.get(1)?;
                    let batch: Option<i64> = r.get(3)?;
                    let proof_ref = match batch {
                        None => None,
                        Some(batch) => Some(ProofRef {
                            placementId: placement,
                            epoch,
                            receiptsRoot: root,
                            count,
                            batch: batch as u64,
                            provenAt: r.get::<_, i64>(4)? as u64,
                            size: r.get(5)?,
                            position: r.get(6)?,
                            path: r
                                .get::<_, Vec<u8>>(7)?
                                .chunks(32)
                                .map(B256::from_slice)
                                .collect(),
                        }),
                    };
                    Ok(ProofRow {
                        root: Root {
                            placement,
                            epoch,
                            root,
                            count,
                        },
                        job: r.get(2)?,
                        tx: r
                            .get::<_, Option<Vec<u8>>>(8)?
                            .map(|b| B256::from_slice(&b)),
                        proof_ref,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// Drops receipts (with their requests) and proofs of epochs before `epoch`: nothing can
    /// dispute them any more. Returns the receipts dropped.
    pub fn prune(&self, epoch: u64) -> Result<usize, StoreError> {
        let db = self.db();
        let dropped = db.execute("DELETE FROM receipts WHERE epoch < ?1", [epoch as i64])?;
        db.execute("DELETE FROM proofs WHERE epoch < ?1", [epoch as i64])?;
        Ok(dropped)
    }
}

fn check_meta(db: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    let stored: Option<String> = db
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?;
    match stored {
        Some(stored) if stored != value => Err(StoreError::Foreign(format!(
            "the receipts database belongs to {key} {stored}, not {value}: use another --data directory"
        ))),
        Some(_) => Ok(()),
        None => {
            db.execute("INSERT INTO meta VALUES (?1, ?2)", [key, value])?;
            Ok(())
        }
    }
}

fn sealed(db: &Connection) -> Result<Option<u64>, StoreError> {
    let value: Option<String> = db
        .query_row("SELECT value FROM meta WHERE key = 'sealed'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()))
}

/// The thread that signs and commits receipts.
struct Writer {
    db: Connection,
    signer: PrivateKeySigner,
    chain_id: u64,
    market: Address,
    /// Next `seq` of each `(placement, epoch)` seen since start.
    next: HashMap<(u64, u64), u64>,
    /// Last sealed epoch.
    sealed: Option<u64>,
}

/// What a committed group owes its callers.
enum Reply {
    Record(oneshot::Sender<Result<Signed, StoreError>>, Signed),
    Seal(oneshot::Sender<Result<(), StoreError>>),
}

impl Writer {
    fn run(mut self, mut ops: mpsc::Receiver<Op>) {
        while let Some(first) = ops.blocking_recv() {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match ops.try_recv() {
                    Ok(op) => group.push(op),
                    Err(_) => break,
                }
            }
            self.commit(group);
        }
    }

    /// Signs and writes a group in one transaction; answers its callers after the commit.
    fn commit(&mut self, group: Vec<Op>) {
        let (sealed, next) = (self.sealed, self.next.clone());
        let mut replies = Vec::with_capacity(group.len());
        let result = self.apply(group, &mut replies);
        if let Err(error) = result {
            // Nothing of the group is on disk: forget the sequence numbers it took.
            (self.sealed, self.next) = (sealed, next);
            let message = error.to_string();
            for reply in replies {
                match reply {
                    Reply::Record(tx, _) => {
                        let _ = tx.send(Err(StoreError::Foreign(message.clone())));
                    }
                    Reply::Seal(tx) => {
                        let _ = tx.send(Err(StoreError::Foreign(message.clone())));
                    }
                }
            }
            return;
        }
        for reply in replies {
            match reply {
                Reply::Record(tx, signed) => {
                    let _ = tx.send(Ok(signed));
                }
                Reply::Seal(tx) => {
                    let _ = tx.send(Ok(()));
                }
            }
        }
    }

    fn apply(&mut self, group: Vec<Op>, replies: &mut Vec<Reply>) -> Result<(), StoreError> {
        let tx = self.db.transaction()?;
        for op in group {
            match op {
                Op::Record {
                    placement,
                    epoch,
                    request,
                    response_hash,
                    reply,
                } => {
                    if self.sealed.is_some_and(|s| epoch <= s) {
                        let _ = reply.send(Err(StoreError::Sealed { epoch }));
                        continue;
                    }
                    let seq = match self.next.get(&(placement, epoch)) {
                        Some(&seq) => seq,
                        None => {
                            let max: Option<i64> = tx.query_row(
                                "SELECT MAX(seq) FROM receipts WHERE placement = ?1 AND epoch = ?2",
                                params![placement as i64, epoch as i64],
                                |r| r.get(0),
                            )?;
                            max.map_or(0, |m| m as u64 + 1)
                        }
                    };
                    let receipt = Receipt {
                        placementId: placement,
                        epoch,
                        seq,
                        requestHash: keccak256(&request),
                        responseHash: response_hash,
                    };
                    let signature =
                        receipts::sign(&self.signer, self.chain_id, self.market, &receipt);
                    tx.prepare_cached("INSERT INTO receipts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
                        .execute(params![
                            placement as i64,
                            epoch as i64,
                            seq as i64,
                            receipt.requestHash.as_slice(),
                            response_hash.as_slice(),
                            signature.as_ref(),
                            request.as_ref()
                        ])?;
                    self.next.insert((placement, epoch), seq + 1);
                    replies.push(Reply::Record(reply, Signed { receipt, signature }));
                }
                Op::Seal { epoch, reply } => {
                    let sealed = self.sealed.map_or(epoch, |s| s.max(epoch));
                    tx.execute(
                        "INSERT OR REPLACE INTO meta VALUES ('sealed', ?1)",
                        [sealed.to_string()],
                    )?;
                    self.sealed = Some(sealed);
                    self.next.retain(|&(_, e), _| e > sealed);
                    replies.push(Reply::Seal(reply));
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use cloudless_client::receipts::{Epoch, recover};

    use super::*;

    const CHAIN: u64 = 412_346;
    const MARKET: Address = Address::repeat_byte(0x5f);

    fn worker() -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).unwrap()
    }

    #[tokio::test]
    async fn receipts_survive_a_reopen_and_their_sequence_continues() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("provider.sqlite");
        let mut expected = Epoch::new(CHAIN, MARKET, 3, 9);
        {
            let store = Store::open(&path, CHAIN, MARKET, worker()).unwrap();
            for i in 0..3u8 {
                let request = Bytes::from(vec![i]);
                let response = Bytes::from(vec![i, i]);
                let signed = store
                    .record(3, 9, request.clone(), keccak256(&response))
                    .await
                    .unwrap();
                let served = expected.record(&worker(), request, response);
                assert_eq!(signed.receipt, served.receipt);
                assert_eq!(signed.signature, served.signature, "the client's signature");
            }
        }
        let store = Store::open(&path, CHAIN, MARKET, worker()).unwrap();
        let signed = store
            .record(3, 9, Bytes::from(vec![3]), keccak256([3, 3]))
            .await
            .unwrap();
        assert_eq!(
            signed.receipt.seq, 3,
            "the sequence continues after a reopen"
        );
        expected.record(&worker(), Bytes::from(vec![3]), Bytes::from(vec![3, 3]));
        let root = store.root(3, 9).unwrap();
        assert_eq!((root.root, root.count), (expected.root(), 4));
        let stored = store.receipt(3, 9, 2).unwrap().unwrap();
        assert_eq!(stored.request, Some(Bytes::from(vec![2])));
        assert_eq!(
            recover(
                CHAIN,
                MARKET,
                &stored.signed.receipt,
                &stored.signed.signature
            )
            .unwrap(),
            worker().address()
        );
        assert!(Store::open(&path, CHAIN + 1, MARKET, worker()).is_err());
    }

    #[tokio::test]
    async fn a_sealed_epoch_signs_no_more_receipts_and_an_empty_one_proves_zero() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.sqlite"), CHAIN, MARKET, worker()).unwrap();
        store.record(1, 4, Bytes::new(), B256::ZERO).await.unwrap();
        store.seal(4).await.unwrap();
        let late = store.record(1, 4, Bytes::new(), B256::ZERO).await;
        assert!(
            matches!(late, Err(StoreError::Sealed { epoch: 4 })),
            "{late:?}"
        );
        assert_eq!(store.root(1, 4).unwrap().count, 1);
        let empty = store.root(2, 4).unwrap();
        assert_eq!((empty.root, empty.count), (B256::ZERO, 0));
        assert_eq!(
            store
                .record(1, 5, Bytes::new(), B256::ZERO)
                .await
                .unwrap()
                .receipt
                .seq,
            0
        );
    }

    #[tokio::test]
    async fn pruning_drops_only_epochs_before_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.sqlite"), CHAIN, MARKET, worker()).unwrap();
        for epoch in [3, 4, 5] {
            store
                .record(1, epoch, Bytes::new(), B256::ZERO)
                .await
                .unwrap();
        }
        assert_eq!(store.prune(5).unwrap(), 2);
        assert!(store.receipt(1, 4, 0).unwrap().is_none());
        assert!(store.receipt(1, 5, 0).unwrap().is_some());
    }
}
