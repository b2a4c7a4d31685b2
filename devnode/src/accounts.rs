//! Prefunded dev accounts derived from the well-known test mnemonic, as anvil and hardhat do.

use alloy::signers::local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};
use alloy_primitives::{Address, B256, U256};

use crate::Error;

/// The public test mnemonic; its keys are known to everyone, so the accounts are dev-only.
pub const TEST_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Balance of each dev account: 10,000 ETH.
pub const DEV_BALANCE: U256 = U256::from_limbs([0x19e0_c9ba_b240_0000, 0x21e, 0, 0]);

/// A prefunded dev account and its (public, dev-only) private key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevAccount {
    /// Address.
    pub address: Address,
    /// Private key.
    pub private_key: B256,
}

impl DevAccount {
    /// A signer for this account.
    pub fn signer(&self) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&self.private_key).expect("derived keys are valid")
    }
}

/// The first `n` accounts of [`TEST_MNEMONIC`] (path `m/44'/60'/0'/0/i`).
pub fn derive(n: u32) -> Result<Vec<DevAccount>, Error> {
    (0..n)
        .map(|index| {
            let err = |e: alloy::signers::local::LocalSignerError| Error::Accounts {
                index,
                reason: e.to_string(),
            };
            let signer = MnemonicBuilder::<English>::default()
                .phrase(TEST_MNEMONIC)
                .index(index)
                .map_err(err)?
                .build()
                .map_err(err)?;
            Ok(DevAccount {
                address: signer.address(),
                private_key: signer.to_bytes(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_account_is_the_well_known_one() {
        let accounts = derive(2).unwrap();
        assert_eq!(
            accounts[0].address,
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
                .parse::<Address>()
                .unwrap()
        );
        assert_eq!(
            DEV_BALANCE,
            U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18))
        );
    }
}
