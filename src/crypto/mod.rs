//! Cryptographic building blocks of the security policies (OPC 10000-7,
//! OPC 10000-6 §6.7.5).

mod p_hash;

pub use p_hash::PHash;
