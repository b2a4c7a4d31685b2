//! The comparisons: a replayed receipt against the node's, a replayed account against the
//! node's. Each names the first thing that differs.

use alloy_primitives::{Address, B256, Log, U256};

/// What a receipt says, from either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptFacts {
    /// Whether the transaction succeeded.
    pub success: bool,
    /// Gas used by this transaction.
    pub gas_used: u64,
    /// Its logs, in order.
    pub logs: Vec<Log>,
    /// The address a creation made.
    pub created: Option<Address>,
}

/// The first thing that differs between the replay's value and the node's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Difference {
    /// Success versus failure.
    #[error("status {} vs node {}", status(*.replayed), status(*.node))]
    Status {
        /// Replayed: succeeded.
        replayed: bool,
        /// Node: succeeded.
        node: bool,
    },
    /// Gas used.
    #[error("gas used {replayed} vs node {node}")]
    GasUsed {
        /// Replayed.
        replayed: u64,
        /// Node.
        node: u64,
    },
    /// Number of logs.
    #[error("{replayed} logs vs node {node}")]
    LogCount {
        /// Replayed.
        replayed: usize,
        /// Node.
        node: usize,
    },
    /// A log's emitter.
    #[error("log {index} address {replayed} vs node {node}")]
    LogAddress {
        /// Index of the log in the transaction.
        index: usize,
        /// Replayed.
        replayed: Address,
        /// Node.
        node: Address,
    },
    /// A log's topics.
    #[error("log {index} topics differ")]
    LogTopics {
        /// Index of the log in the transaction.
        index: usize,
    },
    /// A log's data.
    #[error("log {index} data differs")]
    LogData {
        /// Index of the log in the transaction.
        index: usize,
    },
    /// The created contract's address.
    #[error("created address {replayed:?} vs node {node:?}")]
    Created {
        /// Replayed.
        replayed: Option<Address>,
        /// Node.
        node: Option<Address>,
    },
    /// The node's block has a different number of receipts than transactions.
    #[error("the node has no receipt for it")]
    NoReceipt,
    /// An account's balance.
    #[error("balance {replayed} vs node {node}")]
    Balance {
        /// Replayed.
        replayed: U256,
        /// Node.
        node: U256,
    },
    /// An account's nonce.
    #[error("nonce {replayed} vs node {node}")]
    Nonce {
        /// Replayed.
        replayed: u64,
        /// Node.
        node: u64,
    },
    /// An account's code.
    #[error("code hash {replayed} vs node {node}")]
    CodeHash {
        /// Replayed.
        replayed: B256,
        /// Node.
        node: B256,
    },
    /// A storage word.
    #[error("storage slot {slot:#x}: {replayed:#x} vs node {node:#x}")]
    Storage {
        /// The slot.
        slot: U256,
        /// Replayed.
        replayed: U256,
        /// Node.
        node: U256,
    },
}

fn status(success: bool) -> &'static str {
    if success { "success" } else { "failure" }
}

/// The first difference between a replayed receipt and the node's, if any.
pub fn receipts(replayed: &ReceiptFacts, node: &ReceiptFacts) -> Result<(), Difference> {
    if replayed.success != node.success {
        return Err(Difference::Status {
            replayed: replayed.success,
            node: node.success,
        });
    }
    if replayed.gas_used != node.gas_used {
        return Err(Difference::GasUsed {
            replayed: replayed.gas_used,
            node: node.gas_used,
        });
    }
    if replayed.logs.len() != node.logs.len() {
        return Err(Difference::LogCount {
            replayed: replayed.logs.len(),
            node: node.logs.len(),
        });
    }
    for (index, (ours, theirs)) in replayed.logs.iter().zip(&node.logs).enumerate() {
        if ours.address != theirs.address {
            return Err(Difference::LogAddress {
                index,
                replayed: ours.address,
                node: theirs.address,
            });
        }
        if ours.data.topics() != theirs.data.topics() {
            return Err(Difference::LogTopics { index });
        }
        if ours.data.data != theirs.data.data {
            return Err(Difference::LogData { index });
        }
    }
    if replayed.created != node.created {
        return Err(Difference::Created {
            replayed: replayed.created,
            node: node.created,
        });
    }
    Ok(())
}

/// What an account holds, from either side (storage is compared word by word apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountFacts {
    /// Balance in wei.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// Hash of the code (`KECCAK_EMPTY` for none).
    pub code_hash: B256,
}

/// The first difference between a replayed account and the node's, if any.
pub fn accounts(replayed: &AccountFacts, node: &AccountFacts) -> Result<(), Difference> {
    if replayed.balance != node.balance {
        return Err(Difference::Balance {
            replayed: replayed.balance,
            node: node.balance,
        });
    }
    if replayed.nonce != node.nonce {
        return Err(Difference::Nonce {
            replayed: replayed.nonce,
            node: node.nonce,
        });
    }
    if replayed.code_hash != node.code_hash {
        return Err(Difference::CodeHash {
            replayed: replayed.code_hash,
            node: node.code_hash,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Bytes, LogData};

    fn log(topic: u8, data: &'static [u8]) -> Log {
        Log {
            address: Address::repeat_byte(0xaa),
            data: LogData::new_unchecked(vec![B256::repeat_byte(topic)], Bytes::from_static(data)),
        }
    }

    fn receipt() -> ReceiptFacts {
        ReceiptFacts {
            success: true,
            gas_used: 21_000,
            logs: vec![log(1, b"a"), log(2, b"b"), log(3, b"c")],
            created: None,
        }
    }

    #[test]
    fn equal_receipts_pass() {
        assert_eq!(receipts(&receipt(), &receipt()), Ok(()));
    }

    #[test]
    fn different_gas_is_named_with_both_values() {
        let node = ReceiptFacts {
            gas_used: 456,
            ..receipt()
        };
        let replayed = ReceiptFacts {
            gas_used: 123,
            ..receipt()
        };
        let error = receipts(&replayed, &node).unwrap_err();
        assert_eq!(error.to_string(), "gas used 123 vs node 456");
    }

    #[test]
    fn different_status_comes_first() {
        let node = ReceiptFacts {
            success: false,
            gas_used: 1,
            ..receipt()
        };
        let error = receipts(&receipt(), &node).unwrap_err();
        assert_eq!(error.to_string(), "status success vs node failure");
    }

    #[test]
    fn a_log_whose_data_differs_is_named_by_index() {
        let mut node = receipt();
        node.logs[2] = log(3, b"x");
        let error = receipts(&receipt(), &node).unwrap_err();
        assert_eq!(error, Difference::LogData { index: 2 });
        assert_eq!(error.to_string(), "log 2 data differs");
    }

    #[test]
    fn a_log_whose_topics_differ_is_named_by_index() {
        let mut node = receipt();
        node.logs[1] = log(9, b"b");
        assert_eq!(
            receipts(&receipt(), &node),
            Err(Difference::LogTopics { index: 1 })
        );
    }

    #[test]
    fn a_missing_log_is_a_count_difference() {
        let mut node = receipt();
        node.logs.pop();
        assert_eq!(
            receipts(&receipt(), &node).unwrap_err().to_string(),
            "3 logs vs node 2"
        );
    }

    #[test]
    fn a_different_created_address_is_named() {
        let node = ReceiptFacts {
            created: Some(Address::repeat_byte(1)),
            ..receipt()
        };
        assert!(matches!(
            receipts(&receipt(), &node),
            Err(Difference::Created { .. })
        ));
    }

    #[test]
    fn account_differences_name_the_field() {
        let node = AccountFacts {
            balance: U256::from(5),
            nonce: 1,
            code_hash: B256::ZERO,
        };
        let replayed = AccountFacts {
            balance: U256::from(4),
            ..node
        };
        assert_eq!(
            accounts(&replayed, &node).unwrap_err().to_string(),
            "balance 4 vs node 5"
        );
        let replayed = AccountFacts { nonce: 2, ..node };
        assert_eq!(
            accounts(&replayed, &node).unwrap_err().to_string(),
            "nonce 2 vs node 1"
        );
    }
}
