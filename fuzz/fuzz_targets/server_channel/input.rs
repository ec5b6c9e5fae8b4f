//! The input of the `server_channel` target: its steps and their payloads.

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
        ops: Vec<Op>,
    },
}

/// One step of a script. The payloads derive `Arbitrary`; which step
/// comes is weighted (`support::script::weighted`) so that most steps
/// build chunks and few end the channel.
#[derive(Debug)]
pub enum Op {
    Chunk(ChunkOp),
    Message(MessageOp),
    Renew(RenewOp),
    Send(Delivery),
    Wait { wait: Wait, timeout: bool },
    Raw(Vec<u8>),
    Flip { at: u16, xor: u8 },
    Close { bad: bool },
    Eof,
}

impl<'a> Arbitrary<'a> for Op {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match weighted(u, &[90, 40, 20, 40, 30, 8, 8, 6, 4])? {
            0 => Op::Chunk(u.arbitrary()?),
            1 => Op::Message(u.arbitrary()?),
            2 => Op::Renew(u.arbitrary()?),
            3 => Op::Send(u.arbitrary()?),
            4 => Op::Wait {
                wait: u.arbitrary()?,
                timeout: u.arbitrary()?,
            },
            5 => Op::Raw(u.arbitrary()?),
            6 => Op::Flip {
                at: u.arbitrary()?,
                xor: u.arbitrary()?,
            },
            7 => Op::Close {
                bad: u.arbitrary()?,
            },
            _ => Op::Eof,
        })
    }
}

/// An OpenSecureChannel Renew request: right, or with one field wrong.
#[derive(Arbitrary, Debug)]
pub struct RenewOp {
    pub sequence: Sequence,
    pub channel: ChannelChoice,
    pub header: OpnHeader,
    pub renew: Mostly,
    pub same_mode: Mostly,
    pub nonce: Nonce,
    pub lifetime: u32,
    pub request_id: u32,
}
