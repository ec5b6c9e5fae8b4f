//! Decodes a captured OPC UA connection and prints its frames.
//!
//! ```text
//! cargo run --example decode_capture [CAPTURE.json]
//! ```
//!
//! Without an argument it reads every capture in `tests/data/vectors` (or
//! `$UASC_VECTORS_DIR`). Each capture holds the bytes both peers sent; they
//! are fed to the [`Framer`] in small pieces, as a socket would deliver them,
//! and every frame's headers are decoded.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use uasc::chunk::{ChunkHeaders, Framer, SecurityHeader};
use uasc::codec::DecodeLimits;
use uasc::uacp::UacpMessage;

fn hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err("odd hex length".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| "bad hex".to_string())
        })
        .collect()
}

fn describe(frame: &[u8]) -> Result<String, uasc::Error> {
    if frame
        .get(..3)
        .is_some_and(|t| matches!(t, b"HEL" | b"ACK" | b"ERR" | b"RHE"))
    {
        return Ok(
            match UacpMessage::decode_frame(frame, DecodeLimits::DEFAULT)? {
                UacpMessage::Hello(h) => format!(
                    "HEL  version {} recv {} send {} max-msg {} max-chunks {} url {}",
                    h.protocol_version,
                    h.receive_buffer_size,
                    h.send_buffer_size,
                    h.max_message_size,
                    h.max_chunk_count,
                    h.endpoint_url.as_str().unwrap_or("<null>")
                ),
                UacpMessage::Acknowledge(a) => format!(
                    "ACK  version {} recv {} send {} max-msg {} max-chunks {}",
                    a.protocol_version,
                    a.receive_buffer_size,
                    a.send_buffer_size,
                    a.max_message_size,
                    a.max_chunk_count
                ),
                UacpMessage::Error(e) => format!("ERR  {}", e.error),
                UacpMessage::ReverseHello(r) => {
                    format!("RHE  {}", r.server_uri.as_str().unwrap_or("<null>"))
                }
            },
        );
    }
    let h = ChunkHeaders::parse(frame, 1 << 16)?;
    let f = h.message.frame;
    let security = match h.security {
        SecurityHeader::Asymmetric(a) => format!(
            "policy {} certificate {} bytes thumbprint {}",
            a.security_policy_uri.unwrap_or("<none>"),
            a.sender_certificate.map_or(0, <[u8]>::len),
            a.receiver_certificate_thumbprint
                .map(|t| t.iter().map(|b| format!("{b:02x}")).collect::<String>())
                .unwrap_or_else(|| "<none>".into())
        ),
        SecurityHeader::Symmetric(s) => format!("token {}", s.token_id),
    };
    Ok(format!(
        "{}{} {:>5} bytes channel {} {security}, {} secured bytes",
        f.message_type,
        char::from(f.chunk_type.byte()),
        f.message_size,
        h.message.secure_channel_id,
        frame.len() - h.header_len
    ))
}

fn show(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    println!(
        "== {} ({} {})",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        v["security_policy"].as_str().unwrap_or("?"),
        v["security_mode"].as_str().unwrap_or("?")
    );
    for (dir, arrow) in [
        ("all_chunks_client_to_server_hex", "C→S"),
        ("all_chunks_server_to_client_hex", "S→C"),
    ] {
        let mut stream = Vec::new();
        for c in v[dir].as_array().ok_or("missing chunk list")? {
            stream.extend(hex(c.as_str().ok_or("chunk is not a string")?)?);
        }
        let mut framer = Framer::new(1 << 20);
        for piece in stream.chunks(1000) {
            let mut input = piece;
            while let Some(frame) = framer.next_frame(&mut input).map_err(|e| e.to_string())? {
                let line = describe(frame.bytes).map_err(|e| e.to_string())?;
                println!("  {arrow} {line}");
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let files: Vec<PathBuf> = match std::env::args_os().nth(1) {
        Some(p) => vec![p.into()],
        None => {
            let dir = std::env::var_os("UASC_VECTORS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors")
                });
            let mut v: Vec<_> = std::fs::read_dir(&dir)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            v.retain(|p| p.extension().is_some_and(|x| x == "json"));
            v.sort();
            v
        }
    };
    if files.is_empty() {
        eprintln!("no capture files found; pass one as the argument");
        return ExitCode::FAILURE;
    }
    for f in &files {
        if let Err(e) = show(f) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("{} captures decoded", files.len());
    ExitCode::SUCCESS
}
