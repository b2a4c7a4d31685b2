//! Test support: a `cloudless devnode` subprocess, a blocking JSON-RPC client over an alloy
//! provider, raw HTTP for the tests of malformed input, and foundry's `cast` ([`cast`]).
#![allow(dead_code)]

pub mod cast;
pub mod market;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use alloy::{
    primitives::{Address, Bytes},
    providers::{Provider, ProviderBuilder},
    sol_types::{Revert, SolError},
    transports::RpcError,
};
use serde_json::Value;

/// A running `cloudless devnode --port 0 --json` child.
pub struct NodeProcess {
    /// `http://127.0.0.1:PORT`.
    pub rpc_url: String,
    /// `ws://127.0.0.1:PORT`.
    pub ws_url: String,
    /// The dev accounts: (address, 0x-prefixed private key).
    pub accounts: Vec<(Address, String)>,
    /// Chain id.
    pub chain_id: u64,
    child: Option<Child>,
    stderr: Arc<Mutex<String>>,
}

impl NodeProcess {
    /// Starts a node with `extra_args` and waits for its ready line.
    pub fn start(extra_args: &[&str]) -> NodeProcess {
        Self::start_on(0, extra_args)
    }

    /// [`NodeProcess::start`] on `port` (0 picks a free one): a restart with the same
    /// `--state` on the same port looks like the same node to its clients.
    pub fn start_on(port: u16, extra_args: &[&str]) -> NodeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloudless"))
            .args(["devnode", "--port", &port.to_string(), "--json"])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn cloudless devnode");
        let stderr = capture_stderr(&mut child);
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped"));
        let mut line = String::new();
        let read = stdout.read_line(&mut line).unwrap_or(0);
        if read == 0 || line.trim().is_empty() {
            let status = child.wait().expect("wait for devnode");
            thread::sleep(Duration::from_millis(100));
            panic!(
                "cloudless devnode {extra_args:?} exited ({status}) before it was ready; stderr:\n{}",
                stderr.lock().unwrap()
            );
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        thread::spawn(move || {
            let mut rest = String::new();
            while stdout.read_line(&mut rest).unwrap_or(0) > 0 {
                rest.clear();
            }
        });
        let ready: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("ready line is not JSON ({e}): {line}"));
        let accounts = ready["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .map(|a| {
                (
                    a["address"].as_str().unwrap().parse().unwrap(),
                    a["private_key"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        NodeProcess {
            rpc_url: ready["rpc_url"].as_str().expect("rpc_url").to_string(),
            ws_url: ready["ws_url"].as_str().expect("ws_url").to_string(),
            chain_id: ready["chain_id"].as_u64().expect("chain_id"),
            accounts,
            child: Some(child),
            stderr,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.rpc_url
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .parse()
            .unwrap()
    }

    /// What the node wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// SIGKILLs the node and waits for it.
    pub fn kill(&mut self) {
        kill(&mut self.child);
    }

    /// SIGTERMs the node and waits for it to exit.
    pub fn stop(&mut self) {
        let stderr = self.stderr.clone();
        terminate(&mut self.child, || stderr.lock().unwrap().clone());
    }
}

/// Collects what `child` writes to its (piped) stderr, from a background thread.
pub fn capture_stderr(child: &mut Child) -> Arc<Mutex<String>> {
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stderr.take().expect("stderr piped");
    let sink = stderr.clone();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    stderr
}

/// SIGKILLs `child` (unless already gone) and reaps it.
pub fn kill(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// SIGTERMs `child` (unless already gone) and asserts it exits cleanly; `logs` explains a
/// failure.
pub fn terminate(child: &mut Option<Child>, logs: impl Fn() -> String) {
    if let Some(mut child) = child.take() {
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let status = child.wait().expect("wait for the process");
        assert!(
            status.success(),
            "exited with {status} on SIGTERM:\n{}",
            logs()
        );
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `cloudless <args> --json` server child whose first stdout line is `{"url": …}`; killed on
/// drop.
pub struct Served {
    /// Where it listens.
    pub url: String,
    child: Option<Child>,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    /// Starts `cloudless args… --json` and waits for its URL.
    pub fn start(args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloudless"))
            .args(args)
            .arg("--json")
            .env_remove("ETH_RPC_URL")
            .env_remove("CLOUDLESS_MANIFEST")
            .env_remove("CLOUDLESS_PRIVATE_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn cloudless {args:?}: {e}"));
        let stderr = capture_stderr(&mut child);
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped"));
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap_or(0);
        let ready: Value = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
            let _ = child.wait();
            panic!(
                "cloudless {args:?} printed no URL: {line:?}\n{}",
                stderr.lock().unwrap()
            )
        });
        thread::spawn(move || {
            let mut rest = String::new();
            while stdout.read_line(&mut rest).unwrap_or(0) > 0 {
                rest.clear();
            }
        });
        Served {
            url: ready["url"]
                .as_str()
                .expect("a url")
                .trim_end_matches('/')
                .to_owned(),
            child: Some(child),
            stderr,
        }
    }

    /// What it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

/// POSTs `body` to `url` and returns the parsed JSON response body.
pub fn post(url: &str, body: &str) -> Value {
    let text = exchange(url, "POST", &[("Content-Type", "application/json")], body);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP body in {text}"));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("response is not JSON ({e}): {text}"))
}

/// Sends one HTTP/1.1 request with `method`, extra `headers` and `body` to `url`; returns the
/// whole response, head and body.
pub fn exchange(url: &str, method: &str, headers: &[(&str, &str)], body: &str) -> String {
    let host = url
        .strip_prefix("http://")
        .expect("http:// URL")
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(host).expect("connect to devnode");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let request = format!(
        "{method} / HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Calls `method` with `params` through an alloy HTTP provider; returns the response as its
/// JSON-RPC object, `{"result": …}` or `{"error": {code, message, data}}`. Blocking, from any
/// thread (async tests included: the call runs on a thread and runtime of its own).
pub fn rpc(url: &str, method: &str, params: Value) -> Value {
    let (url, method) = (url.to_owned(), method.to_owned());
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let provider = ProviderBuilder::new().connect_http(url.parse().expect("an http URL"));
            match provider
                .raw_request::<_, Value>(method.clone().into(), params)
                .await
            {
                Ok(result) => serde_json::json!({ "result": result }),
                Err(RpcError::ErrorResp(error)) => serde_json::json!({ "error": error }),
                Err(error) => panic!("{method}: {error}"),
            }
        })
    })
    .join()
    .expect("the RPC thread")
}

/// Calls `method` and returns its `result`, panicking on an error response.
pub fn call(url: &str, method: &str, params: Value) -> Value {
    let response = rpc(url, method, params);
    match response.get("result") {
        Some(result) => result.clone(),
        None => panic!("{method} failed: {response}"),
    }
}

/// A hex quantity as u64.
pub fn quantity(value: &Value) -> u64 {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("not a quantity: {value}"));
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

/// Sends a bodyless HTTP/1.1 `method` request for `path` to `url`; returns the whole response.
pub fn exchange_path(url: &str, method: &str, path: &str) -> String {
    let host = url
        .strip_prefix("http://")
        .expect("http:// URL")
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

/// Init code of a contract whose every call reverts with `Error(reason)`, as Solidity's
/// `require(false, reason)` does (`reason` at most 32 bytes).
pub fn reverter_init(reason: &str) -> Bytes {
    assert!(
        reason.len() <= 32,
        "the revert data must fit one PUSH1 length"
    );
    // CODECOPY(0, 12, len) the data after these 12 bytes of code, then REVERT(0, len).
    let copy_then = |len: usize, last: u8| {
        [
            0x60, len as u8, 0x60, 12, 0x60, 0, 0x39, 0x60, len as u8, 0x60, 0, last,
        ]
    };
    let data = Revert::from(reason).abi_encode();
    let runtime = [&copy_then(data.len(), 0xfd)[..], &data].concat();
    // The same copy, then RETURN(0, len): deploys `runtime`.
    [&copy_then(runtime.len(), 0xf3)[..], &runtime]
        .concat()
        .into()
}

/// A loopback port that is free now and stays free until a test binds it: below Linux's
/// ephemeral range (32768 and up), so no outgoing connection is given it meanwhile (the OS's
/// own pick, port 0, was, and the node then failed to bind), and never the same twice in one
/// test binary.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    // Binaries run one after another; the process id spreads them over the range anyway.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let spread = (std::process::id() % 1_000) as u16 * 10;
    loop {
        let next = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + spread.wrapping_add(next) % 12_000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}
