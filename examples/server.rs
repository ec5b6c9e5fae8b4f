//! An OPC UA server over TCP built on the sans-IO core: answers
//! GetEndpoints and FindServers on every compiled-in policy and mode (or a
//! chosen subset) and refuses other services with BadServiceUnsupported.
//!
//! ```text
//! cargo run --example server -- [--port 4840] [--host 127.0.0.1] [--pki DIR]
//!     [--policies all|Basic256Sha256,...] [--modes all|None,Sign,SignAndEncrypt]
//!     [--security disabled|optional|mandatory] [--token-lifetime MS]
//!     [--auto-trust] [--duration SECONDS]
//! ```
//!
//! On first start it creates its certificate and key in the PKI folder
//! (OPC 10000-12 Annex F layout). It prints `READY opc.tcp://…` when
//! listening.

mod support;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use support::args::{self, Args};
use support::server::{ServerOptions, start};

fn main() -> ExitCode {
    match main_inner() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main_inner() -> Result<(), String> {
    let a = Args::parse(&["auto-trust"])?;
    let options = ServerOptions {
        host: a.get("host").unwrap_or("127.0.0.1").to_owned(),
        port: a.number("port")?.unwrap_or(4840),
        pki: PathBuf::from(a.get("pki").unwrap_or("pki/server")),
        policies: args::policies(a.get("policies").unwrap_or("all"))?,
        modes: args::modes(a.get("modes").unwrap_or("all"))?,
        security: args::security(a.get("security").unwrap_or("optional"))?,
        token_lifetime: a.number("token-lifetime")?,
        auto_trust: a.flag("auto-trust"),
        duration: a.number::<u64>("duration")?.map(Duration::from_secs),
    };
    let server = start(options)?;
    println!("READY {}", server.url);
    server.wait();
    Ok(())
}
