//! Round trips of every codec type, message body and chunk header.

use proptest::prelude::*;
use uasc::StatusCode;
use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkType, FrameHeader, MessageHeader, MessageType, SequenceHeader,
    SymmetricSecurityHeader,
};
use uasc::codec::*;
use uasc::messages::*;

fn round_trip<T>(v: &T)
where
    T: Encode + for<'a> Decode<'a> + PartialEq + core::fmt::Debug,
{
    let bytes = encode_to_vec(v).unwrap();
    let back: T = decode_exact(&bytes, DecodeLimits::DEFAULT).unwrap();
    assert_eq!(&back, v);
    // Every strict prefix is rejected without a panic.
    for cut in 0..bytes.len() {
        assert!(
            decode_exact::<T>(&bytes[..cut], DecodeLimits::DEFAULT).is_err(),
            "prefix {cut}"
        );
    }
}

fn ua_string() -> impl Strategy<Value = UaString> {
    prop_oneof![Just(UaString::NULL), ".{0,12}".prop_map(UaString::from)]
}

fn byte_string() -> impl Strategy<Value = ByteString> {
    prop_oneof![
        Just(ByteString::NULL),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(ByteString::from)
    ]
}

fn guid() -> impl Strategy<Value = Guid> {
    (any::<u32>(), any::<u16>(), any::<u16>(), any::<[u8; 8]>()).prop_map(
        |(data1, data2, data3, data4)| Guid {
            data1,
            data2,
            data3,
            data4,
        },
    )
}

fn node_id() -> impl Strategy<Value = NodeId> {
    let identifier = prop_oneof![
        any::<u32>().prop_map(Identifier::Numeric),
        (0u32..300).prop_map(Identifier::Numeric),
        ua_string().prop_map(Identifier::String),
        guid().prop_map(Identifier::Guid),
        byte_string().prop_map(Identifier::ByteString),
    ];
    (prop_oneof![Just(0u16), 0u16..300, any::<u16>()], identifier).prop_map(
        |(namespace, identifier)| NodeId {
            namespace,
            identifier,
        },
    )
}

fn expanded_node_id() -> impl Strategy<Value = ExpandedNodeId> {
    (node_id(), ua_string(), any::<u32>()).prop_map(|(node_id, namespace_uri, server_index)| {
        ExpandedNodeId {
            node_id,
            namespace_uri,
            server_index,
        }
    })
}

fn date_time() -> impl Strategy<Value = DateTime> {
    any::<i64>().prop_map(DateTime)
}

fn status_code() -> impl Strategy<Value = StatusCode> {
    any::<u32>().prop_map(StatusCode::from_bits)
}

fn extension_object() -> impl Strategy<Value = ExtensionObject> {
    let body = prop_oneof![
        Just(ExtensionObjectBody::None),
        byte_string().prop_map(ExtensionObjectBody::Binary),
        ua_string().prop_map(ExtensionObjectBody::Xml),
    ];
    (node_id(), body).prop_map(|(type_id, body)| ExtensionObject { type_id, body })
}

fn diagnostic_info() -> impl Strategy<Value = DiagnosticInfo> {
    let leaf = (
        any::<Option<i32>>(),
        any::<Option<i32>>(),
        any::<Option<i32>>(),
        any::<Option<i32>>(),
        proptest::option::of(ua_string()),
        proptest::option::of(status_code()),
    )
        .prop_map(|(a, b, c, d, e, f)| DiagnosticInfo {
            symbolic_id: a,
            namespace_uri: b,
            locale: c,
            localized_text: d,
            additional_info: e,
            inner_status_code: f,
            inner_diagnostic_info: None,
        });
    leaf.prop_recursive(4, 8, 1, |inner| {
        (inner.clone(), proptest::option::of(inner)).prop_map(|(mut outer, inner)| {
            outer.inner_diagnostic_info = inner.map(Box::new);
            outer
        })
    })
}

fn request_header() -> impl Strategy<Value = RequestHeader> {
    (
        node_id(),
        date_time(),
        any::<u32>(),
        any::<u32>(),
        ua_string(),
        any::<u32>(),
        extension_object(),
    )
        .prop_map(|(a, b, c, d, e, f, g)| RequestHeader {
            authentication_token: a,
            timestamp: b,
            request_handle: c,
            return_diagnostics: d,
            audit_entry_id: e,
            timeout_hint: f,
            additional_header: g,
        })
}

fn response_header() -> impl Strategy<Value = ResponseHeader> {
    (
        date_time(),
        any::<u32>(),
        status_code(),
        diagnostic_info(),
        proptest::option::of(proptest::collection::vec(ua_string(), 0..4)),
        extension_object(),
    )
        .prop_map(|(a, b, c, d, e, f)| ResponseHeader {
            timestamp: a,
            request_handle: b,
            service_result: c,
            service_diagnostics: d,
            string_table: e,
            additional_header: f,
        })
}

fn security_mode() -> impl Strategy<Value = MessageSecurityMode> {
    prop_oneof![
        Just(MessageSecurityMode::Invalid),
        Just(MessageSecurityMode::None),
        Just(MessageSecurityMode::Sign),
        Just(MessageSecurityMode::SignAndEncrypt),
    ]
}

proptest! {
    #[test]
    fn scalars(b in any::<bool>(), x in any::<u8>(), y in any::<i8>(), z in any::<u16>(),
               a in any::<i16>(), c in any::<u32>(), d in any::<i32>(), e in any::<u64>(),
               f in any::<i64>(), g in any::<f64>().prop_filter("NaN != NaN", |g| !g.is_nan()),
               h in any::<f32>().prop_filter("NaN != NaN", |h| !h.is_nan())) {
        round_trip(&b); round_trip(&x); round_trip(&y); round_trip(&z); round_trip(&a);
        round_trip(&c); round_trip(&d); round_trip(&e); round_trip(&f); round_trip(&g);
        round_trip(&h);
    }

    #[test]
    fn strings_and_times(s in ua_string(), b in byte_string(), t in date_time(), g in guid(),
                         c in status_code()) {
        round_trip(&s); round_trip(&b); round_trip(&t); round_trip(&g); round_trip(&c);
    }

    #[test]
    fn node_ids(n in node_id(), e in expanded_node_id()) {
        round_trip(&n);
        round_trip(&e);
    }

    #[test]
    fn names_and_texts(ns in any::<u16>(), name in ua_string(), locale in ua_string(), text in ua_string()) {
        round_trip(&QualifiedName { namespace_index: ns, name });
        round_trip(&LocalizedText { locale, text });
    }

    #[test]
    fn structures(x in extension_object(), d in diagnostic_info(), rq in request_header(),
                  rs in response_header()) {
        round_trip(&x); round_trip(&d); round_trip(&rq); round_trip(&rs);
    }

    #[test]
    fn arrays(v in proptest::option::of(proptest::collection::vec(ua_string(), 0..8)),
              w in proptest::option::of(proptest::collection::vec(any::<u32>(), 0..8))) {
        round_trip(&v);
        round_trip(&w);
    }

    #[test]
    fn channel_messages(rq in request_header(), rs in response_header(), v in any::<u32>(),
                        renew in any::<bool>(), mode in security_mode(), nonce in byte_string(),
                        lifetime in any::<u32>(), ids in any::<(u32, u32)>(), at in date_time()) {
        let request_type = if renew { SecurityTokenRequestType::Renew } else { SecurityTokenRequestType::Issue };
        let open = OpenSecureChannelRequest {
            request_header: rq.clone(), client_protocol_version: v, request_type,
            security_mode: mode, client_nonce: nonce.clone(), requested_lifetime: lifetime,
        };
        round_trip(&open);
        let token = ChannelSecurityToken { channel_id: ids.0, token_id: ids.1, created_at: at, revised_lifetime: lifetime };
        round_trip(&token);
        let opened = OpenSecureChannelResponse {
            response_header: rs.clone(), server_protocol_version: v, security_token: token, server_nonce: nonce,
        };
        round_trip(&opened);
        round_trip(&CloseSecureChannelRequest { request_header: rq });
        round_trip(&ServiceFault { response_header: rs });

        // With their type id, as they travel in a chunk.
        let mut buf = Vec::new();
        encode_message(&opened, &mut Writer::new(&mut buf)).unwrap();
        prop_assert_eq!(peek_type_id(&buf).unwrap(), NodeId::numeric(0, 449));
        let back: OpenSecureChannelResponse = decode_message(&mut Reader::new(&buf)).unwrap();
        prop_assert_eq!(back, opened);
        prop_assert!(decode_message::<OpenSecureChannelRequest>(&mut Reader::new(&buf)).is_err());
    }

    #[test]
    fn chunk_headers(kind in 0usize..3, final_kind in 0usize..3, size in 16u32.., channel in any::<u32>(),
                     token in any::<u32>(), seq in any::<(u32, u32)>(),
                     uri in proptest::option::of("[a-z#:/.]{1,255}"),
                     cert in proptest::option::of(proptest::collection::vec(any::<u8>(), 1..300)),
                     thumb in proptest::option::of(any::<[u8; 20]>())) {
        let message_type = [MessageType::Message, MessageType::Open, MessageType::Close][kind];
        let chunk_type = if message_type == MessageType::Message {
            [ChunkType::Intermediate, ChunkType::Final, ChunkType::Abort][final_kind]
        } else {
            ChunkType::Final
        };
        round_trip(&FrameHeader { message_type, chunk_type, message_size: size });
        round_trip(&MessageHeader::new(message_type, chunk_type, size, channel));
        round_trip(&SymmetricSecurityHeader { token_id: token });
        round_trip(&SequenceHeader { sequence_number: seq.0, request_id: seq.1 });
        let asym = AsymmetricSecurityHeader {
            security_policy_uri: uri.as_deref(),
            sender_certificate: cert.as_deref(),
            receiver_certificate_thumbprint: thumb.as_ref().map(|t| &t[..]),
        };
        let bytes = encode_to_vec(&asym).unwrap();
        prop_assert_eq!(bytes.len(), asym.encoded_len());
        let back: AsymmetricSecurityHeader = decode_exact(&bytes, DecodeLimits::DEFAULT).unwrap();
        prop_assert_eq!(back, asym);
    }
}
