//! An OPC UA server over TCP built on `uasc::driver`: answers
//! GetEndpoints and FindServers on every compiled-in policy and mode (or a
//! chosen subset) and refuses other services with BadServiceUnsupported.
//!
//! ```text
//! cargo run --features tokio --example server -- [--port 4840] [--host 127.0.0.1]
//!     [--pki DIR] [--policies all|Basic256Sha256,...]
//!     [--modes all|None,Sign,SignAndEncrypt] [--security disabled|optional|mandatory]
//!     [--token-lifetime MS] [--auto-trust] [--duration SECONDS]
//!     [--max-connections N] [--budget BYTES] [--stats MS] [--pki-poll MS]
//! ```
//!
//! On first start it creates its certificate and key in the PKI folder
//! (OPC 10000-12 Annex F layout). It prints
//! `READY opc.tcp://… budget=BYTES max-connections=N` when listening. Over
//! `--max-connections` (default 1000), a new connection is sent ERR
//! BadTcpServerTooBusy and closed. `--budget` bounds the bytes all
//! connections together may hold in partly received frames and messages
//! (default 64 MiB). With `--stats`, it prints
//! `STATS connections=N budget-used=B` at that interval.
//!
//! Every `--pki-poll` milliseconds (default 1000; 0 never) it looks at the
//! PKI folder's `own/` certificates and keys: when a new certificate and its
//! key are installed there (`cargo run --example pki -- create --pki DIR …`,
//! or files copied in), the one written last is used for new connections
//! and GetEndpoints from then on, while open channels keep theirs, and it
//! prints `CERTIFICATE <thumbprint> now used for new connections`.
//!
//! It raises its soft limit on open files to the hard limit.

mod support;

use std::process::ExitCode;

use clap::Parser;
use support::args::ServerArgs;
use support::limits::raise_open_file_limit;
use support::server::start;

#[tokio::main]
async fn main() -> ExitCode {
    let options = ServerArgs::parse().options();
    raise_open_file_limit();
    match start(options).await {
        Ok(server) => {
            println!("{}", server.ready_line());
            server.wait().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
