//! A blocking JSON-RPC client: the few reads a replay needs, each on the client's own
//! single-threaded runtime, so the replay (and revm's synchronous database) never runs inside
//! an async context.

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Block, TransactionReceipt},
    transports::TransportError,
};
use alloy_primitives::{Address, Bytes, U256};
use std::future::{Future, IntoFuture};

use crate::AuditError;

/// A connection to a node.
pub struct Rpc {
    runtime: tokio::runtime::Runtime,
    provider: DynProvider,
}

impl std::fmt::Debug for Rpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rpc").finish_non_exhaustive()
    }
}

impl Rpc {
    /// Most state reads in flight at once.
    const IN_FLIGHT: usize = 16;

    /// A client of the node at `url` (http or https).
    pub fn connect(url: &str) -> Result<Self, AuditError> {
        let parsed = url.parse().map_err(|e| AuditError::Rpc {
            what: format!("connect to {url}"),
            reason: format!("not a URL: {e}"),
        })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AuditError::Rpc {
                what: "start the client runtime".into(),
                reason: e.to_string(),
            })?;
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(parsed)
            .erased();
        Ok(Self { runtime, provider })
    }

    fn run<T, E: std::fmt::Display>(
        &self,
        what: impl FnOnce() -> String,
        future: impl Future<Output = Result<T, E>>,
    ) -> Result<T, AuditError> {
        self.runtime.block_on(future).map_err(|e| AuditError::Rpc {
            what: what(),
            reason: e.to_string(),
        })
    }

    /// `eth_chainId`.
    pub fn chain_id(&self) -> Result<u64, AuditError> {
        self.run(|| "eth_chainId".into(), self.provider.get_chain_id())
    }

    /// `eth_blockNumber`.
    pub fn head(&self) -> Result<u64, AuditError> {
        self.run(
            || "eth_blockNumber".into(),
            self.provider.get_block_number(),
        )
    }

    /// Block `number` with its full transactions.
    pub fn block(&self, number: u64) -> Result<Block, AuditError> {
        let block = self.run(
            || format!("eth_getBlockByNumber({number})"),
            self.provider
                .get_block_by_number(BlockNumberOrTag::Number(number))
                .full()
                .into_future(),
        )?;
        block.ok_or_else(|| AuditError::Missing(format!("block {number}")))
    }

    /// The receipts of block `number`, in transaction order.
    pub fn receipts(&self, number: u64) -> Result<Vec<TransactionReceipt>, AuditError> {
        let receipts = self.run(
            || format!("eth_getBlockReceipts({number})"),
            self.provider.get_block_receipts(BlockId::number(number)),
        )?;
        receipts.ok_or_else(|| AuditError::Missing(format!("receipts of block {number}")))
    }

    /// Balance of `address` after block `at`.
    pub fn balance(&self, address: Address, at: u64) -> Result<U256, AuditError> {
        self.run(
            || format!("eth_getBalance({address}, {at})"),
            self.provider
                .get_balance(address)
                .block_id(BlockId::number(at))
                .into_future(),
        )
    }

    /// Nonce of `address` after block `at`.
    pub fn nonce(&self, address: Address, at: u64) -> Result<u64, AuditError> {
        self.run(
            || format!("eth_getTransactionCount({address}, {at})"),
            self.provider
                .get_transaction_count(address)
                .block_id(BlockId::number(at))
                .into_future(),
        )
    }

    /// Code of `address` after block `at`.
    pub fn code(&self, address: Address, at: u64) -> Result<Bytes, AuditError> {
        self.run(
            || format!("eth_getCode({address}, {at})"),
            self.provider
                .get_code_at(address)
                .block_id(BlockId::number(at))
                .into_future(),
        )
    }

    /// The balance, nonce and code of each of `accounts` after block `at`, in order, a few
    /// requests at a time.
    pub fn accounts(
        &self,
        accounts: &[Address],
        at: u64,
    ) -> Result<Vec<(U256, u64, Bytes)>, AuditError> {
        self.all(accounts, move |provider, address| async move {
            let block = BlockId::number(at);
            let balance = provider.get_balance(address).block_id(block).await;
            let balance = balance.map_err(|e| (format!("eth_getBalance({address}, {at})"), e))?;
            let nonce = provider
                .get_transaction_count(address)
                .block_id(block)
                .await;
            let nonce =
                nonce.map_err(|e| (format!("eth_getTransactionCount({address}, {at})"), e))?;
            let code = provider.get_code_at(address).block_id(block).await;
            let code = code.map_err(|e| (format!("eth_getCode({address}, {at})"), e))?;
            Ok((balance, nonce, code))
        })
    }

    /// The storage words at `slots` (account and slot) after block `at`, in order, a few
    /// requests at a time.
    pub fn storage_words(
        &self,
        slots: &[(Address, U256)],
        at: u64,
    ) -> Result<Vec<U256>, AuditError> {
        self.all(slots, move |provider, (address, slot)| async move {
            let word = provider.get_storage_at(address, slot);
            word.block_id(BlockId::number(at))
                .await
                .map_err(|e| (format!("eth_getStorageAt({address}, {slot:#x}, {at})"), e))
        })
    }

    /// `read` of each of `keys`, at most [`Rpc::IN_FLIGHT`] at once; the answers in the keys'
    /// order, or the failure of the first key (in that order) that failed.
    fn all<K, T, F>(
        &self,
        keys: &[K],
        read: impl Fn(DynProvider, K) -> F,
    ) -> Result<Vec<T>, AuditError>
    where
        K: Copy,
        T: Send + 'static,
        F: Future<Output = Result<T, (String, TransportError)>> + Send + 'static,
    {
        self.runtime.block_on(async {
            let mut answers: Vec<Option<Result<T, AuditError>>> =
                std::iter::repeat_with(|| None).take(keys.len()).collect();
            let mut pending = tokio::task::JoinSet::new();
            let mut keys = keys.iter().copied().enumerate();
            loop {
                while pending.len() < Self::IN_FLIGHT {
                    let Some((index, key)) = keys.next() else {
                        break;
                    };
                    let read = read(self.provider.clone(), key);
                    pending.spawn(async move { (index, read.await) });
                }
                let Some(joined) = pending.join_next().await else {
                    break;
                };
                let (index, answer) = joined.map_err(|e| AuditError::Rpc {
                    what: "a state read".into(),
                    reason: e.to_string(),
                })?;
                answers[index] = Some(answer.map_err(|(what, e)| AuditError::Rpc {
                    what,
                    reason: e.to_string(),
                }));
            }
            answers.into_iter().flatten().collect()
        })
    }

    /// Storage word `slot` of `address` after block `at`.
    pub fn storage(&self, address: Address, slot: U256, at: u64) -> Result<U256, AuditError> {
        self.run(
            || format!("eth_getStorageAt({address}, {slot:#x}, {at})"),
            self.provider
                .get_storage_at(address, slot)
                .block_id(BlockId::number(at))
                .into_future(),
        )
    }
}
