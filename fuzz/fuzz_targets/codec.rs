//! Decodes every codec type and message body (the secure channel's, the
//! ServiceFault and the discovery services') from arbitrary bytes; whatever decodes must
//! re-encode and decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uasc::chunk::AsymmetricSecurityHeader;
use uasc::codec::*;
use uasc::messages::*;

fn check<T>(data: &[u8])
where
    T: Encode + for<'a> Decode<'a> + PartialEq + core::fmt::Debug,
{
    if let Ok(v) = decode_exact::<T>(data, DecodeLimits::DEFAULT) {
        let bytes = encode_to_vec(&v).expect("a decoded value encodes");
        let again: T = decode_exact(&bytes, DecodeLimits::DEFAULT).expect("re-decodes");
        assert_eq!(again, v);
    }
}

fn check_message<M: Message + PartialEq + core::fmt::Debug>(data: &[u8]) {
    let mut r = Reader::new(data);
    if let Ok(m) = decode_message::<M>(&mut r) {
        let mut buf = Vec::new();
        encode_message(&m, &mut Writer::new(&mut buf)).expect("encodes");
        let again: M = decode_message(&mut Reader::new(&buf)).expect("re-decodes");
        assert_eq!(again, m);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, data)) = data.split_first() else {
        return;
    };
    match which % 21 {
        0 => check_message::<OpenSecureChannelRequest>(data),
        1 => check_message::<OpenSecureChannelResponse>(data),
        2 => check::<NodeId>(data),
        3 => check::<ExpandedNodeId>(data),
        4 => check::<DiagnosticInfo>(data),
        5 => check::<ExtensionObject>(data),
        6 => check::<RequestHeader>(data),
        7 => check::<ResponseHeader>(data),
        8 => check::<LocalizedText>(data),
        9 => check::<QualifiedName>(data),
        10 => check::<Option<Vec<UaString>>>(data),
        11 => check_message::<CloseSecureChannelRequest>(data),
        12 => check_message::<ServiceFault>(data),
        13 => check_message::<GetEndpointsRequest>(data),
        14 => check_message::<GetEndpointsResponse>(data),
        15 => check_message::<FindServersRequest>(data),
        16 => check_message::<FindServersResponse>(data),
        17 => check::<EndpointDescription>(data),
        18 => check::<ApplicationDescription>(data),
        19 => check::<UserTokenPolicy>(data),
        _ => {
            if let Ok(h) = decode_exact::<AsymmetricSecurityHeader>(data, DecodeLimits::DEFAULT) {
                let bytes = encode_to_vec(&h).expect("encodes");
                assert_eq!(bytes.len(), h.encoded_len());
            }
        }
    }
});
