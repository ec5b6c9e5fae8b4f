//! The asymmetric and symmetric security headers (OPC 10000-6 §6.7.2.3).

use crate::codec::{Decode, Encode, Reader, Writer};
use crate::{Error, Result};

/// Longest SecurityPolicyUri accepted, in bytes (OPC 10000-6 Table 58).
pub const MAX_SECURITY_POLICY_URI_LENGTH: u32 = 255;

/// Default bound on the SenderCertificate field (a DER certificate, possibly
/// followed by its chain), in bytes.
pub const DEFAULT_MAX_CERTIFICATE_SIZE: u32 = 32_768;

/// Length of a SHA-1 ReceiverCertificateThumbprint.
pub const THUMBPRINT_LENGTH: usize = 20;

/// The security header of an OPN chunk, borrowed from the received bytes.
///
/// Null and empty fields are both `None`: the spec gives 0 and −1 the same
/// meaning here. Encoding writes −1 for `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AsymmetricSecurityHeader<'a> {
    /// The SecurityPolicyUri (at most 255 bytes of UTF-8).
    pub security_policy_uri: Option<&'a str>,
    /// The sender's DER certificate, leaf first, possibly followed by its
    /// issuers; absent when the chunk is not signed.
    pub sender_certificate: Option<&'a [u8]>,
    /// SHA-1 of the receiver's DER certificate (20 bytes); absent when the
    /// chunk is not encrypted.
    pub receiver_certificate_thumbprint: Option<&'a [u8]>,
}

impl<'a> AsymmetricSecurityHeader<'a> {
    /// Decodes the header, bounding the SenderCertificate by
    /// `max_certificate_size` bytes.
    ///
    /// Errors: a URI over 255 bytes or a certificate over the bound give
    /// `BadEncodingLimitsExceeded`; negative lengths other than −1, invalid
    /// UTF-8 or a thumbprint that is not 0 or 20 bytes give
    /// `BadDecodingError`.
    pub fn decode_with_limit(r: &mut Reader<'a>, max_certificate_size: u32) -> Result<Self> {
        let uri = r.read_str_max(MAX_SECURITY_POLICY_URI_LENGTH, "SecurityPolicyUri")?;
        let certificate = r.read_byte_string_max(max_certificate_size, "SenderCertificate")?;
        let thumbprint = r
            .read_byte_string_max(THUMBPRINT_LENGTH as u32, "ReceiverCertificateThumbprint")
            .map_err(|e| match e {
                Error::EncodingLimitsExceeded(_) => {
                    Error::Decoding("ReceiverCertificateThumbprint is not 20 bytes")
                }
                e => e,
            })?;
        let thumbprint = non_empty(thumbprint);
        if thumbprint.is_some_and(|t| t.len() != THUMBPRINT_LENGTH) {
            return Err(Error::Decoding(
                "ReceiverCertificateThumbprint is not 20 bytes",
            ));
        }
        Ok(AsymmetricSecurityHeader {
            security_policy_uri: uri.filter(|u| !u.is_empty()),
            sender_certificate: non_empty(certificate),
            receiver_certificate_thumbprint: thumbprint,
        })
    }

    /// Encoded length.
    pub fn encoded_len(&self) -> usize {
        12 + self.security_policy_uri.map_or(0, str::len)
            + self.sender_certificate.map_or(0, <[u8]>::len)
            + self.receiver_certificate_thumbprint.map_or(0, <[u8]>::len)
    }
}

fn non_empty(b: Option<&[u8]>) -> Option<&[u8]> {
    b.filter(|b| !b.is_empty())
}

impl<'a> Decode<'a> for AsymmetricSecurityHeader<'a> {
    /// Decodes with [`DEFAULT_MAX_CERTIFICATE_SIZE`].
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Self::decode_with_limit(r, DEFAULT_MAX_CERTIFICATE_SIZE)
    }
}

impl Encode for AsymmetricSecurityHeader<'_> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.security_policy_uri.map_or(0, str::len) > MAX_SECURITY_POLICY_URI_LENGTH as usize {
            return Err(Error::EncodingLimitsExceeded("SecurityPolicyUri"));
        }
        if self
            .receiver_certificate_thumbprint
            .is_some_and(|t| t.len() != THUMBPRINT_LENGTH)
        {
            return Err(Error::EncodingLimitsExceeded(
                "ReceiverCertificateThumbprint",
            ));
        }
        w.write_str(self.security_policy_uri)?;
        w.write_byte_string(self.sender_certificate)?;
        w.write_byte_string(self.receiver_certificate_thumbprint)
    }
}

/// The security header of MSG and CLO chunks: the TokenId of the key set
/// that secures the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SymmetricSecurityHeader {
    /// The SecurityToken's id.
    pub token_id: u32,
}

impl SymmetricSecurityHeader {
    /// Encoded length.
    pub const LEN: usize = 4;
}

impl Encode for SymmetricSecurityHeader {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.token_id);
        Ok(())
    }
}

impl<'a> Decode<'a> for SymmetricSecurityHeader {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(SymmetricSecurityHeader {
            token_id: r.read_u32()?,
        })
    }
}
