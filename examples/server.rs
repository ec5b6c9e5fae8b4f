//! An OPC UA server over TCP built on `uasc::driver`: answers
//! GetEndpoints and FindServers on every compiled-in policy and mode (or a
//! chosen subset) and refuses other services with BadServiceUnsupported.
//!
//! ```text
//! cargo run --features tokio --example server -- [--port 4840] [--host 127.0.0.1]
//!     [--pki DIR] [--policies all|Basic256Sha256,...]
//!     [--modes all|None,Sign,SignAndEncrypt] [--security disabled|optional|mandatory]
//!     [--token-lifetime MS] [--auto-trust] [--duration SECONDS]
//!     [--max-connections N]
//! ```
//!
//! On first start it creates its certificate and key in the PKI folder
//! (OPC 10000-12 Annex F layout). It prints `READY opc.tcp://…` when
//! listening. Over `--max-connections` (default 1000), a new connection is
//! sent ERR BadTcpServerTooBusy and closed.

mod support;

use std::process::ExitCode;

use clap::Parser;
use support::args::ServerArgs;
use support::server::start;

#[tokio::main]
async fn main() -> ExitCode {
    match start(ServerArgs::parse().options()).await {
        Ok(server) => {
            println!("READY {}", server.url);
            server.wait().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
