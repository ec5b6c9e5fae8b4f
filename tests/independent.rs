//! The ECC and RSA_DH policies against an implementation that shares no
//! code with this crate: `tests/independent/uasc_independent.py` (Python
//! and `cryptography`), both ways, for all twenty policies in both modes.
//!
//! - Ours to it: our client and our server open a channel in memory,
//!   exchange messages (one of several chunks), renew twice and close; a
//!   test-only policy wrapper writes out the ephemeral private keys it
//!   drew. The recording holds only what the two ends knew (certificates,
//!   keys, the bytes each end sent, the messages the applications gave);
//!   the script derives every key itself, checks both OPN signatures of
//!   every exchange (the SecureChannelEnhancements rule included), opens
//!   every chunk in both directions, compares the reassembled messages and
//!   writes the recording out complete, which our vector check then reads.
//! - Its to ours: the script plays client and server with keys and
//!   certificates it chooses, seals the chunks and signs the OPNs, and our
//!   vector check (`vectors_ecc`) opens and verifies every one.
//!
//! The script needs `python3` (or `$UASC_PYTHON`) with `cryptography`.
//! Without it these tests say so and pass, unless `UASC_REQUIRE_PYTHON` is
//! set (CI sets it), when they fail. `UASC_WRITE_RECORDINGS=DIR` keeps the
//! completed recordings (as `tests/data/vectors-uasc` was made).

mod common;
mod vectors_ecc;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use common::pair::{
    Pair, capture_with_identities_for, client_config, identities_for, server_config,
};
use common::temp::TempDir;
use common::{captures_in, hex_of, s};
use serde_json::{Value, json};
use uasc::StatusCode;
use uasc::channel::Event;
use uasc::crypto::EcdhCurve;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{
    BuiltinPolicy, ChainingSecret, KeyExchange, PeerKey, PolicyDescriptor, SecurityPolicy,
};

const MODES: [MessageSecurityMode; 2] = [
    MessageSecurityMode::Sign,
    MessageSecurityMode::SignAndEncrypt,
];

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/independent/uasc_independent.py"
);

/// The policies that agree keys from ephemeral key pairs: the eighteen
/// ECC policies and the two RSA_DH ones.
fn policies() -> Vec<&'static BuiltinPolicy> {
    let all: Vec<_> = uasc::policy::ALL
        .iter()
        .copied()
        .filter(|p| p.key_agreement().is_some())
        .collect();
    assert_eq!(all.len(), 20);
    all
}

/// The Python interpreter with `cryptography`, or `None` (and why) where
/// there is none and `UASC_REQUIRE_PYTHON` is not set.
fn python() -> Option<String> {
    let python = std::env::var("UASC_PYTHON").unwrap_or_else(|_| "python3".into());
    let found = Command::new(&python)
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(python);
    }
    let why = format!("{python} with the `cryptography` package was not found");
    assert!(
        std::env::var_os("UASC_REQUIRE_PYTHON").is_none(),
        "{why}, and UASC_REQUIRE_PYTHON is set"
    );
    eprintln!("skipped: {why} (pip install cryptography, or set UASC_PYTHON)");
    None
}

/// Runs the script; returns its standard output, failing the test with
/// everything it printed if it did not succeed.
fn run_script(python: &str, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg(SCRIPT)
        .args(args)
        .output()
        .expect("run the independent script");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{SCRIPT} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

// ---------------------------------------------------------------------------
// The recorder
// ---------------------------------------------------------------------------

/// Wraps a built-in policy and writes out the ephemeral private key of
/// every key exchange it starts (the test-only hook).
#[derive(Debug)]
struct Recording {
    inner: BuiltinPolicy,
    private_keys: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl SecurityPolicy for Recording {
    fn descriptor(&self) -> &PolicyDescriptor {
        self.inner.descriptor()
    }

    fn start_key_exchange(
        &self,
        mode: MessageSecurityMode,
        rng: &mut dyn rand::CryptoRng,
        previous: Option<&ChainingSecret>,
    ) -> uasc::Result<Box<dyn KeyExchange>> {
        let (group, _) = self.inner.key_agreement().expect("an ephemeral key policy");
        let len = group.scalar_len();
        // ffdhe3072: a 384-bit exponent, as the policy draws, left-padded
        // to 384 bytes; on the curves a scalar of the field size (drawn
        // again in the rare case it is not below the group order).
        let random = if group == EcdhCurve::Ffdhe3072 {
            48
        } else {
            len
        };
        loop {
            let mut private = vec![0u8; len];
            rng.fill_bytes(&mut private[len - random..]);
            if let Ok(exchange) = self
                .inner
                .key_exchange_with_private_key(mode, &private, previous)
            {
                self.private_keys.lock().unwrap().push(private);
                return Ok(Box::new(exchange));
            }
        }
    }

    fn peer_key(&self, certificate_der: &[u8]) -> uasc::Result<Box<dyn PeerKey>> {
        self.inner.peer_key(certificate_der)
    }
}

/// What both ends of one recorded channel sent and knew.
#[derive(Default)]
struct Transcript {
    c2s: Vec<Vec<u8>>,
    s2c: Vec<Vec<u8>>,
    requests: Vec<Vec<u8>>,
    responses: Vec<Vec<u8>>,
    /// How many of the server's events were answered already.
    server_events_seen: usize,
}

impl Transcript {
    /// Delivers everything in flight both ways until nothing moves, and
    /// keeps every byte; the server answers each request with its
    /// `answer`.
    fn drive(&mut self, pair: &mut Pair, answer: &dyn Fn(&[u8]) -> Vec<u8>) {
        loop {
            pair.collect();
            let new = self.server_events_seen..pair.server_events.len();
            self.server_events_seen = pair.server_events.len();
            let mut answered = false;
            for event in &pair.server_events[new] {
                if let Event::Message { request_id, body } = event {
                    let response = answer(body);
                    pair.server.send_response(*request_id, &response).unwrap();
                    self.responses.push(response);
                    answered = true;
                }
            }
            if answered {
                pair.collect();
            }
            if pair.to_server.is_empty() && pair.to_client.is_empty() {
                return;
            }
            let bytes = std::mem::take(&mut pair.to_server);
            if !bytes.is_empty() {
                pair.server.handle_input(pair.now, &bytes);
                self.c2s.push(bytes);
            }
            let bytes = std::mem::take(&mut pair.to_client);
            if !bytes.is_empty() {
                pair.client.handle_input(pair.now, &bytes);
                self.s2c.push(bytes);
            }
        }
    }

    fn request(&mut self, pair: &mut Pair, body: Vec<u8>) {
        pair.client.send_request(&body).unwrap();
        self.requests.push(body);
    }
}

/// A channel between our client and our server under `policy` in `mode`:
/// three round trips, a renewal, a request and a response of several
/// chunks, another renewal, a round trip, and the client's close. Returns
/// the recording in the script's minimal format.
fn record(policy: &'static BuiltinPolicy, mode: MessageSecurityMode, seed: u64) -> Value {
    let d = policy.descriptor();
    let ids = identities_for(policy);
    let capture = capture_with_identities_for(policy);
    let client_keys = Arc::new(Mutex::new(Vec::new()));
    let server_keys = Arc::new(Mutex::new(Vec::new()));
    // The script models the ECC policies without SecureChannelEnhancements
    // as open62541 runs them, with renewals that do not chain.
    let inner = policy.chain_renewals(d.secure_channel_enhancements);
    let mut client = client_config(&ids, policy, mode);
    client.policy = Arc::new(Recording {
        inner,
        private_keys: client_keys.clone(),
    });
    let mut server = server_config(&ids);
    server.policies = vec![Arc::new(Recording {
        inner,
        private_keys: server_keys.clone(),
    })];
    // 8192-byte chunks (the least OPC 10000-6 §7.1.2.3 allows) keep the
    // recordings small and still split the larger messages.
    for limits in [&mut client.connection, &mut server.connection] {
        limits.receive_buffer_size = 8192;
        limits.send_buffer_size = 8192;
    }
    let mut pair = Pair::new(client, server, seed);
    let mut t = Transcript::default();
    // The server answers with the request reversed and tagged.
    let answer = |body: &[u8]| {
        let mut r: Vec<u8> = body.iter().rev().copied().collect();
        r.extend_from_slice(b" <- answered");
        r
    };
    let name = format!("{} {mode:?}", d.name);
    t.drive(&mut pair, &answer);
    let mut tokens = vec![
        pair.client
            .token()
            .unwrap_or_else(|| panic!("{name}: {:?} {:?}", pair.client_events, pair.server_events))
            .id,
    ];
    for i in 0..3u8 {
        t.request(
            &mut pair,
            format!("request {i} under the first token").into_bytes(),
        );
        t.drive(&mut pair, &answer);
    }
    for round in 0..2 {
        pair.client.renew(pair.now).unwrap();
        t.drive(&mut pair, &answer);
        tokens.push(pair.client.token().expect(&name).id);
        let big = if round == 0 { 9_000 } else { 40 };
        let body: Vec<u8> = (0..big).map(|i| (i * 7 + round) as u8).collect();
        t.request(&mut pair, body);
        t.drive(&mut pair, &answer);
    }
    pair.client.close(StatusCode::GOOD);
    t.drive(&mut pair, &answer);

    // Both ends saw every message and token, and none failed.
    let renewed = |events: &[Event]| {
        events
            .iter()
            .filter(|e| matches!(e, Event::TokenRenewed { .. }))
            .count()
    };
    assert_eq!(renewed(&pair.client_events), 2, "{name}");
    assert_eq!(renewed(&pair.server_events), 2, "{name}");
    assert_eq!(Pair::messages(&pair.client_events).len(), 5, "{name}");
    assert_eq!(t.responses.len(), 5, "{name}");
    assert_eq!(
        Pair::closed(&pair.server_events),
        Some(StatusCode::GOOD),
        "{name}"
    );
    // The larger messages went in several chunks each way.
    assert_eq!(intermediate_chunks(&t.c2s), 1, "{name}");
    assert_eq!(intermediate_chunks(&t.s2c), 1, "{name}");
    let client_keys = client_keys.lock().unwrap().clone();
    let server_keys = server_keys.lock().unwrap().clone();
    assert_eq!((client_keys.len(), server_keys.len()), (3, 3), "{name}");

    let exchanges: Vec<Value> = (0..3)
        .map(|i| {
            json!({
                "request_type": if i == 0 { "Issue" } else { "Renew" },
                "token_id": tokens[i],
                "client_ephemeral_private_key_hex": hex_of(&client_keys[i]),
                "server_ephemeral_private_key_hex": hex_of(&server_keys[i]),
            })
        })
        .collect();
    let all = |v: &[Vec<u8>]| v.iter().map(|b| hex_of(b)).collect::<Vec<_>>();
    json!({
        "format": "uasc-recorder-1",
        "description": format!(
            "uasc client and uasc server in memory: {} {mode:?}, two renewals, \
             a message of several chunks each way, the client's close",
            d.name
        ),
        "client_stack": "uasc",
        "server_stack": "uasc",
        "security_policy": d.name,
        "security_policy_uri": d.uri,
        "security_mode": format!("{mode:?}"),
        "secure_channel_id": pair.client.channel_id(),
        "client_certificate_der_hex": hex_of(&ids.client.certificate),
        "server_certificate_der_hex": hex_of(&ids.server.certificate),
        "client_private_key_pem": s(&capture, "client_private_key_pem"),
        "server_private_key_pem": s(&capture, "server_private_key_pem"),
        "exchanges": exchanges,
        "all_chunks_client_to_server_hex": all(&t.c2s),
        "all_chunks_server_to_client_hex": all(&t.s2c),
        "messages_client_to_server_hex": all(&t.requests),
        "messages_server_to_client_hex": all(&t.responses),
    })
}

/// How many `C` chunks the bytes one end sent hold.
fn intermediate_chunks(sent: &[Vec<u8>]) -> usize {
    let bytes = sent.concat();
    let mut at = 0;
    let mut n = 0;
    while at + 8 <= bytes.len() {
        n += usize::from(&bytes[at + 3..at + 4] == b"C");
        at += u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
    }
    assert_eq!(at, bytes.len(), "whole chunks");
    n
}

fn file_name(policy: &BuiltinPolicy, mode: MessageSecurityMode) -> String {
    format!("c-uasc_s-uasc_{}_{mode:?}.json", policy.descriptor().name)
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap() + "\n").unwrap();
}

/// Checks every recording in `dir` with our vector check; returns how many.
fn check_all_with_ours(dir: &Path) -> usize {
    let files = captures_in(dir);
    for (name, v) in &files {
        let policy = uasc::policy::by_uri(s(v, "security_policy_uri")).expect(name);
        vectors_ecc::check_file(name, v, policy, false);
    }
    files.len()
}

#[test]
fn the_independent_implementation_opens_our_channels() {
    // Recording needs no Python: the channels open and the recordings hold
    // what the script needs, wherever this runs.
    let tmp = TempDir::new("independent-ours");
    let recorded = tmp.path().join("recorded");
    let completed = tmp.path().join("completed");
    std::fs::create_dir_all(&recorded).unwrap();
    std::fs::create_dir_all(&completed).unwrap();
    let mut count = 0;
    for (i, policy) in policies().into_iter().enumerate() {
        for mode in MODES {
            let v = record(policy, mode, 100 + i as u64);
            write_json(&recorded.join(file_name(policy, mode)), &v);
            count += 1;
        }
    }
    assert_eq!(count, 40);
    let Some(python) = python() else { return };
    let out = run_script(
        &python,
        &[
            "complete",
            "--out",
            completed.to_str().unwrap(),
            recorded.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("independent: 40 recordings completed and verified, 0 failed"),
        "{out}"
    );
    // What the script derived, our check derives too.
    assert_eq!(check_all_with_ours(&completed), 40);
    if let Some(keep) = std::env::var_os("UASC_WRITE_RECORDINGS") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        for (name, _) in captures_in(&completed) {
            std::fs::copy(completed.join(&name), keep.join(&name)).unwrap();
        }
    }
}

#[test]
fn we_open_the_channels_of_the_independent_implementation() {
    let Some(python) = python() else { return };
    let tmp = TempDir::new("independent-theirs");
    let dir = tmp.path();
    for (i, policy) in policies().into_iter().enumerate() {
        for mode in MODES {
            let file = dir.join(file_name(policy, mode).replace("c-uasc_s-uasc", "synthesized"));
            run_script(
                &python,
                &[
                    "synthesize",
                    "--policy",
                    policy.descriptor().name,
                    "--mode",
                    &format!("{mode:?}"),
                    "--seed",
                    &(7000 + i).to_string(),
                    "--out",
                    file.to_str().unwrap(),
                ],
            );
        }
    }
    assert_eq!(check_all_with_ours(dir), 40);
}
