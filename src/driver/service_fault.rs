//! Telling a ServiceFault from a response, and answering a request with one
//! (OPC 10000-4 §7.35).

use std::time::SystemTime;

use crate::codec::{
    DateTime, Decode, DecodeLimits, NodeId, Reader, RequestHeader, ResponseHeader, Writer,
};
use crate::messages::{Message, ServiceFault, decode_message, encode_message, peek_type_id};
use crate::{Result, StatusCode};

/// The ServiceResult of `body` if it is a ServiceFault; `None` for any
/// other body, which is the caller's to decode. A body with the
/// ServiceFault's type id that does not decode as one is an error.
pub(crate) fn fault_code(body: &[u8]) -> Result<Option<StatusCode>> {
    let type_id = peek_type_id(body).ok().and_then(|id| id.as_ns0_numeric());
    if type_id != Some(ServiceFault::TYPE_ID) {
        return Ok(None);
    }
    let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
    let fault: ServiceFault = decode_message(&mut r)?;
    Ok(Some(fault.response_header.service_result))
}

/// A ServiceFault body answering the request `request` with `code`: the
/// request's RequestHandle is echoed when its header can be read.
pub(crate) fn fault_for(request: &[u8], code: StatusCode, utc: SystemTime) -> Vec<u8> {
    let mut r = Reader::with_limits(request, DecodeLimits::DEFAULT);
    let request_handle = NodeId::decode(&mut r)
        .and_then(|_| RequestHeader::decode(&mut r))
        .map_or(0, |h| h.request_handle);
    let fault = ServiceFault {
        response_header: ResponseHeader {
            timestamp: DateTime::from_system_time(utc),
            request_handle,
            service_result: code,
            ..ResponseHeader::default()
        },
    };
    let mut out = Vec::new();
    // A ServiceFault of default fields always encodes.
    if encode_message(&fault, &mut Writer::new(&mut out)).is_err() {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::GetEndpointsRequest;

    #[test]
    fn a_fault_echoes_the_handle_and_is_recognised() {
        let request = GetEndpointsRequest {
            request_header: RequestHeader {
                request_handle: 77,
                ..RequestHeader::default()
            },
            endpoint_url: "opc.tcp://h:1".into(),
            locale_ids: None,
            profile_uris: None,
        };
        let mut body = Vec::new();
        encode_message(&request, &mut Writer::new(&mut body)).unwrap();
        assert_eq!(fault_code(&body).unwrap(), None);
        let fault = fault_for(
            &body,
            StatusCode::BAD_SERVICE_UNSUPPORTED,
            SystemTime::now(),
        );
        assert_eq!(
            fault_code(&fault).unwrap(),
            Some(StatusCode::BAD_SERVICE_UNSUPPORTED)
        );
        let decoded: ServiceFault = decode_message(&mut Reader::new(&fault)).unwrap();
        assert_eq!(decoded.response_header.request_handle, 77);
        // A request whose header cannot be read still gets its fault.
        let fault = fault_for(b"\x01", StatusCode::BAD_DECODING_ERROR, SystemTime::now());
        assert_eq!(
            fault_code(&fault).unwrap(),
            Some(StatusCode::BAD_DECODING_ERROR)
        );
        assert_eq!(fault_code(b"").unwrap(), None);
        assert!(fault_code(&fault[..fault.len() - 1]).is_err());
    }
}
