//! The JSON-RPC client and wallet from the command-line flags, and a [`Session`]: a client plus
//! the marketplace's addresses from its deployment manifest.

use std::path::{Path, PathBuf};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::Address;
use alloy_sol_types::SolCall;
use anyhow::{Context, bail};

use super::{manifest::Manifest, revert};

/// The endpoint when neither `--rpc-url` nor `ETH_RPC_URL` is given (a local Nitro dev node).
pub const DEFAULT_RPC_URL: &str = "http://127.0.0.1:8547";

/// Which node to talk to and how to print.
#[derive(clap::Args, Clone, Debug)]
pub struct RpcArgs {
    /// JSON-RPC endpoint of the chain.
    #[arg(long, env = "ETH_RPC_URL", default_value = DEFAULT_RPC_URL)]
    pub rpc_url: String,
    /// Print one JSON document instead of human-readable output.
    #[arg(long)]
    pub json: bool,
}

/// [`RpcArgs`] plus the manifest that names the marketplace's contracts.
#[derive(clap::Args, Clone, Debug)]
pub struct ChainArgs {
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// Deployment manifest with the contract addresses [default: deployments/<chain>.json].
    #[arg(long, value_name = "FILE", env = "CLOUDLESS_MANIFEST")]
    pub manifest: Option<PathBuf>,
}

/// The account that signs transactions.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct WalletArgs {
    /// Hex private key of the sending account.
    #[arg(long, env = "CLOUDLESS_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: Option<String>,
    /// Ethereum keystore (v3 JSON) of the sending account; the password is read from
    /// `--password-file`, else `CLOUDLESS_KEYSTORE_PASSWORD`, else a prompt.
    #[arg(long, value_name = "FILE", conflicts_with = "private_key")]
    pub keystore: Option<PathBuf>,
    /// File holding the keystore's password (a trailing newline is ignored).
    #[arg(long, value_name = "FILE", requires = "keystore")]
    pub password_file: Option<PathBuf>,
}

/// [`ChainArgs`] plus a wallet: what every transaction-sending command takes.
#[derive(clap::Args, Clone, Debug)]
pub struct WriteArgs {
    #[command(flatten)]
    pub chain: ChainArgs,
    #[command(flatten)]
    pub wallet: WalletArgs,
}

impl WalletArgs {
    /// The signer the flags name, if any.
    pub fn signer(&self) -> anyhow::Result<Option<PrivateKeySigner>> {
        if let Some(key) = &self.private_key {
            let signer = key
                .trim()
                .parse()
                .context("--private-key is not a 32-byte hex private key")?;
            return Ok(Some(signer));
        }
        let Some(path) = &self.keystore else {
            return Ok(None);
        };
        let password = self.password()?;
        decrypt_keystore(path, &password).map(Some)
    }

    fn password(&self) -> anyhow::Result<String> {
        if let Some(file) = &self.password_file {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading the password file {}", file.display()))?;
            return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
        }
        if let Ok(password) = std::env::var("CLOUDLESS_KEYSTORE_PASSWORD") {
            return Ok(password);
        }
        rpassword::prompt_password("Keystore password: ").context("reading the keystore password")
    }
}

/// Decrypts a v3 keystore file.
pub fn decrypt_keystore(path: &Path, password: &str) -> anyhow::Result<PrivateKeySigner> {
    PrivateKeySigner::decrypt_keystore(path, password).with_context(|| {
        format!(
            "decrypting the keystore {} (wrong password or not a v3 keystore)",
            path.display()
        )
    })
}

/// A connected node, with the sending account when a wallet was given.
pub struct Client {
    /// The provider (signing with the wallet when there is one).
    pub provider: DynProvider,
    /// The wallet's address.
    pub from: Option<Address>,
    /// The chain's id.
    pub chain_id: u64,
}

impl Client {
    /// Connects to `rpc`, signing with `wallet`'s account if it names one.
    pub async fn connect(rpc: &RpcArgs, wallet: &WalletArgs) -> anyhow::Result<Self> {
        let url = rpc
            .rpc_url
            .parse()
            .with_context(|| format!("--rpc-url {} is not a URL", rpc.rpc_url))?;
        let signer = wallet.signer()?;
        let from = signer.as_ref().map(|signer| signer.address());
        let provider = match signer {
            Some(signer) => ProviderBuilder::new()
                .wallet(EthereumWallet::from(signer))
                .connect_http(url)
                .erased(),
            None => ProviderBuilder::new().connect_http(url).erased(),
        };
        let chain_id = provider
            .get_chain_id()
            .await
            .with_context(|| format!("asking {} for its chain id", rpc.rpc_url))?;
        Ok(Self {
            provider,
            from,
            chain_id,
        })
    }

    /// The sending account, or an error saying how to give one.
    pub fn sender(&self) -> anyhow::Result<Address> {
        match self.from {
            Some(from) => Ok(from),
            None => bail!(
                "this command sends a transaction: pass --private-key (or set CLOUDLESS_PRIVATE_KEY) or --keystore FILE"
            ),
        }
    }

    /// Calls view `call` on `to` and decodes what it returns; a revert is decoded by name.
    pub async fn view<C: SolCall>(&self, to: Address, call: C) -> anyhow::Result<C::Return> {
        let mut tx = TransactionRequest::default()
            .with_to(to)
            .with_input(call.abi_encode());
        if let Some(from) = self.from {
            tx.set_from(from);
        }
        let output = self
            .provider
            .call(tx)
            .await
            .map_err(|error| revert::from_rpc(error, C::SIGNATURE))?;
        C::abi_decode_returns(&output)
            .with_context(|| format!("decoding what {to} returned for {}", C::SIGNATURE))
    }
}

/// A client plus the deployment manifest of the marketplace on its chain.
pub struct Session {
    /// The node.
    pub client: Client,
    /// The contracts' addresses and parameters.
    pub manifest: Manifest,
    /// Whether to print JSON.
    pub json: bool,
}

impl Session {
    /// Connects and loads the manifest (`--manifest`, else `deployments/<chain>.json`).
    pub async fn open(chain: &ChainArgs, wallet: &WalletArgs) -> anyhow::Result<Self> {
        let client = Client::connect(&chain.rpc, wallet).await?;
        let path = chain.manifest.clone().unwrap_or_else(|| {
            Manifest::path_in(Path::new(super::manifest::DEFAULT_DIR), client.chain_id)
        });
        let manifest = Manifest::load(&path)?.with_context(|| {
            format!(
                "no deployment manifest at {}: run `cloudless contracts deploy` or pass --manifest FILE",
                path.display()
            )
        })?;
        if manifest.chain_id != client.chain_id {
            bail!(
                "{} is for chain {} but {} is chain {}",
                path.display(),
                manifest.chain_id,
                chain.rpc.rpc_url,
                client.chain_id
            );
        }
        let (Some(_), Some(_), Some(_)) = (
            manifest.token,
            manifest.address("registry"),
            manifest.address("market"),
        ) else {
            bail!(
                "{} records an unfinished deployment: re-run `cloudless contracts deploy`",
                path.display()
            );
        };
        Ok(Self {
            client,
            manifest,
            json: chain.rpc.json,
        })
    }

    /// Connects with a wallet from [`WriteArgs`].
    pub async fn open_write(args: &WriteArgs) -> anyhow::Result<Self> {
        let session = Self::open(&args.chain, &args.wallet).await?;
        session.client.sender()?;
        Ok(session)
    }

    /// The registry's address.
    pub fn registry(&self) -> Address {
        self.manifest.address("registry").unwrap_or_default()
    }

    /// The market's address.
    pub fn market(&self) -> Address {
        self.manifest.address("market").unwrap_or_default()
    }

    /// The payment and stake token's address.
    pub fn token(&self) -> Address {
        self.manifest.token.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystores_decrypt_with_the_password_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = rand::thread_rng();
        let (signer, _) =
            PrivateKeySigner::new_keystore(dir.path(), &mut rng, "hunter2", Some("key.json"))
                .unwrap();
        let path = dir.path().join("key.json");
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, "hunter2\n").unwrap();
        let wallet = WalletArgs {
            keystore: Some(path.clone()),
            password_file: Some(password_file),
            ..WalletArgs::default()
        };
        let decrypted = wallet.signer().unwrap().unwrap();
        assert_eq!(decrypted.address(), signer.address());
        let error = decrypt_keystore(&path, "wrong").unwrap_err();
        assert!(format!("{error:#}").contains("wrong password"), "{error:#}");
    }

    #[test]
    fn private_keys_parse_with_or_without_prefix() {
        let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let expected: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
            .parse()
            .unwrap();
        for text in [key.to_owned(), format!("0x{key}")] {
            let wallet = WalletArgs {
                private_key: Some(text),
                ..WalletArgs::default()
            };
            assert_eq!(wallet.signer().unwrap().unwrap().address(), expected);
        }
        let wallet = WalletArgs {
            private_key: Some("0x1234".into()),
            ..WalletArgs::default()
        };
        assert!(wallet.signer().is_err());
        assert!(WalletArgs::default().signer().unwrap().is_none());
    }
}
