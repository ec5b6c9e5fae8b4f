//! The input of the `client_channel` target: its steps and their payloads.

use arbitrary::{Arbitrary, Unstructured};

use crate::support::script::{
    ChannelChoice, ChunkOp, Delivery, FirstSequence, FirstToken, MessageOp, Mode, Mostly, Nonce,
    OpnHeader, Sequence, Wait, weighted,
};

/// Raw bytes (so that framing is fuzzed), or a script on an open channel.
#[derive(Arbitrary, Debug)]
pub enum Input {
    Raw {
        mode: Mode,
        piece: u16,
        bytes: Vec<u8>,
    },
    Script {
        mode: Mode,
        first_sequence: FirstSequence,
        first_token: FirstToken,
        handshake: Handshake,
        ops: Vec<Op>,
    },
}

/// The real server's handshake bytes as they are (mostly), or with bytes
/// changed (`offset ‖ xor` triples, see `support::flip`).
#[derive(Debug)]
pub enum Handshake {
    Clean,
    Changed(Vec<u8>),
}

impl<'a> Arbitrary<'a> for Handshake {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=239 => Handshake::Clean,
            _ => Handshake::Changed(u.arbitrary()?),
        })
    }
}

/// One step of a script (payloads derived, the step weighted).
#[derive(Debug)]
pub enum Op {
    Request { size: u8 },
    Chunk(ChunkOp),
    Response(MessageOp),
    Answer(AnswerOp),
    Renew,
    Send(Delivery),
    Wait { wait: Wait, timeout: bool },
    AbortRequest { pick: u8 },
    Raw(Vec<u8>),
    Flip { at: u16, xor: u8 },
    Error { code: u32 },
    Close,
    Eof,
}

impl<'a> Arbitrary<'a> for Op {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(
            match weighted(u, &[40, 80, 40, 25, 12, 40, 30, 6, 6, 6, 3, 4, 3])? {
                0 => Op::Request {
                    size: u.arbitrary()?,
                },
                1 => Op::Chunk(u.arbitrary()?),
                2 => Op::Response(u.arbitrary()?),
                3 => Op::Answer(u.arbitrary()?),
                4 => Op::Renew,
                5 => Op::Send(u.arbitrary()?),
                6 => Op::Wait {
                    wait: u.arbitrary()?,
                    timeout: u.arbitrary()?,
                },
                7 => Op::AbortRequest {
                    pick: u.arbitrary()?,
                },
                8 => Op::Raw(u.arbitrary()?),
                9 => Op::Flip {
                    at: u.arbitrary()?,
                    xor: u.arbitrary()?,
                },
                10 => Op::Error {
                    code: u.arbitrary()?,
                },
                11 => Op::Close,
                _ => Op::Eof,
            },
        )
    }
}

/// The TokenId a renewal's answer issues.
#[derive(Debug, Clone, Copy)]
pub enum NewToken {
    Fresh,
    Current,
    Any(u32),
}

impl<'a> Arbitrary<'a> for NewToken {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=229 => NewToken::Fresh,
            230..=242 => NewToken::Current,
            _ => NewToken::Any(u.arbitrary()?),
        })
    }
}

/// The RevisedLifetime of an answer: what the client asked for (10 s),
/// from 1 ms to about 65 s, or any (0 is refused).
#[derive(Debug, Clone, Copy)]
pub enum Lifetime {
    Asked,
    Short(u16),
    Any(u32),
}

impl<'a> Arbitrary<'a> for Lifetime {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=199 => Lifetime::Asked,
            200..=249 => Lifetime::Short(u.arbitrary()?),
            _ => Lifetime::Any(u.arbitrary()?),
        })
    }
}

impl Lifetime {
    pub fn get(self) -> u32 {
        match self {
            Lifetime::Asked => 10_000,
            Lifetime::Short(ms) => u32::from(ms).max(1),
            Lifetime::Any(ms) => ms,
        }
    }
}

/// The server's answer to the client's renewal.
#[derive(Arbitrary, Debug)]
pub struct AnswerOp {
    pub right_request: Mostly,
    pub token: NewToken,
    pub lifetime: Lifetime,
    pub nonce: Nonce,
    pub header_channel: ChannelChoice,
    pub token_channel: ChannelChoice,
    pub good: Mostly,
    pub not_fault: Mostly,
    pub right_version: Mostly,
    pub sequence: Sequence,
    pub header: OpnHeader,
}
