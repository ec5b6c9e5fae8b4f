//! RequestHeader and ResponseHeader (OPC 10000-4 §7.33, §7.34).

use super::{
    DateTime, Decode, DiagnosticInfo, Encode, ExtensionObject, NodeId, Reader, UaString, Writer,
};
use crate::{Result, StatusCode};

/// The header of every service request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestHeader {
    /// The session's authentication token (null outside a session).
    pub authentication_token: NodeId,
    /// When the client sent the request.
    pub timestamp: DateTime,
    /// A client-chosen handle echoed in the response.
    pub request_handle: u32,
    /// Which diagnostics the client wants back.
    pub return_diagnostics: u32,
    /// An identifier for audit logs.
    pub audit_entry_id: UaString,
    /// How long the client waits for the response, in milliseconds.
    pub timeout_hint: u32,
    /// Reserved for future use.
    pub additional_header: ExtensionObject,
}

impl Encode for RequestHeader {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.authentication_token.encode(w)?;
        self.timestamp.encode(w)?;
        w.write_u32(self.request_handle);
        w.write_u32(self.return_diagnostics);
        self.audit_entry_id.encode(w)?;
        w.write_u32(self.timeout_hint);
        self.additional_header.encode(w)
    }
}

impl<'a> Decode<'a> for RequestHeader {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(RequestHeader {
            authentication_token: NodeId::decode(r)?,
            timestamp: DateTime::decode(r)?,
            request_handle: r.read_u32()?,
            return_diagnostics: r.read_u32()?,
            audit_entry_id: UaString::decode(r)?,
            timeout_hint: r.read_u32()?,
            additional_header: ExtensionObject::decode(r)?,
        })
    }
}

/// The header of every service response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHeader {
    /// When the server sent the response.
    pub timestamp: DateTime,
    /// The request's handle.
    pub request_handle: u32,
    /// The result of the service call.
    pub service_result: StatusCode,
    /// Diagnostics for `service_result`.
    pub service_diagnostics: DiagnosticInfo,
    /// Strings referred to by the diagnostics.
    pub string_table: Option<Vec<UaString>>,
    /// Reserved for future use.
    pub additional_header: ExtensionObject,
}

impl Encode for ResponseHeader {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.timestamp.encode(w)?;
        w.write_u32(self.request_handle);
        self.service_result.encode(w)?;
        self.service_diagnostics.encode(w)?;
        self.string_table.encode(w)?;
        self.additional_header.encode(w)
    }
}

impl<'a> Decode<'a> for ResponseHeader {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ResponseHeader {
            timestamp: DateTime::decode(r)?,
            request_handle: r.read_u32()?,
            service_result: StatusCode::decode(r)?,
            service_diagnostics: DiagnosticInfo::decode(r)?,
            string_table: Option::<Vec<UaString>>::decode(r)?,
            additional_header: ExtensionObject::decode(r)?,
        })
    }
}
