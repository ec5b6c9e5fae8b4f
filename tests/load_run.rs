//! The load run of `examples/load.rs` (what `benches/load.sh` runs with
//! 5 000 channels for 60 s), small: the load generator and the example
//! server each in a process of their own, Basic256Sha256 SignAndEncrypt
//! channels with full certificate validation on both sides, and a run with
//! failing channels that must fail and name them.
#![cfg(all(
    feature = "tokio",
    feature = "cert-generate",
    feature = "cert-store",
    target_os = "linux"
))]

mod process_support;

use std::process::Command;

use process_support::example;

fn load(args: &[&str]) -> (Option<i32>, String) {
    let server = example("server");
    let output = Command::new(example("load"))
        .arg("--server")
        .arg(server)
        .args(args)
        .output()
        .expect("running the load example");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{stdout}");
    (output.status.code(), stdout)
}

/// The value of a row of the report table.
fn row<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .lines()
        .find_map(|l| l.strip_prefix(&format!("| {name} | ")))
        .unwrap_or_else(|| panic!("no {name} row in\n{report}"))
}

#[test]
fn fifty_channels_for_three_seconds_all_answered() {
    let (code, report) = load(&["--channels", "50", "--seconds", "3", "--interval", "1"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("OK 50 channels, none failed"), "{report}");
    assert!(!report.contains("FAILED"), "{report}");
    assert_eq!(
        row(&report, "channels"),
        "50 × Basic256Sha256 SignAndEncrypt, 50 open |"
    );
    assert_eq!(
        row(&report, "requests"),
        "200 B every 1 s for 3 s: 150 of 150 answered |"
    );
    for name in [
        "ramp",
        "latency",
        "server RSS",
        "memory per open channel",
        "budget held",
        "server CPU",
    ] {
        assert!(!row(&report, name).is_empty());
    }
    // The server's process did the work: it used CPU for the handshakes.
    let cpu = row(&report, "server CPU");
    let ramp: f64 = cpu
        .strip_prefix("ramp ")
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{cpu}"));
    assert!(ramp > 0.0, "{cpu}");
}

#[test]
fn channels_refused_by_the_server_fail_the_run_with_their_status_code() {
    let (code, report) = load(&[
        "--channels",
        "12",
        "--max-connections",
        "8",
        "--seconds",
        "1",
    ]);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("FAILED 4 channel(s) at open secure channel: BadTcpServerTooBusy"),
        "{report}"
    );
    assert!(!report.contains("OK 12 channels"), "{report}");
    assert_eq!(
        row(&report, "requests"),
        "200 B every 1 s for 1 s: 8 of 8 answered |"
    );
}
