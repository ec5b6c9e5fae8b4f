//! The Discovery service set (OPC 10000-4 §5.4): FindServers, GetEndpoints
//! and the structures they carry. Round trips, truncations, a known-answer
//! encoding, decoding limits, and the GetEndpoints bodies of the captured
//! connections re-encoded byte for byte.

mod common;

use common::{captures, h, s};
use proptest::prelude::*;
use uasc::codec::*;
use uasc::messages::*;
use uasc::{Error, StatusCode};

/// `v` encodes, decodes back to itself, and every strict prefix of its
/// encoding is rejected.
fn round_trip<T>(v: &T)
where
    T: Encode + for<'a> Decode<'a> + PartialEq + core::fmt::Debug,
{
    let bytes = encode_to_vec(v).unwrap();
    let back: T = decode_exact(&bytes, DecodeLimits::DEFAULT).unwrap();
    assert_eq!(&back, v);
    for cut in 0..bytes.len() {
        assert!(
            decode_exact::<T>(&bytes[..cut], DecodeLimits::DEFAULT).is_err(),
            "prefix {cut} of {}",
            bytes.len()
        );
    }
}

/// Encodes `m` with its type id, as it travels in a chunk.
fn message_bytes<M: Message>(m: &M) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_message(m, &mut Writer::new(&mut buf)).unwrap();
    buf
}

/// Decodes exactly one `M`, type id included.
fn decode_body<M: Message>(body: &[u8]) -> uasc::Result<M> {
    let mut r = Reader::new(body);
    let m = decode_message::<M>(&mut r)?;
    r.expect_end("trailing bytes after message")?;
    Ok(m)
}

/// `m` round-trips with its type id, every strict prefix fails, and the
/// body is refused as every other discovery message.
fn message_round_trip<M>(m: &M)
where
    M: Message + PartialEq + core::fmt::Debug,
{
    let bytes = message_bytes(m);
    assert_eq!(
        peek_type_id(&bytes).unwrap(),
        NodeId::numeric(0, M::TYPE_ID)
    );
    assert_eq!(&decode_body::<M>(&bytes).unwrap(), m);
    for cut in 0..bytes.len() {
        assert!(decode_body::<M>(&bytes[..cut]).is_err(), "prefix {cut}");
    }
    assert_rejected_as_others::<M>(&bytes);
}

/// A body of type `M` is refused by `decode_message` for every other type.
fn assert_rejected_as_others<M: Message>(bytes: &[u8]) {
    fn refuses<N: Message + core::fmt::Debug>(bytes: &[u8], own: u32) {
        if N::TYPE_ID != own {
            assert_eq!(
                decode_message::<N>(&mut Reader::new(bytes)).unwrap_err(),
                Error::Decoding("unexpected message type id"),
                "type {own} decoded as {}",
                N::TYPE_ID
            );
        }
    }
    refuses::<GetEndpointsRequest>(bytes, M::TYPE_ID);
    refuses::<GetEndpointsResponse>(bytes, M::TYPE_ID);
    refuses::<FindServersRequest>(bytes, M::TYPE_ID);
    refuses::<FindServersResponse>(bytes, M::TYPE_ID);
    refuses::<ServiceFault>(bytes, M::TYPE_ID);
    refuses::<OpenSecureChannelRequest>(bytes, M::TYPE_ID);
}

// ---------------------------------------------------------------------------
// Strategies

fn ua_string() -> impl Strategy<Value = UaString> {
    prop_oneof![Just(UaString::NULL), ".{0,12}".prop_map(UaString::from)]
}

fn string_array() -> impl Strategy<Value = Option<Vec<UaString>>> {
    proptest::option::of(proptest::collection::vec(ua_string(), 0..4))
}

fn byte_string() -> impl Strategy<Value = ByteString> {
    prop_oneof![
        Just(ByteString::NULL),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(ByteString::from)
    ]
}

fn node_id() -> impl Strategy<Value = NodeId> {
    let identifier = prop_oneof![
        any::<u32>().prop_map(Identifier::Numeric),
        ua_string().prop_map(Identifier::String),
        byte_string().prop_map(Identifier::ByteString),
    ];
    prop_oneof![
        Just(NodeId::NULL),
        (any::<u16>(), identifier).prop_map(|(namespace, identifier)| NodeId {
            namespace,
            identifier,
        }),
    ]
}

fn extension_object() -> impl Strategy<Value = ExtensionObject> {
    prop_oneof![
        Just(ExtensionObject::null()),
        (node_id(), proptest::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(id, body)| ExtensionObject::binary(id, body)),
    ]
}

fn localized_text() -> impl Strategy<Value = LocalizedText> {
    (ua_string(), ua_string()).prop_map(|(locale, text)| LocalizedText { locale, text })
}

fn request_header() -> impl Strategy<Value = RequestHeader> {
    (
        node_id(),
        any::<i64>(),
        any::<u32>(),
        any::<u32>(),
        ua_string(),
        any::<u32>(),
        extension_object(),
    )
        .prop_map(|(a, b, c, d, e, f, g)| RequestHeader {
            authentication_token: a,
            timestamp: DateTime(b),
            request_handle: c,
            return_diagnostics: d,
            audit_entry_id: e,
            timeout_hint: f,
            additional_header: g,
        })
}

fn response_header() -> impl Strategy<Value = ResponseHeader> {
    let diagnostics = prop_oneof![
        Just(DiagnosticInfo::default()),
        (any::<Option<i32>>(), proptest::option::of(ua_string())).prop_map(|(id, info)| {
            DiagnosticInfo {
                symbolic_id: id,
                additional_info: info,
                ..DiagnosticInfo::default()
            }
        }),
    ];
    (
        any::<i64>(),
        any::<u32>(),
        any::<u32>(),
        diagnostics,
        string_array(),
        extension_object(),
    )
        .prop_map(|(a, b, c, d, e, f)| ResponseHeader {
            timestamp: DateTime(a),
            request_handle: b,
            service_result: StatusCode::from_bits(c),
            service_diagnostics: d,
            string_table: e,
            additional_header: f,
        })
}

fn application_type() -> impl Strategy<Value = ApplicationType> {
    prop_oneof![
        Just(ApplicationType::Server),
        Just(ApplicationType::Client),
        Just(ApplicationType::ClientAndServer),
        Just(ApplicationType::DiscoveryServer),
    ]
}

fn user_token_type() -> impl Strategy<Value = UserTokenType> {
    prop_oneof![
        Just(UserTokenType::Anonymous),
        Just(UserTokenType::UserName),
        Just(UserTokenType::Certificate),
        Just(UserTokenType::IssuedToken),
    ]
}

fn security_mode() -> impl Strategy<Value = MessageSecurityMode> {
    prop_oneof![
        Just(MessageSecurityMode::Invalid),
        Just(MessageSecurityMode::None),
        Just(MessageSecurityMode::Sign),
        Just(MessageSecurityMode::SignAndEncrypt),
    ]
}

fn application_description() -> impl Strategy<Value = ApplicationDescription> {
    (
        ua_string(),
        ua_string(),
        localized_text(),
        application_type(),
        ua_string(),
        ua_string(),
        string_array(),
    )
        .prop_map(|(a, b, c, d, e, f, g)| ApplicationDescription {
            application_uri: a,
            product_uri: b,
            application_name: c,
            application_type: d,
            gateway_server_uri: e,
            discovery_profile_uri: f,
            discovery_urls: g,
        })
}

fn user_token_policy() -> impl Strategy<Value = UserTokenPolicy> {
    (
        ua_string(),
        user_token_type(),
        ua_string(),
        ua_string(),
        ua_string(),
    )
        .prop_map(|(a, b, c, d, e)| UserTokenPolicy {
            policy_id: a,
            token_type: b,
            issued_token_type: c,
            issuer_endpoint_url: d,
            security_policy_uri: e,
        })
}

fn endpoint_description() -> impl Strategy<Value = EndpointDescription> {
    (
        ua_string(),
        application_description(),
        byte_string(),
        security_mode(),
        ua_string(),
        proptest::option::of(proptest::collection::vec(user_token_policy(), 0..3)),
        ua_string(),
        any::<u8>(),
    )
        .prop_map(|(a, b, c, d, e, f, g, h)| EndpointDescription {
            endpoint_url: a,
            server: b,
            server_certificate: c,
            security_mode: d,
            security_policy_uri: e,
            user_identity_tokens: f,
            transport_profile_uri: g,
            security_level: h,
        })
}

proptest! {
    #[test]
    fn structures_round_trip(t in application_type(), u in user_token_type(),
                             a in application_description(), p in user_token_policy(),
                             e in endpoint_description()) {
        round_trip(&t);
        round_trip(&u);
        round_trip(&a);
        round_trip(&p);
        round_trip(&e);
    }

    #[test]
    fn get_endpoints_round_trip(rq in request_header(), url in ua_string(),
                                locales in string_array(), profiles in string_array(),
                                rs in response_header(),
                                endpoints in proptest::option::of(
                                    proptest::collection::vec(endpoint_description(), 0..3))) {
        let request = GetEndpointsRequest {
            request_header: rq, endpoint_url: url, locale_ids: locales, profile_uris: profiles,
        };
        round_trip(&request);
        message_round_trip(&request);
        let response = GetEndpointsResponse { response_header: rs, endpoints };
        round_trip(&response);
        message_round_trip(&response);
    }

    #[test]
    fn find_servers_round_trip(rq in request_header(), url in ua_string(),
                               locales in string_array(), uris in string_array(),
                               rs in response_header(),
                               servers in proptest::option::of(
                                   proptest::collection::vec(application_description(), 0..3))) {
        let request = FindServersRequest {
            request_header: rq, endpoint_url: url, locale_ids: locales, server_uris: uris,
        };
        round_trip(&request);
        message_round_trip(&request);
        let response = FindServersResponse { response_header: rs, servers };
        round_trip(&response);
        message_round_trip(&response);
    }
}

// ---------------------------------------------------------------------------
// Fixed values

#[test]
fn encoding_ids_are_the_default_binary_node_ids() {
    // Namespace 0 NodeIds of the `<Type>_Encoding_DefaultBinary` objects.
    assert_eq!(FindServersRequest::TYPE_ID, 422);
    assert_eq!(FindServersResponse::TYPE_ID, 425);
    assert_eq!(GetEndpointsRequest::TYPE_ID, 428);
    assert_eq!(GetEndpointsResponse::TYPE_ID, 431);
}

#[test]
fn enumeration_values() {
    let app = [
        (ApplicationType::Server, 0),
        (ApplicationType::Client, 1),
        (ApplicationType::ClientAndServer, 2),
        (ApplicationType::DiscoveryServer, 3),
    ];
    for (t, v) in app {
        assert_eq!(t.value(), v);
        assert_eq!(encode_to_vec(&t).unwrap(), (v as i32).to_le_bytes());
    }
    let token = [
        (UserTokenType::Anonymous, 0),
        (UserTokenType::UserName, 1),
        (UserTokenType::Certificate, 2),
        (UserTokenType::IssuedToken, 3),
    ];
    for (t, v) in token {
        assert_eq!(t.value(), v);
        assert_eq!(encode_to_vec(&t).unwrap(), (v as i32).to_le_bytes());
    }
    for bad in [4u32, 0x7FFF_FFFF, u32::MAX] {
        let bytes = bad.to_le_bytes();
        assert_eq!(
            decode_exact::<ApplicationType>(&bytes, DecodeLimits::DEFAULT),
            Err(Error::Decoding("unknown ApplicationType"))
        );
        assert_eq!(
            decode_exact::<UserTokenType>(&bytes, DecodeLimits::DEFAULT),
            Err(Error::Decoding("unknown UserTokenType"))
        );
    }
}

#[test]
fn unknown_application_type_inside_a_response_is_refused() {
    let servers = Some(vec![ApplicationDescription {
        application_uri: "urn:a".into(),
        product_uri: UaString::NULL,
        application_name: LocalizedText::default(),
        application_type: ApplicationType::DiscoveryServer,
        gateway_server_uri: UaString::NULL,
        discovery_profile_uri: UaString::NULL,
        discovery_urls: None,
    }]);
    let response = FindServersResponse {
        servers,
        ..FindServersResponse::default()
    };
    let mut bytes = message_bytes(&response);
    // Counting from the end: discoveryUrls, discoveryProfileUri and
    // gatewayServerUri (each null, 4 bytes), then the ApplicationType.
    let at = bytes.len() - (4 + 4 + 4 + 4);
    assert_eq!(bytes[at..at + 4], [3, 0, 0, 0]);
    bytes[at] = 4;
    assert_eq!(
        decode_body::<FindServersResponse>(&bytes),
        Err(Error::Decoding("unknown ApplicationType"))
    );
}

#[test]
fn transport_profile_uri() {
    assert_eq!(
        TRANSPORT_PROFILE_UATCP,
        "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary"
    );
}

/// A GetEndpointsRequest written out field by field from the layout of
/// OPC 10000-4 §5.4.4.2 and the OPC UA Binary rules of OPC 10000-6 §5.2.
#[test]
fn get_endpoints_request_known_answer() {
    let request = GetEndpointsRequest {
        request_header: RequestHeader {
            authentication_token: NodeId::NULL,
            // 2024-01-01T00:00:00Z: 133 485 408 000 000 000 ticks of 100 ns
            // since 1601-01-01.
            timestamp: DateTime(133_485_408_000_000_000),
            request_handle: 7,
            return_diagnostics: 0,
            audit_entry_id: UaString::NULL,
            timeout_hint: 10_000,
            additional_header: ExtensionObject::null(),
        },
        endpoint_url: "opc.tcp://h:4840".into(),
        locale_ids: Some(vec!["en".into()]),
        profile_uris: None,
    };
    let expected: Vec<u8> = [
        // Type id: NodeId ns=0;i=428 in the four-byte form: encoding byte
        // 0x01, namespace byte 0, UInt16 428 = 0x01AC little-endian.
        &[0x01, 0x00, 0xAC, 0x01][..],
        // RequestHeader.authenticationToken: null NodeId, two-byte form
        // (encoding byte 0x00, identifier byte 0).
        &[0x00, 0x00],
        // RequestHeader.timestamp: Int64 0x01DA_3C45_7689_C000, little-endian.
        &[0x00, 0xC0, 0x89, 0x76, 0x45, 0x3C, 0xDA, 0x01],
        // RequestHeader.requestHandle: UInt32 7.
        &[0x07, 0x00, 0x00, 0x00],
        // RequestHeader.returnDiagnostics: UInt32 0.
        &[0x00, 0x00, 0x00, 0x00],
        // RequestHeader.auditEntryId: null String, length -1.
        &[0xFF, 0xFF, 0xFF, 0xFF],
        // RequestHeader.timeoutHint: UInt32 10 000 = 0x2710.
        &[0x10, 0x27, 0x00, 0x00],
        // RequestHeader.additionalHeader: ExtensionObject with a null type id
        // (0x00 0x00) and no body (encoding byte 0x00).
        &[0x00, 0x00, 0x00],
        // endpointUrl: String of 16 bytes.
        &[0x10, 0x00, 0x00, 0x00],
        b"opc.tcp://h:4840",
        // localeIds: array of 1 String, "en" (length 2).
        &[0x01, 0x00, 0x00, 0x00],
        &[0x02, 0x00, 0x00, 0x00],
        b"en",
        // profileUris: null array, length -1.
        &[0xFF, 0xFF, 0xFF, 0xFF],
    ]
    .concat();
    assert_eq!(expected.len(), 4 + 2 + 8 + 4 + 4 + 4 + 4 + 3 + 20 + 10 + 4);
    assert_eq!(message_bytes(&request), expected);
    assert_eq!(encode_to_vec(&request).unwrap(), expected[4..]);
    assert_eq!(decode_body::<GetEndpointsRequest>(&expected), Ok(request));
}

#[test]
fn wrong_type_id_is_refused() {
    let get = message_bytes(&GetEndpointsRequest::default());
    let find = message_bytes(&FindServersRequest::default());
    // The two requests share a layout; only the type id tells them apart.
    assert_eq!(get[4..], find[4..]);
    assert_rejected_as_others::<GetEndpointsRequest>(&get);
    assert_rejected_as_others::<FindServersRequest>(&find);
    assert_rejected_as_others::<GetEndpointsResponse>(&message_bytes(
        &GetEndpointsResponse::default(),
    ));
    assert_rejected_as_others::<FindServersResponse>(&message_bytes(
        &FindServersResponse::default(),
    ));
    // A ServiceFault in place of a GetEndpointsResponse.
    let fault = message_bytes(&ServiceFault::default());
    assert!(decode_message::<GetEndpointsResponse>(&mut Reader::new(&fault)).is_err());
    // The type id in a namespace other than 0.
    let mut other_ns = get.clone();
    other_ns[1] = 1;
    assert!(decode_message::<GetEndpointsRequest>(&mut Reader::new(&other_ns)).is_err());
}

// ---------------------------------------------------------------------------
// Decoding limits

fn sample_endpoint() -> EndpointDescription {
    EndpointDescription {
        endpoint_url: "opc.tcp://h:4840".into(),
        server: ApplicationDescription {
            application_uri: "urn:h:server".into(),
            product_uri: "urn:product".into(),
            application_name: LocalizedText {
                locale: "en".into(),
                text: "server".into(),
            },
            application_type: ApplicationType::Server,
            gateway_server_uri: UaString::NULL,
            discovery_profile_uri: UaString::NULL,
            discovery_urls: Some(vec!["opc.tcp://h:4840".into()]),
        },
        server_certificate: ByteString::from(vec![0x30, 0x82, 0x01, 0x00]),
        security_mode: MessageSecurityMode::SignAndEncrypt,
        security_policy_uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256".into(),
        user_identity_tokens: Some(vec![UserTokenPolicy {
            policy_id: "anonymous".into(),
            token_type: UserTokenType::Anonymous,
            issued_token_type: UaString::NULL,
            issuer_endpoint_url: UaString::NULL,
            security_policy_uri: UaString::NULL,
        }]),
        transport_profile_uri: TRANSPORT_PROFILE_UATCP.into(),
        security_level: 3,
    }
}

#[test]
fn array_lengths_are_bounded() {
    let response = GetEndpointsResponse {
        endpoints: Some(vec![sample_endpoint(), sample_endpoint()]),
        ..GetEndpointsResponse::default()
    };
    let bytes = encode_to_vec(&response).unwrap();
    let one = DecodeLimits {
        max_array_length: 1,
        ..DecodeLimits::DEFAULT
    };
    assert_eq!(
        decode_exact::<GetEndpointsResponse>(&bytes, one),
        Err(Error::EncodingLimitsExceeded("array"))
    );
    let two = DecodeLimits {
        max_array_length: 2,
        ..DecodeLimits::DEFAULT
    };
    assert_eq!(
        decode_exact::<GetEndpointsResponse>(&bytes, two),
        Ok(response)
    );

    // A count the remaining bytes cannot hold is refused before anything is
    // allocated for it.
    let mut huge = encode_to_vec(&ResponseHeader::default()).unwrap();
    huge.extend_from_slice(&60_000i32.to_le_bytes());
    huge.extend_from_slice(&[0u8; 16]);
    assert!(matches!(
        decode_exact::<GetEndpointsResponse>(&huge, DecodeLimits::DEFAULT),
        Err(Error::Decoding(_))
    ));
    // Negative counts other than -1 are malformed.
    let mut negative = encode_to_vec(&ResponseHeader::default()).unwrap();
    negative.extend_from_slice(&(-2i32).to_le_bytes());
    assert!(decode_exact::<FindServersResponse>(&negative, DecodeLimits::DEFAULT).is_err());
}

#[test]
fn nested_structures_count_against_the_nesting_limit() {
    let response = GetEndpointsResponse {
        endpoints: Some(vec![sample_endpoint()]),
        ..GetEndpointsResponse::default()
    };
    let bytes = encode_to_vec(&response).unwrap();
    // EndpointDescription → ApplicationDescription / UserTokenPolicy: two levels.
    let depth = |max_nesting_depth| DecodeLimits {
        max_nesting_depth,
        ..DecodeLimits::DEFAULT
    };
    assert_eq!(
        decode_exact::<GetEndpointsResponse>(&bytes, depth(1)),
        Err(Error::EncodingLimitsExceeded("nesting depth"))
    );
    assert_eq!(
        decode_exact::<GetEndpointsResponse>(&bytes, depth(2)),
        Ok(response)
    );
}

#[test]
fn string_limits_apply_inside_descriptions() {
    let bytes = encode_to_vec(&sample_endpoint()).unwrap();
    let short = DecodeLimits {
        max_string_length: 8,
        ..DecodeLimits::DEFAULT
    };
    assert_eq!(
        decode_exact::<EndpointDescription>(&bytes, short),
        Err(Error::EncodingLimitsExceeded("String"))
    );
    let tiny_certs = DecodeLimits {
        max_byte_string_length: 3,
        ..DecodeLimits::DEFAULT
    };
    assert_eq!(
        decode_exact::<EndpointDescription>(&bytes, tiny_certs),
        Err(Error::EncodingLimitsExceeded("ByteString"))
    );
}

// ---------------------------------------------------------------------------
// Captured connections

/// Every GetEndpoints request and response body recorded between real
/// stacks (node-opcua clients call GetEndpoints first) decodes, re-encodes
/// to the same bytes, and describes the endpoint the connection then used.
#[test]
fn captured_get_endpoints_bodies_re_encode_byte_for_byte() {
    let mut requests = 0;
    let mut responses = 0;
    for (name, v) in &captures() {
        let server_cert = h(v, "server_certificate_der_hex");
        let policy = s(v, "security_policy_uri");
        let mode = match s(v, "security_mode") {
            "Sign" => MessageSecurityMode::Sign,
            "SignAndEncrypt" => MessageSecurityMode::SignAndEncrypt,
            other => panic!("{name}: mode {other}"),
        };
        for key in ["msg_client_to_server_first", "msg_server_to_client_first"] {
            let msg = &v[key];
            let body = h(msg, "body_hex");
            let ctx = format!("{name} {key}");
            match s(msg, "body_type") {
                "GetEndpointsRequest" => {
                    assert_eq!(msg["body_type_id"], GetEndpointsRequest::TYPE_ID, "{ctx}");
                    let request: GetEndpointsRequest = decode_body(&body).expect(&ctx);
                    assert_eq!(message_bytes(&request), body, "{ctx}: re-encodes");
                    let url = request.endpoint_url.as_str().expect("endpoint URL");
                    assert!(url.starts_with("opc.tcp://127.0.0.1:"), "{ctx}: {url}");
                    assert!(request.request_header.authentication_token.is_null());
                    requests += 1;
                }
                "GetEndpointsResponse" => {
                    assert_eq!(msg["body_type_id"], GetEndpointsResponse::TYPE_ID, "{ctx}");
                    let response: GetEndpointsResponse = decode_body(&body).expect(&ctx);
                    assert_eq!(message_bytes(&response), body, "{ctx}: re-encodes");
                    assert_eq!(response.response_header.service_result, StatusCode::GOOD);
                    let endpoints = response.endpoints.as_deref().unwrap_or_default();
                    assert!(!endpoints.is_empty(), "{ctx}: no endpoints");
                    for e in endpoints {
                        assert_eq!(
                            e.transport_profile_uri.as_str(),
                            Some(TRANSPORT_PROFILE_UATCP),
                            "{ctx}"
                        );
                        assert_ne!(e.server.application_type, ApplicationType::Client, "{ctx}");
                    }
                    // The endpoint this connection used is among them, with
                    // the certificate the server then presented.
                    assert!(
                        endpoints.iter().any(|e| {
                            e.security_policy_uri.as_str() == Some(policy)
                                && e.security_mode == mode
                                && e.server_certificate.as_bytes() == Some(server_cert.as_slice())
                        }),
                        "{ctx}: the channel's endpoint is not offered"
                    );
                    responses += 1;
                }
                _ => {}
            }
        }
    }
    println!("discovery captures: {requests} requests, {responses} responses");
    assert!(requests > 0, "no captured GetEndpointsRequest");
    assert!(responses > 0, "no captured GetEndpointsResponse");
}

/// CreateSession carries the same structures: the client's
/// ApplicationDescription in the request and the server's
/// EndpointDescriptions in the response. Those parts of the captured bodies
/// re-encode byte for byte too.
#[test]
fn captured_create_session_descriptions_re_encode_byte_for_byte() {
    let mut clients = 0;
    let mut endpoint_lists = 0;
    for (name, v) in &captures() {
        for key in ["msg_client_to_server_first", "msg_server_to_client_first"] {
            let msg = &v[key];
            let body = h(msg, "body_hex");
            let ctx = format!("{name} {key}");
            match s(msg, "body_type") {
                "CreateSessionRequest" => {
                    let mut r = Reader::new(&body);
                    NodeId::decode(&mut r).expect(&ctx);
                    RequestHeader::decode(&mut r).expect(&ctx);
                    let start = r.position();
                    let client = ApplicationDescription::decode(&mut r).expect(&ctx);
                    let end = r.position();
                    assert_eq!(client.application_type, ApplicationType::Client, "{ctx}");
                    assert_eq!(encode_to_vec(&client).unwrap(), body[start..end], "{ctx}");
                    clients += 1;
                }
                "CreateSessionResponse" => {
                    let mut r = Reader::new(&body);
                    NodeId::decode(&mut r).expect(&ctx);
                    ResponseHeader::decode(&mut r).expect(&ctx);
                    NodeId::decode(&mut r).expect(&ctx); // sessionId
                    NodeId::decode(&mut r).expect(&ctx); // authenticationToken
                    f64::decode(&mut r).expect(&ctx); // revisedSessionTimeout
                    ByteString::decode(&mut r).expect(&ctx); // serverNonce
                    ByteString::decode(&mut r).expect(&ctx); // serverCertificate
                    let start = r.position();
                    let endpoints = Option::<Vec<EndpointDescription>>::decode(&mut r).expect(&ctx);
                    let end = r.position();
                    assert_eq!(
                        encode_to_vec(&endpoints).unwrap(),
                        body[start..end],
                        "{ctx}"
                    );
                    assert!(endpoints.is_some_and(|e| !e.is_empty()), "{ctx}");
                    endpoint_lists += 1;
                }
                _ => {}
            }
        }
    }
    println!(
        "create session captures: {clients} client descriptions, {endpoint_lists} endpoint lists"
    );
    assert!(clients > 0 && endpoint_lists > 0);
}
