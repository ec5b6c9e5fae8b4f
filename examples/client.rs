//! An OPC UA client over TCP built on `uasc::driver`: opens a secure
//! channel, calls GetEndpoints, keeps the channel over token renewals and
//! closes it, printing each step with its duration.
//!
//! ```text
//! cargo run --features tokio --example client -- --url opc.tcp://127.0.0.1:4840
//!     [--policy Basic256Sha256] [--mode SignAndEncrypt] [--pki DIR]
//!     [--server-cert FILE] [--renewals N] [--token-lifetime MS]
//!     [--alternative-url URL] [--auto-trust] [--timeout SECONDS]
//!     [--round-trips N]
//! ```
//!
//! Without `--server-cert` the server's certificate comes from GetEndpoints
//! over a None channel first. Exits non-zero on any failure, naming the
//! StatusCode.

mod support;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use support::args::ClientArgs;
use support::client::run_client;

#[tokio::main]
async fn main() -> ExitCode {
    let options = ClientArgs::parse().options();
    let mut log =
        |step: &str, took: Duration| println!("{step:<40} {:>10.3} ms", took.as_secs_f64() * 1e3);
    match run_client(&options, &mut log).await {
        Ok(report) => {
            println!(
                "OK {} {} {:?} renewals={}",
                report.url,
                options.policy.descriptor().name,
                options.mode,
                report.renewals
            );
            ExitCode::SUCCESS
        }
        Err(failure) => {
            println!("FAIL {failure}");
            ExitCode::FAILURE
        }
    }
}
