//! MessageChunk framing and headers (OPC 10000-6 §6.7.2).
//!
//! ```text
//! MessageHeader (12) | SecurityHeader (asym: OPN, sym: 4) | SequenceHeader (8) | Body | Footer
//! ```

mod asymmetric;
mod frame_header;
mod framer;
mod headers;
mod message_header;
mod padding;
mod security_header;
mod sequence_header;
mod split;
mod symmetric;

pub use asymmetric::{
    OpenedChunk, OpnChunk, OpnKeys, open_asymmetric, open_asymmetric_with_suffix,
    secure_asymmetric, secure_asymmetric_with_suffix,
};
pub use frame_header::{ChunkType, FrameHeader, MessageType};
pub use framer::{Frame, Framer};
pub use headers::{ChunkHeaders, SecurityHeader};
pub use message_header::MessageHeader;
pub use security_header::{
    AsymmetricSecurityHeader, DEFAULT_MAX_CERTIFICATE_SIZE, MAX_SECURITY_POLICY_URI_LENGTH,
    SymmetricSecurityHeader, THUMBPRINT_LENGTH,
};
pub use sequence_header::SequenceHeader;
pub use split::{MessageChunkHeader, SendLimits, max_body_size, secure_message};
pub use symmetric::{
    SYMMETRIC_HEADER_LEN, SymmetricChunk, open_symmetric, secure_symmetric,
    secure_symmetric_padded, symmetric_chunk_size,
};
