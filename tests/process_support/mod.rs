//! The example binaries as child processes: built by cargo with the
//! features and profile this test was built with, the server started on a
//! free port and read until it says READY.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

#[path = "../common/temp.rs"]
mod temp;
#[allow(unused_imports)] // not every test needs it
pub use temp::TempDir;

/// The features of this build, as cargo's `--features` list.
fn features() -> String {
    let mut on = Vec::new();
    if cfg!(feature = "tokio") {
        on.push("tokio");
    }
    if cfg!(feature = "cert-generate") {
        on.push("cert-generate");
    }
    if cfg!(feature = "cert-store") {
        on.push("cert-store");
    }
    if cfg!(feature = "legacy-policies") {
        on.push("legacy-policies");
    }
    on.join(",")
}

/// The cargo profile this test binary was built with, from where it is
/// (`target/<profile>/deps/<test>`).
fn profile() -> String {
    let exe = std::env::current_exe().unwrap();
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or("debug")
        .to_owned();
    if dir == "debug" { "dev".into() } else { dir }
}

/// The example `name`, built now (cargo only checks it when it is up to
/// date) with this test's features and profile; returns its executable.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<(String, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap();
    if let Some((_, path)) = built.iter().find(|(n, _)| n == name) {
        return path.clone();
    }
    let output = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--quiet",
            "--message-format=json",
            "--example",
            name,
        ])
        .args(["--no-default-features", "--features", &features()])
        .args(["--profile", &profile()])
        .stderr(Stdio::inherit())
        .output()
        .expect("running cargo");
    assert!(
        output.status.success(),
        "building the {name} example failed"
    );
    let path = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo named no executable for the {name} example"));
    built.push((name.to_owned(), path.clone()));
    path
}

/// The example server as a child process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    pub budget: u64,
    /// The lines it printed after READY.
    pub lines: mpsc::Receiver<String>,
}

impl ServerProcess {
    /// Starts the example server on a free loopback port with `pki` and
    /// the extra arguments `args`; returns once it printed READY.
    pub fn start(pki: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(example("server"))
            .args(["--port", "0", "--host", "127.0.0.1"])
            .arg("--pki")
            .arg(pki)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the example server");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let ready = loop {
            match lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) if line.starts_with("READY ") => break line,
                Ok(_) => {}
                Err(e) => {
                    let _ = child.kill();
                    panic!("the example server said no READY: {e}");
                }
            }
        };
        let mut words = ready.split_whitespace().skip(1);
        let url = words.next().unwrap().to_owned();
        let budget = words
            .find_map(|w| w.strip_prefix("budget="))
            .and_then(|b| b.parse().ok())
            .expect("READY names the budget");
        ServerProcess {
            child,
            url,
            budget,
            lines,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `host:port` of the URL.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("opc.tcp://").to_owned()
    }

    /// The next line starting with `prefix`, within `limit`.
    pub fn line_starting(&self, prefix: &str, limit: Duration) -> Option<String> {
        let end = std::time::Instant::now() + limit;
        loop {
            let left = end.checked_duration_since(std::time::Instant::now())?;
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
