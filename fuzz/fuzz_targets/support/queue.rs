//! The bytes a channel target has built and not yet delivered, with what
//! the model expects of each frame among them, and the check of a
//! channel's events against those expectations.

use std::time::Instant;

use uasc::channel::Event;

use super::receiver::{Expect, Receiver};
use super::script::Delivery;

/// What the model says the channel holds and does after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// Bytes of partial messages.
    pub held: usize,
    /// The token the channel sends under: TokenId and generation.
    pub sending: Option<(u32, u32)>,
    pub deadline: Option<Instant>,
    pub closed: bool,
}

impl Snapshot {
    pub fn of(model: &Receiver, renewing: bool) -> Snapshot {
        Snapshot {
            held: model.buffered(),
            sending: model.sending().map(|t| (t.id, t.generation)),
            deadline: model.next_deadline(renewing),
            closed: model.closed,
        }
    }
}

/// A queued frame: where it lies, after how many of its bytes its effect
/// shows (the whole frame, or the header for a frame the framer refuses),
/// and what the model expects of it.
#[derive(Debug)]
struct Queued {
    start: usize,
    size: usize,
    visible: usize,
    expect: Vec<Expect>,
    before: Snapshot,
    after: Snapshot,
}

/// What the channel should show after one piece of a delivery.
#[derive(Debug)]
pub struct Piece<'a> {
    pub bytes: &'a [u8],
    /// The events of the frames this piece completed.
    pub expect: Vec<Expect>,
    /// The model's state after them (`None` with nothing modelled queued).
    pub state: Option<Snapshot>,
    /// Of the frame under way: bytes buffered, bytes reserved from the
    /// budget (8 with the first header byte, all once the header is in).
    pub partial: (usize, usize),
}

#[derive(Debug, Default)]
pub struct Queue {
    pub bytes: Vec<u8>,
    frames: Vec<Queued>,
}

impl Queue {
    /// Records the frame at `start..start + size` of `bytes`, which shows
    /// after `visible` of its bytes.
    pub fn frame(
        &mut self,
        start: usize,
        size: usize,
        visible: usize,
        expect: Vec<Expect>,
        before: Snapshot,
        after: Snapshot,
    ) {
        self.frames.push(Queued {
            start,
            size,
            visible: start + visible,
            expect,
            before,
            after,
        });
    }

    /// Empties the queue into pieces cut as `delivery` says, each with
    /// what the channel must show after it.
    pub fn take(&mut self, delivery: &Delivery, mut each: impl FnMut(Piece<'_>)) {
        let bytes = std::mem::take(&mut self.bytes);
        let mut frames = std::mem::take(&mut self.frames);
        let mut from = 0;
        let mut shown = 0;
        for end in delivery.ends(bytes.len()) {
            let mut expect = Vec::new();
            while shown < frames.len() && frames[shown].visible <= end {
                expect.append(&mut frames[shown].expect);
                shown += 1;
            }
            let state = match shown {
                0 => frames.first().map(|f| f.before),
                n => Some(frames[n - 1].after),
            };
            let partial = frames
                .get(shown)
                .filter(|f| f.start < end && !state.is_some_and(|s| s.closed))
                .map_or((0, 0), |f| {
                    let k = end - f.start;
                    (k, if k < 8 { 8 } else { f.size })
                });
            each(Piece {
                bytes: &bytes[from..end],
                expect,
                state,
                partial,
            });
            from = end;
        }
    }
}

/// The events are exactly the expected ones.
pub fn check_events(events: &[Event], expect: &[Expect]) {
    let matches = |event: &Event, expect: &Expect| match (event, expect) {
        (
            Event::Message { request_id, body },
            Expect::Message {
                request_id: r,
                body: b,
            },
        ) => request_id == r && body == b,
        (
            Event::Aborted { request_id, code },
            Expect::Aborted {
                request_id: r,
                code: c,
            },
        ) => request_id == r && code == c,
        (Event::TokenRenewed { token_id }, Expect::Renewed { token_id: t }) => token_id == t,
        (Event::Closed { error }, Expect::Closed { orderly }) => error.is_none() == *orderly,
        _ => false,
    };
    assert!(
        events.len() == expect.len() && events.iter().zip(expect).all(|(e, x)| matches(e, x)),
        "events {events:?}, expected {expect:?}"
    );
}

/// The TokenId after `id`: a server's counter skips 0.
pub fn next_id(id: u32) -> u32 {
    match id.wrapping_add(1) {
        0 => 1,
        n => n,
    }
}
