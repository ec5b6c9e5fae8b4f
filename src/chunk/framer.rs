//! Cutting a byte stream into whole frames (OPC 10000-6 §7.1.2.2, §6.7.2.2).

use super::FrameHeader;
use crate::ByteBudget;
use crate::codec::{Decode, Reader};
use crate::{Error, Result};

/// The most buffer capacity a framer keeps between frames.
const KEEP_CAPACITY: usize = 4 << 10;

/// One whole frame: a UACP message or a MessageChunk, header included.
///
/// The bytes are mutable so that a chunk can be decrypted in place.
#[derive(Debug)]
pub struct Frame<'s> {
    /// The validated 8-byte header.
    pub header: FrameHeader,
    /// The whole frame, `header.message_size` bytes, header included.
    pub bytes: &'s mut [u8],
}

/// Reassembles frames from a TCP byte stream delivered in arbitrary pieces.
///
/// The 8-byte header is read and checked first: an unknown message type or
/// chunk type gives `BadTcpMessageTypeInvalid`, and a MessageSize above the
/// receive buffer size gives `BadTcpMessageTooLarge`, before a single body
/// byte is buffered. The buffer grows only as bytes arrive and is reused from
/// frame to frame up to 4 KiB; the buffer of a larger frame
/// is given back once that frame has been taken, so that a connection that
/// once sent a large frame and then idles holds no more than the small
/// buffer (memory the budget below no longer counts). After an error the
/// framer stays failed, returning the same error, since the stream can no
/// longer be trusted.
///
/// A framer made [`with_budget`](Self::with_budget) also reserves from a
/// [`ByteBudget`] the 8 header bytes of each frame as they start to arrive,
/// and the rest of its MessageSize as soon as the header is checked, before
/// any body byte is buffered; it gives them back when the frame is
/// complete: a peer that sends headers and then trickles bytes
/// (slowloris) holds at most what the budget allows, across all the
/// connections sharing it. A refused reservation is
/// `BadTcpNotEnoughResources`.
///
/// ```
/// use uasc::chunk::{Framer, MessageType};
///
/// let ack = [
///     0x41, 0x43, 0x4b, 0x46, 0x1c, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0,
///     0, 0, 0, 0, 0, 0, 0, 0,
/// ];
/// let mut framer = Framer::new(8192);
/// let mut frames = 0;
/// for piece in ack.chunks(5) {
///     let mut input = piece;
///     while let Some(frame) = framer.next_frame(&mut input).unwrap() {
///         assert_eq!(frame.header.message_type, MessageType::Acknowledge);
///         assert_eq!(frame.bytes.len(), 28);
///         frames += 1;
///     }
/// }
/// assert_eq!(frames, 1);
/// ```
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    max_frame_size: u32,
    header: Option<FrameHeader>,
    delivered: bool,
    failed: Option<Error>,
    budget: Option<ByteBudget>,
    reserved: usize,
}

impl Framer {
    /// A framer that accepts frames of at most `max_frame_size` bytes (the
    /// negotiated ReceiveBufferSize).
    pub fn new(max_frame_size: u32) -> Self {
        Framer {
            buf: Vec::new(),
            max_frame_size,
            header: None,
            delivered: false,
            failed: None,
            budget: None,
            reserved: 0,
        }
    }

    /// A framer whose partly received frames are counted against `budget`.
    pub fn with_budget(max_frame_size: u32, budget: ByteBudget) -> Self {
        let mut framer = Framer::new(max_frame_size);
        framer.budget = Some(budget);
        framer
    }

    /// The largest frame accepted.
    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }

    /// Changes the largest frame accepted, e.g. once HEL/ACK have been
    /// exchanged. Applies from the next frame header on.
    pub fn set_max_frame_size(&mut self, max_frame_size: u32) {
        self.max_frame_size = max_frame_size;
    }

    /// Bytes held for a frame that is not complete yet.
    pub fn buffered(&self) -> usize {
        if self.delivered { 0 } else { self.buf.len() }
    }

    /// Consumes bytes from the front of `input` until one frame is complete
    /// and returns it; returns `Ok(None)` once `input` is used up without
    /// completing a frame. The previously returned frame is discarded on the
    /// next call.
    ///
    /// Call it in a loop until it returns `Ok(None)`: several frames may be
    /// in one piece of input.
    pub fn next_frame<'s>(&'s mut self, input: &mut &[u8]) -> Result<Option<Frame<'s>>> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.delivered {
            self.buf.clear();
            // Out of input right after a whole frame, the connection waits:
            // a large buffer is given back then, not while frames stream in
            // (which would allocate per chunk).
            if input.is_empty() && self.buf.capacity() > KEEP_CAPACITY {
                self.buf = Vec::new();
            }
            self.header = None;
            self.delivered = false;
        }
        let header = match self.header {
            Some(h) => h,
            None => {
                // The header's own bytes are counted from the first one.
                if self.reserved == 0
                    && !input.is_empty()
                    && let Err(e) = self.reserve(FrameHeader::LEN)
                {
                    self.failed = Some(e.clone());
                    return Err(e);
                }
                fill(&mut self.buf, input, FrameHeader::LEN);
                if self.buf.len() < FrameHeader::LEN {
                    return Ok(None);
                }
                let body = |h: FrameHeader| h.message_size as usize - FrameHeader::LEN;
                match self
                    .check_header()
                    .and_then(|h| self.reserve(body(h)).map(|()| h))
                {
                    Ok(h) => {
                        self.header = Some(h);
                        h
                    }
                    Err(e) => {
                        self.failed = Some(e.clone());
                        return Err(e);
                    }
                }
            }
        };
        let size = header.message_size as usize;
        fill(&mut self.buf, input, size);
        if self.buf.len() < size {
            return Ok(None);
        }
        self.delivered = true;
        self.release();
        Ok(Some(Frame {
            header,
            bytes: &mut self.buf,
        }))
    }

    /// Takes `n` more bytes from the budget, if there is one.
    fn reserve(&mut self, n: usize) -> Result<()> {
        if let Some(budget) = &self.budget {
            if !budget.try_reserve(n) {
                return Err(Error::TcpNotEnoughResources("receive byte budget"));
            }
            self.reserved += n;
        }
        Ok(())
    }

    /// Gives back what [`reserve`](Self::reserve) took.
    fn release(&mut self) {
        if let Some(budget) = &self.budget {
            budget.release(std::mem::take(&mut self.reserved));
        }
    }

    fn check_header(&self) -> Result<FrameHeader> {
        let header = FrameHeader::decode(&mut Reader::new(&self.buf))?;
        if header.message_size > self.max_frame_size {
            return Err(Error::TcpMessageTooLarge {
                size: header.message_size,
                limit: self.max_frame_size,
            });
        }
        Ok(header)
    }
}

impl Drop for Framer {
    fn drop(&mut self) {
        self.release();
    }
}

/// Moves bytes from `input` into `buf` until `buf` holds `target` bytes or
/// `input` is empty.
fn fill(buf: &mut Vec<u8>, input: &mut &[u8], target: usize) {
    let want = target.saturating_sub(buf.len()).min(input.len());
    let (head, tail) = input.split_at(want);
    buf.extend_from_slice(head);
    *input = tail;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StatusCode;

    #[test]
    fn oversize_rejected_before_body() {
        let mut f = Framer::new(8192);
        let mut input: &[u8] = &[b'M', b'S', b'G', b'F', 0x01, 0x20, 0, 0, 1, 2, 3];
        let e = f.next_frame(&mut input).unwrap_err();
        assert_eq!(e.status_code(), StatusCode::BAD_TCP_MESSAGE_TOO_LARGE);
        assert_eq!(input, &[1, 2, 3], "no body byte consumed");
        assert_eq!(f.buffered(), 8);
        let mut more: &[u8] = &[0; 4];
        assert_eq!(f.next_frame(&mut more).unwrap_err(), e, "failure is sticky");
    }

    #[test]
    fn a_partial_frame_holds_its_size_in_the_budget() {
        let budget = ByteBudget::new(100);
        let mut a = Framer::with_budget(8192, budget.clone());
        // The header's bytes are counted from the first one...
        let mut input: &[u8] = b"HEL";
        assert!(a.next_frame(&mut input).unwrap().is_none());
        assert_eq!((a.buffered(), budget.used()), (3, 8));
        // ... and the whole frame once the header is read.
        let mut input: &[u8] = &[b'F', 60, 0, 0, 0, 1, 2];
        assert!(a.next_frame(&mut input).unwrap().is_none());
        assert_eq!(budget.used(), 60, "reserved from the header alone");
        // A second connection's header asking for more than is left is
        // refused before its body is buffered.
        let mut b = Framer::with_budget(8192, budget.clone());
        let mut input: &[u8] = &[b'H', b'E', b'L', b'F', 41, 0, 0, 0, 9];
        let e = b.next_frame(&mut input).unwrap_err();
        assert_eq!(e, Error::TcpNotEnoughResources("receive byte budget"));
        assert_eq!(input, &[9], "no body byte consumed");
        assert_eq!(
            budget.used(),
            68,
            "its 8 header bytes are held until dropped"
        );
        drop(b);
        assert_eq!(budget.used(), 60);
        // Completing the frame gives the bytes back; so does dropping.
        let rest = [0u8; 50];
        let mut input: &[u8] = &rest;
        assert!(a.next_frame(&mut input).unwrap().is_some());
        assert_eq!(budget.used(), 0);
        let mut input: &[u8] = &[b'H', b'E', b'L', b'F', 40, 0, 0, 0];
        assert!(a.next_frame(&mut input).unwrap().is_none());
        assert_eq!(budget.used(), 40);
        drop(a);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn the_buffer_of_a_large_frame_is_given_back_once_it_is_taken() {
        let mut f = Framer::new(65_535);
        let mut large = vec![0u8; 60_000];
        large[..8].copy_from_slice(&[b'M', b'S', b'G', b'F', 0x60, 0xea, 0, 0]);
        let mut small = vec![0u8; 1_000];
        small[..8].copy_from_slice(&[b'M', b'S', b'G', b'F', 0xe8, 0x03, 0, 0]);
        let mut input: &[u8] = &large;
        assert_eq!(
            f.next_frame(&mut input).unwrap().unwrap().bytes.len(),
            60_000
        );
        assert!(f.buf.capacity() >= 60_000);
        // Asking for the next frame (as a caller does until it gets none)
        // gives the large buffer back.
        assert!(f.next_frame(&mut input).unwrap().is_none());
        assert!(f.buf.capacity() <= KEEP_CAPACITY, "{}", f.buf.capacity());
        // A small frame's buffer is kept for the next one.
        let mut input: &[u8] = &small;
        assert_eq!(
            f.next_frame(&mut input).unwrap().unwrap().bytes.len(),
            1_000
        );
        assert!(f.next_frame(&mut input).unwrap().is_none());
        assert!(f.buf.capacity() >= 1_000);
        let kept = f.buf.as_ptr();
        let mut input: &[u8] = &small;
        assert_eq!(
            f.next_frame(&mut input).unwrap().unwrap().bytes.len(),
            1_000
        );
        assert_eq!(f.buf.as_ptr(), kept, "the same buffer, reused");
    }

    #[test]
    fn large_frames_streaming_in_reuse_one_buffer() {
        // Back-to-back large frames in one piece of input: no buffer is
        // given back (and so none allocated) between them.
        let mut f = Framer::new(65_535);
        let mut large = vec![0u8; 60_000];
        large[..8].copy_from_slice(&[b'M', b'S', b'G', b'F', 0x60, 0xea, 0, 0]);
        let stream = large.repeat(3);
        let mut input: &[u8] = &stream;
        let mut buffers = Vec::new();
        while let Some(frame) = f.next_frame(&mut input).unwrap() {
            buffers.push(frame.bytes.as_ptr());
        }
        assert_eq!(buffers.len(), 3);
        assert!(buffers.iter().all(|&p| p == buffers[0]), "one buffer");
        // Then the input ran out: the large buffer went back.
        assert!(f.buf.capacity() <= KEEP_CAPACITY);
    }

    #[test]
    fn several_frames_in_one_piece() {
        let one = [b'H', b'E', b'L', b'F', 8, 0, 0, 0];
        let mut stream = one.repeat(3);
        stream.extend_from_slice(&one[..3]);
        let mut f = Framer::new(8192);
        let mut input: &[u8] = &stream;
        let mut n = 0;
        while let Some(frame) = f.next_frame(&mut input).unwrap() {
            assert_eq!(&frame.bytes[..], &one);
            n += 1;
        }
        assert_eq!(n, 3);
        assert_eq!(f.buffered(), 3);
    }
}
