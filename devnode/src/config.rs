//! [`Config`]: how a dev node starts, and [`Error`]: why it could not.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use harness::evm::chain::DEV_CHAIN_ID;

/// Default JSON-RPC port (Nitro's dev node port).
pub const DEFAULT_PORT: u16 = 8547;
/// Default number of prefunded dev accounts.
pub const DEFAULT_ACCOUNTS: u32 = 10;
/// Most WebSocket connections open at once. One more is refused at the handshake with HTTP 429
/// and a JSON-RPC error; HTTP requests do not count against it.
pub const MAX_WS_CONNECTIONS: usize = 128;
/// Most HTTP requests being answered at once. One more gets HTTP 429 and a JSON-RPC error;
/// WebSocket connections do not count against it.
pub const MAX_HTTP_REQUESTS: usize = 1024;
/// Largest request body or WebSocket message, in bytes.
pub const MAX_REQUEST_BYTES: u32 = 10 * 1024 * 1024;

/// How a dev node starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    pub port: u16,
    /// Chain id.
    pub chain_id: u64,
    /// Interval mining: a block of the pending pool every interval. `None` mines one block per
    /// transaction as it arrives.
    pub block_time: Option<Duration>,
    /// State file that keeps the chain across restarts.
    pub state: Option<PathBuf>,
    /// Number of prefunded dev accounts.
    pub accounts: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            chain_id: DEV_CHAIN_ID,
            block_time: None,
            state: None,
            accounts: DEFAULT_ACCOUNTS,
        }
    }
}

/// Why a dev node could not start, load its state or stop.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The block time is not a whole number of seconds of at least one.
    #[error("block time must be a whole number of seconds, at least 1 (got {0:?})")]
    BlockTime(Duration),
    /// A dev account could not be derived from the test mnemonic.
    #[error("cannot derive dev account {index}: {reason}")]
    Accounts {
        /// Account index.
        index: u32,
        /// The cause.
        reason: String,
    },
    /// The server could not listen.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading or writing the state file failed.
    #[error("state file {path}: {source}")]
    StateIo {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file is not a dev node state file or a saved block does not replay.
    #[error("state file {path}, line {line}: {reason}")]
    StateCorrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The state file was written by a node started with different settings.
    #[error(
        "state file {path} was written with {setting} {saved}, but this node was started with {requested}; use the same flags or another --state file"
    )]
    StateMismatch {
        /// The file.
        path: PathBuf,
        /// The setting.
        setting: &'static str,
        /// The file's value.
        saved: String,
        /// The requested value.
        requested: String,
    },
    /// Registering an RPC method failed (a bug).
    #[error("cannot register RPC method: {0}")]
    Register(String),
    /// A background task failed.
    #[error("dev node task failed: {0}")]
    Task(String),
}
