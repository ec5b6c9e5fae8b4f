//! Decodes a UACP frame from arbitrary bytes; whatever decodes must
//! re-encode to a frame that decodes to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uasc::codec::DecodeLimits;
use uasc::uacp::UacpMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = UacpMessage::decode_frame(data, DecodeLimits::DEFAULT) {
        let mut buf = Vec::new();
        m.encode_frame(&mut buf).expect("a decoded message encodes");
        let again = UacpMessage::decode_frame(&buf, DecodeLimits::DEFAULT).expect("re-decodes");
        assert_eq!(again, m);
    }
});
