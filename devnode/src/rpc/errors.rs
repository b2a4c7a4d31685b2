//! JSON-RPC errors with the codes and messages geth and anvil use.

use alloy_primitives::Bytes;
use alloy_sol_types::{Revert, SolError};
use jsonrpsee::types::ErrorObjectOwned;
use revm::context::result::InvalidTransaction;

/// An error answer to a JSON-RPC call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RpcError {
    /// -32602: the parameters do not parse or make no sense.
    InvalidParams(String),
    /// -32000: the request is valid JSON-RPC but the node refuses it (geth's server error).
    Server(String),
    /// 3: the call reverted; data carries the revert payload, and the message its
    /// `Error(string)` reason if it has one.
    Reverted(Bytes),
    /// -32603: the node failed (for example writing its state file).
    Internal(String),
}

impl RpcError {
    /// A -32000 error.
    pub(crate) fn server(message: impl Into<String>) -> Self {
        Self::Server(message.into())
    }

    /// A -32602 error.
    pub(crate) fn params(message: impl Into<String>) -> Self {
        Self::InvalidParams(message.into())
    }

    /// The geth message of a transaction revm refused to execute.
    pub(crate) fn invalid_tx(err: &InvalidTransaction) -> Self {
        use InvalidTransaction as I;
        Self::Server(match err {
            I::NonceTooLow { tx, state } => {
                format!("nonce too low: next nonce {state}, tx nonce {tx}")
            }
            I::NonceTooHigh { tx, state } => {
                format!("nonce too high: next nonce {state}, tx nonce {tx}")
            }
            I::CallGasCostMoreThanGasLimit {
                initial_gas,
                gas_limit,
            } => format!("intrinsic gas too low: have {gas_limit}, want {initial_gas}"),
            I::GasFloorMoreThanGasLimit {
                gas_floor,
                gas_limit,
            } => format!("intrinsic gas too low: have {gas_limit}, want {gas_floor}"),
            I::LackOfFundForMaxFee { fee, balance } => {
                format!("insufficient funds for gas * price + value: have {balance} want {fee}")
            }
            I::GasPriceLessThanBasefee => "max fee per gas less than block base fee".into(),
            I::PriorityFeeGreaterThanMaxFee => {
                "max priority fee per gas higher than max fee per gas".into()
            }
            I::InvalidChainId => "invalid chain id for signer".into(),
            I::CallerGasLimitMoreThanBlock => "exceeds block gas limit".into(),
            I::RejectCallerWithCode => "sender not an eoa".into(),
            other => other.to_string(),
        })
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(err: RpcError) -> Self {
        match err {
            RpcError::InvalidParams(m) => ErrorObjectOwned::owned(-32602, m, None::<()>),
            RpcError::Server(m) => ErrorObjectOwned::owned(-32000, m, None::<()>),
            RpcError::Internal(m) => ErrorObjectOwned::owned(-32603, m, None::<()>),
            RpcError::Reverted(data) => {
                ErrorObjectOwned::owned(3, revert_message(&data), Some(data.to_string()))
            }
        }
    }
}

/// `execution reverted`, with `: <reason>` when `data` is a Solidity `Error(string)`, as anvil
/// and geth say it.
pub(crate) fn revert_message(data: &[u8]) -> String {
    match Revert::abi_decode(data) {
        Ok(revert) => format!("execution reverted: {}", revert.reason),
        Err(_) => "execution reverted".into(),
    }
}

/// Result of an RPC handler.
pub(crate) type RpcResult<T> = Result<T, RpcError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revert_reason_is_in_the_message_and_the_data_stays() {
        let data = Bytes::from(Revert::from("not enough").abi_encode());
        let err = ErrorObjectOwned::from(RpcError::Reverted(data.clone()));
        assert_eq!(err.code(), 3);
        assert_eq!(err.message(), "execution reverted: not enough");
        assert_eq!(
            err.data().map(|d| d.get().to_string()),
            Some(format!("\"{data}\""))
        );
    }

    #[test]
    fn other_revert_data_gives_the_bare_message() {
        for data in [&b""[..], &[0xde, 0xad, 0xbe, 0xef][..]] {
            let err = ErrorObjectOwned::from(RpcError::Reverted(Bytes::copy_from_slice(data)));
            assert_eq!(err.message(), "execution reverted");
        }
    }
}
