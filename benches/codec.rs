//! Throughput of framing and of decoding the channel's own messages.
//!
//! `cargo bench --bench codec`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use uasc::chunk::{
    ChunkHeaders, ChunkType, Framer, MessageHeader, MessageType, SymmetricSecurityHeader,
};
use uasc::codec::{Encode, Reader, RequestHeader, Writer, encode_to_vec};
use uasc::messages::{
    MessageSecurityMode, OpenSecureChannelRequest, SecurityTokenRequestType, decode_message,
    encode_message,
};

/// A stream of `count` MSG chunks of `size` bytes each.
fn stream(count: usize, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * size);
    for i in 0..count {
        let start = out.len();
        let mut w = Writer::new(&mut out);
        MessageHeader::new(MessageType::Message, ChunkType::Final, size as u32, 7)
            .encode(&mut w)
            .unwrap();
        SymmetricSecurityHeader { token_id: 1 }
            .encode(&mut w)
            .unwrap();
        out.resize(start + size, i as u8);
    }
    out
}

fn framing(c: &mut Criterion) {
    let mut g = c.benchmark_group("framer");
    for size in [256usize, 8192, 65_535] {
        let data = stream(64, size);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("frame+parse headers, 1460-byte reads", size),
            &data,
            |b, data| {
                let mut framer = Framer::new(65_535);
                b.iter(|| {
                    let mut n = 0;
                    for piece in data.chunks(1460) {
                        let mut input = piece;
                        while let Some(frame) = framer.next_frame(&mut input).unwrap() {
                            let h = ChunkHeaders::parse(frame.bytes, 0).unwrap();
                            n += h.header_len;
                        }
                    }
                    black_box(n)
                })
            },
        );
    }
    g.finish();
}

fn open_request(c: &mut Criterion) {
    let req = OpenSecureChannelRequest {
        request_header: RequestHeader::default(),
        client_protocol_version: 0,
        request_type: SecurityTokenRequestType::Issue,
        security_mode: MessageSecurityMode::SignAndEncrypt,
        client_nonce: vec![7u8; 32].into(),
        requested_lifetime: 600_000,
    };
    let mut bytes = Vec::new();
    encode_message(&req, &mut Writer::new(&mut bytes)).unwrap();
    c.bench_function("decode OpenSecureChannelRequest", |b| {
        b.iter(|| {
            decode_message::<OpenSecureChannelRequest>(&mut Reader::new(black_box(&bytes))).unwrap()
        })
    });
    c.bench_function("encode OpenSecureChannelRequest", |b| {
        b.iter(|| encode_to_vec(black_box(&req)).unwrap())
    });
}

criterion_group!(benches, framing, open_request);
criterion_main!(benches);
