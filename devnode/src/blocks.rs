//! The block model: mined transactions with their receipts, and blocks with real headers.

use alloy::{
    consensus::{
        EMPTY_OMMER_ROOT_HASH, Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom,
        Transaction as _, TxEnvelope, proofs,
    },
    eips::eip2718::Encodable2718,
};
use alloy_primitives::{Address, B256, Bloom, Bytes, Log, U256};

/// Beneficiary of every block, and `eth_coinbase`: the zero address. Nothing mines; priority
/// fees go there.
pub(crate) const COINBASE: Address = Address::ZERO;

/// A transaction as mined, with its receipt.
#[derive(Clone, Debug)]
pub(crate) struct MinedTx {
    /// The signed transaction.
    pub tx: TxEnvelope,
    /// Its recovered sender.
    pub from: Address,
    /// Its hash.
    pub hash: B256,
    /// Consensus receipt (status, cumulative gas, logs, bloom).
    pub receipt: ReceiptEnvelope<Log>,
    /// Gas used by this transaction.
    pub gas_used: u64,
    /// Price per gas actually paid.
    pub effective_gas_price: u128,
    /// Address created by a successful creation.
    pub contract_address: Option<Address>,
    /// Index of its first log in the block.
    pub first_log_index: u64,
}

impl MinedTx {
    /// Builds the mined record of `tx` from its execution outcome.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        tx: TxEnvelope,
        from: Address,
        success: bool,
        gas_used: u64,
        cumulative_gas_used: u64,
        logs: Vec<Log>,
        basefee: u64,
        contract_address: Option<Address>,
        first_log_index: u64,
    ) -> Self {
        let receipt = Receipt {
            status: Eip658Value::Eip658(success),
            cumulative_gas_used,
            logs,
        };
        let effective_gas_price = tx.effective_gas_price(Some(basefee));
        Self {
            hash: *tx.tx_hash(),
            receipt: ReceiptEnvelope::from_typed(tx.tx_type(), ReceiptWithBloom::from(receipt)),
            tx,
            from,
            gas_used,
            effective_gas_price,
            contract_address,
            first_log_index,
        }
    }

    /// The logs.
    pub(crate) fn logs(&self) -> &[Log] {
        self.receipt.logs()
    }
}

/// A sealed block.
#[derive(Clone, Debug)]
pub(crate) struct MinedBlock {
    /// Header.
    pub header: Header,
    /// Hash of the header.
    pub hash: B256,
    /// Transactions in order.
    pub txs: Vec<MinedTx>,
}

/// What a block is built from.
pub(crate) struct BlockParts {
    /// Parent hash (zero for genesis).
    pub parent_hash: B256,
    /// Number.
    pub number: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Base fee.
    pub basefee: u64,
    /// State digest after the block.
    pub state_root: B256,
}

impl MinedBlock {
    /// Seals `txs` into a block.
    pub(crate) fn seal(parts: BlockParts, txs: Vec<MinedTx>) -> Self {
        let envelopes: Vec<&TxEnvelope> = txs.iter().map(|t| &t.tx).collect();
        let receipts: Vec<&ReceiptEnvelope<Log>> = txs.iter().map(|t| &t.receipt).collect();
        let mut logs_bloom = Bloom::ZERO;
        for r in &receipts {
            logs_bloom |= r.logs_bloom();
        }
        let header = Header {
            parent_hash: parts.parent_hash,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: COINBASE,
            state_root: parts.state_root,
            transactions_root: proofs::calculate_transaction_root(&envelopes),
            receipts_root: proofs::calculate_receipt_root(&receipts),
            logs_bloom,
            difficulty: U256::ZERO,
            number: parts.number,
            gas_limit: parts.gas_limit,
            gas_used: txs.iter().map(|t| t.gas_used).sum(),
            timestamp: parts.timestamp,
            extra_data: Bytes::new(),
            base_fee_per_gas: Some(parts.basefee),
            ..Default::default()
        };
        Self {
            hash: header.hash_slow(),
            header,
            txs,
        }
    }

    /// The signed transactions, EIP-2718 encoded.
    pub(crate) fn raw_txs(&self) -> Vec<Bytes> {
        self.txs
            .iter()
            .map(|t| t.tx.encoded_2718().into())
            .collect()
    }

    /// Number.
    pub(crate) fn number(&self) -> u64 {
        self.header.number
    }

    /// Timestamp.
    pub(crate) fn timestamp(&self) -> u64 {
        self.header.timestamp
    }
}
