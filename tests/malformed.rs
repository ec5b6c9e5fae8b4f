//! A table of malformed inputs, each with the StatusCode it must produce.

use uasc::chunk::{ChunkHeaders, Framer};
use uasc::codec::*;
use uasc::messages::{OpenSecureChannelRequest, decode_message};
use uasc::uacp::UacpMessage;
use uasc::{Error, StatusCode};

type Check = fn(&[u8]) -> Result<(), Error>;

fn node_id(b: &[u8]) -> Result<(), Error> {
    decode_exact::<NodeId>(b, DecodeLimits::DEFAULT).map(drop)
}
fn string(b: &[u8]) -> Result<(), Error> {
    decode_exact::<UaString>(b, DecodeLimits::DEFAULT).map(drop)
}
fn small_string(b: &[u8]) -> Result<(), Error> {
    let limits = DecodeLimits {
        max_string_length: 4,
        ..DecodeLimits::DEFAULT
    };
    decode_exact::<UaString>(b, limits).map(drop)
}
fn bytes(b: &[u8]) -> Result<(), Error> {
    decode_exact::<ByteString>(b, DecodeLimits::DEFAULT).map(drop)
}
fn u32_array(b: &[u8]) -> Result<(), Error> {
    let limits = DecodeLimits {
        max_array_length: 3,
        ..DecodeLimits::DEFAULT
    };
    decode_exact::<Option<Vec<u32>>>(b, limits).map(drop)
}
fn diag(b: &[u8]) -> Result<(), Error> {
    decode_exact::<DiagnosticInfo>(b, DecodeLimits::DEFAULT).map(drop)
}
fn ext(b: &[u8]) -> Result<(), Error> {
    decode_exact::<ExtensionObject>(b, DecodeLimits::DEFAULT).map(drop)
}
fn text(b: &[u8]) -> Result<(), Error> {
    decode_exact::<LocalizedText>(b, DecodeLimits::DEFAULT).map(drop)
}
fn uacp(b: &[u8]) -> Result<(), Error> {
    UacpMessage::decode_frame(b, DecodeLimits::DEFAULT).map(drop)
}
fn chunk(b: &[u8]) -> Result<(), Error> {
    ChunkHeaders::parse(b, 100).map(drop)
}
fn framer(b: &[u8]) -> Result<(), Error> {
    let mut f = Framer::new(8192);
    let mut input = b;
    while f.next_frame(&mut input)?.is_some() {}
    Ok(())
}
fn opn_request(b: &[u8]) -> Result<(), Error> {
    decode_message::<OpenSecureChannelRequest>(&mut Reader::new(b)).map(drop)
}

fn frame(tag: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = tag.to_vec();
    v.extend_from_slice(&((body.len() + 8) as u32).to_le_bytes());
    v.extend_from_slice(body);
    v
}

fn hello_with_url(len: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for v in [0u32, 8192, 8192, 0, 0] {
        body.extend_from_slice(&v.to_le_bytes());
    }
    body.extend_from_slice(&(len as i32).to_le_bytes());
    body.extend(std::iter::repeat_n(b'a', len));
    frame(b"HELF", &body)
}

fn opn_chunk(uri_len: i32, uri: &[u8], cert_len: i32, thumb_len: i32) -> Vec<u8> {
    let mut body = 0u32.to_le_bytes().to_vec();
    body.extend_from_slice(&uri_len.to_le_bytes());
    body.extend_from_slice(uri);
    body.extend_from_slice(&cert_len.to_le_bytes());
    body.extend(std::iter::repeat_n(0x30, cert_len.max(0) as usize));
    body.extend_from_slice(&thumb_len.to_le_bytes());
    body.extend(std::iter::repeat_n(0xAB, thumb_len.max(0) as usize));
    frame(b"OPNF", &body)
}

#[test]
fn malformed_inputs_give_their_status_codes() {
    let long_uri = vec![b'u'; 256];
    let cases: Vec<(&str, Check, Vec<u8>, StatusCode)> = vec![
        (
            "empty NodeId",
            node_id,
            vec![],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "truncated four-byte NodeId",
            node_id,
            vec![0x01, 0x00, 0x01],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "unknown NodeId encoding",
            node_id,
            vec![0x07, 0x00],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "NodeId with expanded flags",
            node_id,
            vec![0x40, 0x00, 0, 0, 0, 0],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "String length −2",
            string,
            vec![0xFE, 0xFF, 0xFF, 0xFF],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "String length i32::MIN",
            string,
            vec![0, 0, 0, 0x80],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "String longer than input",
            string,
            vec![5, 0, 0, 0, b'a'],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "String of 2 GiB announced",
            string,
            vec![0xFF, 0xFF, 0xFF, 0x7F],
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
        ),
        (
            "String over the limit",
            small_string,
            vec![5, 0, 0, 0, 1, 2, 3, 4, 5],
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
        ),
        (
            "String not UTF-8",
            string,
            vec![1, 0, 0, 0, 0xFF],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "ByteString length −7",
            bytes,
            vec![0xF9, 0xFF, 0xFF, 0xFF],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "trailing byte",
            bytes,
            vec![0, 0, 0, 0, 9],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "array over the limit",
            u32_array,
            vec![4, 0, 0, 0],
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
        ),
        (
            "array longer than input",
            u32_array,
            vec![2, 0, 0, 0, 1, 0, 0, 0],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "array length −3",
            u32_array,
            vec![0xFD, 0xFF, 0xFF, 0xFF],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "DiagnosticInfo nested too deep",
            diag,
            vec![0x40; 500],
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
        ),
        (
            "DiagnosticInfo unknown bit",
            diag,
            vec![0x80],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "ExtensionObject unknown encoding",
            ext,
            vec![0x00, 0x00, 0x03],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "LocalizedText unknown bit",
            text,
            vec![0x04],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "OPN body with the wrong type id",
            opn_request,
            vec![0x01, 0x00, 0xC1, 0x01],
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "OPN body with security mode 4",
            opn_request,
            {
                let mut b = vec![0x01, 0x00, 0xBE, 0x01];
                b.extend(encode_to_vec(&RequestHeader::default()).unwrap());
                b.extend([0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0]);
                b
            },
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "unknown frame type",
            framer,
            b"XYZF\x08\0\0\0".to_vec(),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
        (
            "unknown chunk type",
            framer,
            b"MSGX\x10\0\0\0".to_vec(),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
        (
            "abort chunk type on OPN",
            framer,
            b"OPNA\x10\0\0\0".to_vec(),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
        (
            "frame above the receive buffer",
            framer,
            b"MSGF\x01\x20\0\0".to_vec(),
            StatusCode::BAD_TCP_MESSAGE_TOO_LARGE,
        ),
        (
            "frame of 4 GiB",
            framer,
            b"MSGC\xFF\xFF\xFF\xFF".to_vec(),
            StatusCode::BAD_TCP_MESSAGE_TOO_LARGE,
        ),
        (
            "MessageSize below the header",
            framer,
            b"MSGF\x04\0\0\0".to_vec(),
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "chunk header truncated",
            chunk,
            b"MSGF\x10\0\0\0\0\0".to_vec(),
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "chunk size differs from length",
            chunk,
            b"MSGF\x20\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "UACP message where a chunk belongs",
            chunk,
            b"HELF\x0c\0\0\0\0\0\0\0".to_vec(),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
        (
            "SecurityPolicyUri of 256 bytes",
            chunk,
            opn_chunk(256, &long_uri, -1, -1),
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
        ),
        (
            "SecurityPolicyUri length −5",
            chunk,
            opn_chunk(-5, b"", -1, -1),
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "certificate above the maximum",
            chunk,
            opn_chunk(-1, b"", 101, -1),
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
        ),
        (
            "certificate length −2",
            chunk,
            opn_chunk(-1, b"", -2, -1),
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "thumbprint of 19 bytes",
            chunk,
            opn_chunk(-1, b"", -1, 19),
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "thumbprint of 21 bytes",
            chunk,
            opn_chunk(-1, b"", -1, 21),
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "HEL EndpointUrl of 4096 bytes",
            uacp,
            hello_with_url(4096),
            StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
        ),
        (
            "HEL truncated",
            uacp,
            hello_with_url(10)[..20].to_vec(),
            StatusCode::BAD_DECODING_ERROR,
        ),
        (
            "MSG given to the UACP decoder",
            uacp,
            frame(b"MSGF", &[0; 8]),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
    ];
    for (what, check, input, expected) in cases {
        let got = check(&input).map_err(|e| e.status_code());
        assert_eq!(got, Err(expected), "{what}");
    }
    // The edges that are still allowed.
    assert!(uacp(&hello_with_url(4095)).is_ok());
    // The fourth byte of HEL, ACK, ERR and RHE is Reserved and ignored
    // (OPC 10000-6 Table 73); MSG, OPN and CLO keep their C/F/A checks.
    assert!(framer(b"HELC\x08\0\0\0").is_ok());
    assert!(framer(b"ERR\0\x08\0\0\0").is_ok());
    assert!(chunk(&opn_chunk(255, &long_uri[..255], 100, 20)).is_ok());
    assert!(chunk(&opn_chunk(0, b"", 0, 0)).is_ok());
}
