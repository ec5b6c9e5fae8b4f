//! The choices a channel target's script is made of, read from the input
//! with `arbitrary`.
//!
//! The operations and their fields derive `Arbitrary`. The choices below
//! that have a right answer (which sequence number, which token, which
//! channel) read one byte and pick the right answer for most of its values
//! and a mistake for the rest, so that a random input mostly builds chunks
//! the channel accepts and the fuzzer spends its time in the state machine
//! (reassembly, limits, renewals, closes) rather than on the first
//! rejected chunk. An input that runs out reads zeros: the right answers.

use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Result, Unstructured};
use uasc::messages::MessageSecurityMode;

use super::wire::TokenKeys;

/// An index into `weights`, each picked in proportion to its weight, from
/// one byte (0 once the input runs out).
pub fn weighted(u: &mut Unstructured<'_>, weights: &[u32]) -> Result<usize> {
    let total: u32 = weights.iter().sum();
    let mut x = u32::from(u8::arbitrary(u)?) * total / 256;
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return Ok(i);
        }
        x -= w;
    }
    Ok(weights.len() - 1)
}

/// The security of the channel: None, or Sign or SignAndEncrypt under the
/// fuzzing policy.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    None,
    Sign,
    SignAndEncrypt,
}

impl Mode {
    pub fn get(self) -> MessageSecurityMode {
        match self {
            Mode::None => MessageSecurityMode::None,
            Mode::Sign => MessageSecurityMode::Sign,
            Mode::SignAndEncrypt => MessageSecurityMode::SignAndEncrypt,
        }
    }
}

/// Where a sender's legacy sequence numbers start: 1 (the default), or
/// close below 2³² − 1, so that the wrap is a few chunks away.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum FirstSequence {
    Default,
    NearTop(u8),
}

impl FirstSequence {
    pub fn get(self) -> u32 {
        match self {
            FirstSequence::Default => 1,
            FirstSequence::NearTop(n) => u32::MAX - u32::from(n),
        }
    }
}

/// Where the server's TokenIds start: 1, or a few below 2³² − 1, so that
/// renewals wrap the counter (which skips 0).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum FirstToken {
    Default,
    NearTop(u8),
}

impl FirstToken {
    pub fn get(self) -> u32 {
        match self {
            FirstToken::Default => 1,
            FirstToken::NearTop(n) => u32::MAX - u32::from(n % 4),
        }
    }
}

/// The sequence number of a chunk, relative to `next`, the sender's next
/// one.
#[derive(Debug, Clone, Copy)]
pub enum Sequence {
    /// `next`.
    Next,
    /// The previous number again (a replay).
    Repeat,
    /// `next + 1 + k` (a chunk lost).
    Skip(u8),
    /// `next - 2 - k` (reordered).
    Back(u8),
    /// A restart below 1024, as a legacy sender may after 4 294 966 271.
    Restart(u16),
    /// Anything.
    Any(u32),
}

impl<'a> Arbitrary<'a> for Sequence {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=229 => Sequence::Next,
            230..=235 => Sequence::Repeat,
            236..=241 => Sequence::Skip(u.arbitrary()?),
            242..=245 => Sequence::Back(u.arbitrary()?),
            246..=251 => Sequence::Restart(u16::arbitrary(u)? % 1024),
            _ => Sequence::Any(u.arbitrary()?),
        })
    }
}

impl Sequence {
    pub fn get(self, next: u32) -> u32 {
        match self {
            Sequence::Next => next,
            Sequence::Repeat => next.wrapping_sub(1),
            Sequence::Skip(k) => next.wrapping_add(1 + u32::from(k)),
            Sequence::Back(k) => next.wrapping_sub(2 + u32::from(k)),
            Sequence::Restart(n) => u32::from(n),
            Sequence::Any(n) => n,
        }
    }
}

/// The token a chunk is secured with and names.
#[derive(Debug, Clone, Copy)]
pub enum TokenChoice {
    /// The newest token the sender has.
    Current,
    /// The one before it (after a renewal).
    Previous,
    /// A TokenId of its own, with the newest token's keys.
    Wrong(u32),
}

impl<'a> Arbitrary<'a> for TokenChoice {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=219 => TokenChoice::Current,
            220..=243 => TokenChoice::Previous,
            _ => TokenChoice::Wrong(u.arbitrary()?),
        })
    }
}

/// The SecureChannelId a chunk names.
#[derive(Debug, Clone, Copy)]
pub enum ChannelChoice {
    Right,
    Wrong(u32),
}

impl<'a> Arbitrary<'a> for ChannelChoice {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=249 => ChannelChoice::Right,
            _ => ChannelChoice::Wrong(u.arbitrary()?),
        })
    }
}

impl ChannelChoice {
    pub fn get(self, right: u32) -> u32 {
        match self {
            ChannelChoice::Right => right,
            ChannelChoice::Wrong(id) => id,
        }
    }
}

/// The RequestId of a chunk: one of a few (so that messages interleave and
/// the partial-message limit is reached), one the target knows (a request
/// it sent), or any.
#[derive(Debug, Clone, Copy)]
pub enum RequestChoice {
    Few(u8),
    Known(u8),
    Any(u32),
}

impl<'a> Arbitrary<'a> for RequestChoice {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=159 => RequestChoice::Few(u8::arbitrary(u)? % 6),
            160..=239 => RequestChoice::Known(u.arbitrary()?),
            _ => RequestChoice::Any(u.arbitrary()?),
        })
    }
}

impl RequestChoice {
    /// The RequestId, `known` being the ids the target has seen.
    pub fn get(self, known: &[u32]) -> u32 {
        match self {
            RequestChoice::Few(n) => 1 + u32::from(n),
            RequestChoice::Known(i) if !known.is_empty() => known[usize::from(i) % known.len()],
            RequestChoice::Known(i) => 1 + u32::from(i % 6),
            RequestChoice::Any(id) => id,
        }
    }
}

/// The message type and chunk type of a symmetric chunk. OPN with a
/// symmetric header is always refused; CLO ends a server's channel (and is
/// refused by a client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Intermediate,
    Final,
    Abort,
    Close,
    OpenSymmetric,
}

impl<'a> Arbitrary<'a> for Kind {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=114 => Kind::Intermediate,
            115..=229 => Kind::Final,
            230..=245 => Kind::Abort,
            246..=250 => Kind::Close,
            _ => Kind::OpenSymmetric,
        })
    }
}

/// The size of a chunk's body: small, medium, as large as a chunk can
/// carry (less `k`), or just too large for the receive buffer.
#[derive(Debug, Clone, Copy)]
pub enum Size {
    Small(u8),
    Medium(u16),
    Full(u8),
    Over(u8),
}

impl<'a> Arbitrary<'a> for Size {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=119 => Size::Small(u8::arbitrary(u)? % 64),
            120..=199 => Size::Medium(u16::arbitrary(u)? % 4096),
            200..=249 => Size::Full(u8::arbitrary(u)? % 32),
            _ => Size::Over(u8::arbitrary(u)? % 32),
        })
    }
}

impl Size {
    /// The length, `max` being the largest body one chunk may carry.
    pub fn get(self, max: usize) -> usize {
        match self {
            Size::Small(n) => usize::from(n),
            Size::Medium(n) => usize::from(n).min(max),
            Size::Full(k) => max.saturating_sub(usize::from(k)),
            Size::Over(k) => max + 1 + usize::from(k),
        }
    }
}

/// How queued bytes reach `handle_input`: whole, in pieces of one size
/// (at least 1/256 of the whole, to bound the calls), or cut at points.
#[derive(Arbitrary, Debug, Clone)]
pub enum Delivery {
    Whole,
    Pieces(u16),
    Cuts(Vec<u16>),
}

impl Delivery {
    /// The ends of the pieces of `len` bytes, ascending, the last `len`.
    pub fn ends(&self, len: usize) -> Vec<usize> {
        let mut ends = match self {
            Delivery::Whole => Vec::new(),
            Delivery::Pieces(n) => {
                let step = usize::from(*n).max(len / 256).max(1);
                (1..).map(|i| i * step).take_while(|&e| e < len).collect()
            }
            Delivery::Cuts(cuts) => cuts
                .iter()
                .take(64)
                .map(|&c| usize::from(c) % len.max(1))
                .collect(),
        };
        ends.push(len);
        ends.sort_unstable();
        ends.dedup();
        ends.retain(|&e| e > 0);
        ends
    }
}

/// How far time moves: some milliseconds, or to an instant of the newest
/// (or the previous) token's life: the 75 % mark, just before or at its
/// expiry, or after it.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Wait {
    Millis(u16),
    Renewal { previous: bool },
    JustBeforeExpiry { previous: bool },
    Expiry { previous: bool },
    PastExpiry { previous: bool, millis: u16 },
    JustBeforeGraceEnd { previous: bool },
    GraceEnd { previous: bool },
}

impl Wait {
    /// The instant to move to from `now` (never back), `newest` and
    /// `previous` being the sender's two last tokens.
    pub fn until(self, now: Instant, newest: &TokenKeys, previous: &TokenKeys) -> Instant {
        let ms = Duration::from_millis;
        let pick = |previous_one: bool| {
            let k = if previous_one { previous } else { newest };
            let expires = k.created + k.lifetime;
            (
                k.created + k.lifetime * 3 / 4,
                expires,
                expires + k.lifetime / 4,
            )
        };
        let target = match self {
            Wait::Millis(n) => now + ms(u64::from(n)),
            Wait::Renewal { previous } => pick(previous).0,
            Wait::JustBeforeExpiry { previous } => pick(previous).1 - ms(1),
            Wait::Expiry { previous } => pick(previous).1,
            Wait::PastExpiry { previous, millis } => pick(previous).1 + ms(u64::from(millis)),
            Wait::JustBeforeGraceEnd { previous } => pick(previous).2 - ms(1),
            Wait::GraceEnd { previous } => pick(previous).2,
        };
        now.max(target)
    }
}

/// A nonce: of the policy's length, from a seed, or of another length.
#[derive(Debug, Clone, Copy)]
pub enum Nonce {
    Fresh(u8),
    Length(u8),
}

impl<'a> Arbitrary<'a> for Nonce {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=243 => Nonce::Fresh(u.arbitrary()?),
            _ => Nonce::Length(u.arbitrary()?),
        })
    }
}

impl Nonce {
    /// The nonce, `len` being the policy's nonce length.
    pub fn get(self, len: usize, salt: u32) -> Vec<u8> {
        let (seed, len) = match self {
            Nonce::Fresh(seed) => (seed, len),
            Nonce::Length(n) => (n, usize::from(n % 64)),
        };
        super::wire::pattern(u32::from(seed) ^ salt.rotate_left(8), len)
    }
}

/// The security header and signature of an OPN chunk: right, or one thing
/// wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpnHeader {
    Right,
    OtherPolicy,
    NoCertificate,
    OtherCertificate,
    WrongThumbprint,
    Forged,
}

impl<'a> Arbitrary<'a> for OpnHeader {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=229 => OpnHeader::Right,
            230..=234 => OpnHeader::OtherPolicy,
            235..=239 => OpnHeader::NoCertificate,
            240..=244 => OpnHeader::OtherCertificate,
            245..=249 => OpnHeader::WrongThumbprint,
            _ => OpnHeader::Forged,
        })
    }
}

/// Mostly `true`: for the fields of a request or response that have one
/// right value (RequestType Renew, the same mode, a Good result).
#[derive(Debug, Clone, Copy)]
pub struct Mostly(pub bool);

impl<'a> Arbitrary<'a> for Mostly {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Mostly(u8::arbitrary(u)? < 240))
    }
}

/// One symmetric chunk, each header field chosen.
#[derive(Arbitrary, Debug)]
pub struct ChunkOp {
    pub kind: Kind,
    pub request: RequestChoice,
    pub token: TokenChoice,
    pub channel: ChannelChoice,
    pub sequence: Sequence,
    pub size: Size,
    pub code: u32,
    pub padding: u8,
}

/// A message (a request to a server, a response to a client):
/// `chunks % 20` C chunks and (mostly) an F, all right; left unfinished,
/// it stays in the receiver's budget.
#[derive(Arbitrary, Debug)]
pub struct MessageOp {
    pub request: RequestChoice,
    pub chunks: u8,
    pub size: Size,
    pub padding: u8,
    pub finish: Mostly,
}
