//! Splitting a whole chunk into its headers and the secured remainder
//! (OPC 10000-6 §6.7.2.1).

use super::{AsymmetricSecurityHeader, MessageHeader, MessageType, SymmetricSecurityHeader};
use crate::codec::{Decode, Reader};
use crate::{Error, Result};

/// The security header of a chunk: asymmetric for OPN, symmetric for MSG and
/// CLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityHeader<'a> {
    /// OPN.
    Asymmetric(AsymmetricSecurityHeader<'a>),
    /// MSG and CLO.
    Symmetric(SymmetricSecurityHeader),
}

/// The cleartext headers of a whole chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeaders<'a> {
    /// The MessageHeader.
    pub message: MessageHeader,
    /// The security header.
    pub security: SecurityHeader<'a>,
    /// Where the secured part (SequenceHeader, body, footer) starts.
    pub header_len: usize,
}

impl<'a> ChunkHeaders<'a> {
    /// Parses the headers of `chunk`, which must be exactly one whole chunk
    /// (its MessageSize equal to its length), bounding the SenderCertificate
    /// by `max_certificate_size`.
    pub fn parse(chunk: &'a [u8], max_certificate_size: u32) -> Result<Self> {
        let mut r = Reader::new(chunk);
        let message = MessageHeader::decode(&mut r)?;
        if message.frame.message_size as usize != chunk.len() {
            return Err(Error::Decoding("MessageSize differs from the chunk length"));
        }
        let security = match message.frame.message_type {
            MessageType::Open => SecurityHeader::Asymmetric(
                AsymmetricSecurityHeader::decode_with_limit(&mut r, max_certificate_size)?,
            ),
            _ => SecurityHeader::Symmetric(SymmetricSecurityHeader::decode(&mut r)?),
        };
        Ok(ChunkHeaders {
            message,
            security,
            header_len: r.position(),
        })
    }
}
