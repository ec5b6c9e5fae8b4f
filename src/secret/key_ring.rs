//! A server's rotating ephemeral (EC)DH keys for EccEncryptedSecrets
//! (OPC 10000-4 §7.15.4, §7.41.2.5), sans-IO: time comes from the caller.

use core::fmt;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{EccSecretPolicy, EphemeralKeyPair, EphemeralKeyType, EphemeralKeys};
use crate::codec::{Reader, Writer};
use crate::policy::{AsymmetricSignature, OwnKey};
use crate::{Error, Result};

/// How an [`EphemeralKeyRing`] rotates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRingConfig {
    /// How long a key is the current one (default 60 minutes).
    pub rotation_period: Duration,
    /// How many keys stay usable for decryption, the current one included
    /// (default 5): a secret made for a key that is `retained − 1`
    /// rotations old still opens, one `retained` or more rotations old does
    /// not.
    pub retained: usize,
}

impl Default for KeyRingConfig {
    fn default() -> Self {
        KeyRingConfig {
            rotation_period: Duration::from_secs(60 * 60),
            retained: 5,
        }
    }
}

/// A server's ephemeral keys of one policy: the current one, which it publishes as a
/// signed [`EphemeralKeyType`] in CreateSession and ActivateSession
/// responses (OPC 10000-4 §7.15.4), and the previous ones, kept so that
/// secrets made shortly before a rotation still open.
///
/// Driven like the channels: the caller asks [`poll_timeout`](Self::poll_timeout)
/// when the next rotation is due and calls
/// [`handle_timeout`](Self::handle_timeout) with its clock's `now`; nothing
/// here reads a clock. Rotations are counted in whole periods, so a ring
/// that was not driven for a long time drops every key that aged out and
/// makes one new key.
///
/// The private keys are zeroized on drop and never shown by `Debug`.
/// [`export`](Self::export) and [`import`](Self::import) move the whole
/// state, private keys included, to a redundant partner server so that it
/// can open secrets made for this server's keys.
pub struct EphemeralKeyRing {
    policy: EccSecretPolicy,
    config: KeyRingConfig,
    /// The current key; `generation` is the rotation count it was made at.
    current: EphemeralKeyPair,
    /// The previous keys, newest first, each with its rotation count.
    previous: VecDeque<(u64, EphemeralKeyPair)>,
    generation: u64,
    next_rotation: Instant,
}

impl fmt::Debug for EphemeralKeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EphemeralKeyRing")
            .field("policy", &self.policy)
            .field("config", &self.config)
            .field("keys", &self.len())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// The bytes of an exported [`EphemeralKeyRing`]. **Secret material**: they
/// hold the ring's private keys, so move them only over a channel that is
/// as well protected as the server's own private key. Zeroized on drop;
/// `Debug` shows only their length.
pub struct ExportedKeyRing(Zeroizing<Vec<u8>>);

impl ExportedKeyRing {
    /// Wraps exported bytes received from a partner.
    pub fn new(bytes: Vec<u8>) -> Self {
        ExportedKeyRing(Zeroizing::new(bytes))
    }

    /// The bytes, to send to the partner.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ExportedKeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExportedKeyRing({} bytes)", self.0.len())
    }
}

/// First bytes of an export, with the format version.
const EXPORT_MAGIC: &[u8; 8] = b"UASCKR\x00\x01";

impl EphemeralKeyRing {
    /// A ring with one fresh key, current from `now`. A zero period or a
    /// `retained` of 0 is `BadEncodingLimitsExceeded`.
    pub fn new(
        policy: EccSecretPolicy,
        config: KeyRingConfig,
        rng: &mut dyn CryptoRng,
        now: Instant,
    ) -> Result<Self> {
        check(&config)?;
        Ok(EphemeralKeyRing {
            policy,
            config,
            current: EphemeralKeyPair::generate(policy, rng),
            previous: VecDeque::with_capacity(config.retained),
            generation: 0,
            next_rotation: add(now, config.rotation_period),
        })
    }

    /// The policy of the ring's keys.
    pub fn policy(&self) -> EccSecretPolicy {
        self.policy
    }

    /// The configuration.
    pub fn config(&self) -> KeyRingConfig {
        self.config
    }

    /// When the next rotation is due.
    pub fn poll_timeout(&self) -> Instant {
        self.next_rotation
    }

    /// Rotates if a rotation is due at `now`: counts the whole periods that
    /// passed, drops the keys that are now `retained` or more rotations old,
    /// and makes one new current key. Returns whether it rotated.
    pub fn handle_timeout(&mut self, now: Instant, rng: &mut dyn CryptoRng) -> bool {
        if now < self.next_rotation {
            return false;
        }
        let period = self.config.rotation_period.as_nanos().max(1);
        let late = now.saturating_duration_since(self.next_rotation).as_nanos();
        let steps = u64::try_from(late / period)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        self.advance(steps, rng);
        let skipped = u32::try_from(steps).unwrap_or(u32::MAX);
        self.next_rotation = self
            .config
            .rotation_period
            .checked_mul(skipped)
            .and_then(|d| self.next_rotation.checked_add(d))
            .unwrap_or_else(|| add(now, self.config.rotation_period));
        true
    }

    /// Rotates now, whatever the schedule: a new current key, the oldest
    /// dropped past `retained`; the next rotation is a period from `now`.
    pub fn rotate(&mut self, now: Instant, rng: &mut dyn CryptoRng) {
        self.advance(1, rng);
        self.next_rotation = add(now, self.config.rotation_period);
    }

    fn advance(&mut self, steps: u64, rng: &mut dyn CryptoRng) {
        let key = EphemeralKeyPair::generate(self.policy, rng);
        let old = core::mem::replace(&mut self.current, key);
        self.previous.push_front((self.generation, old));
        self.generation = self.generation.saturating_add(steps);
        self.prune();
    }

    /// Drops keys `retained` or more rotations older than the current one.
    fn prune(&mut self) {
        let retained = u64::try_from(self.config.retained).unwrap_or(u64::MAX);
        let current = self.generation;
        self.previous
            .retain(|(g, _)| current.saturating_sub(*g) < retained);
    }

    /// The current key pair.
    pub fn current(&self) -> &EphemeralKeyPair {
        &self.current
    }

    /// How many keys are usable for decryption.
    pub fn len(&self) -> usize {
        1 + self.previous.len()
    }

    /// Never true: a ring holds at least its current key.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The current public key, signed with the server's certificate key, as
    /// the EphemeralKeyType the server publishes (OPC 10000-4 §7.15.4).
    /// `scheme` is normally the policy's, [`EccSecretPolicy::signature`].
    pub fn publish(
        &self,
        server_key: &dyn OwnKey,
        scheme: AsymmetricSignature,
        rng: &mut dyn CryptoRng,
    ) -> Result<EphemeralKeyType> {
        EphemeralKeyType::sign(self.current().public_key(), server_key, scheme, rng)
    }

    /// The whole state, **private keys included**, for a redundant partner
    /// server's [`import`](Self::import). `now` records how long the current
    /// key has left.
    pub fn export(&self, now: Instant) -> Result<ExportedKeyRing> {
        let mut out = Zeroizing::new(Vec::new());
        let mut w = Writer::new(&mut out);
        w.put(EXPORT_MAGIC);
        // The policy's position in `EccSecretPolicy::all()`, which only
        // ever grows at its end.
        let code = EccSecretPolicy::all()
            .iter()
            .position(|p| *p == self.policy)
            .and_then(|i| u8::try_from(i + 1).ok())
            .ok_or(Error::SecurityChecksFailed)?;
        w.write_u8(code);
        w.write_u64(millis(self.config.rotation_period));
        w.write_u32(u32::try_from(self.config.retained).unwrap_or(u32::MAX));
        w.write_u64(millis(self.next_rotation.saturating_duration_since(now)));
        w.write_u64(self.generation);
        w.write_u32(u32::try_from(self.len()).unwrap_or(u32::MAX));
        let all = core::iter::once((&self.generation, &self.current))
            .chain(self.previous.iter().map(|(g, k)| (g, k)));
        for (generation, key) in all {
            w.write_u64(*generation);
            w.put(&key.private_bytes());
        }
        Ok(ExportedKeyRing(out))
    }

    /// A ring with the state [`export`](Self::export) wrote: the same keys,
    /// the same current key, the next rotation as far from `now` as it was
    /// from the export's `now`. Malformed bytes are `BadDecodingError`.
    pub fn import(exported: &ExportedKeyRing, now: Instant) -> Result<Self> {
        let bad = || Error::Decoding("exported key ring");
        let mut r = Reader::new(exported.as_bytes());
        if r.take(EXPORT_MAGIC.len())? != EXPORT_MAGIC {
            return Err(bad());
        }
        let policy = usize::from(r.read_u8()?)
            .checked_sub(1)
            .and_then(|i| EccSecretPolicy::all().get(i))
            .copied()
            .ok_or_else(bad)?;
        let config = KeyRingConfig {
            rotation_period: Duration::from_millis(r.read_u64()?),
            retained: usize::try_from(r.read_u32()?).map_err(|_| bad())?,
        };
        check(&config)?;
        let left = Duration::from_millis(r.read_u64()?);
        let generation = r.read_u64()?;
        let count = r.read_u32()?;
        if count == 0 || u64::from(count) > u64::try_from(config.retained).unwrap_or(u64::MAX) {
            return Err(bad());
        }
        let mut keys: VecDeque<(u64, EphemeralKeyPair)> = VecDeque::new();
        let mut previous = None;
        for _ in 0..count {
            let g = r.read_u64()?;
            // Newest first, none newer than the current one.
            if g > generation || previous.is_some_and(|p| g >= p) {
                return Err(bad());
            }
            previous = Some(g);
            let scalar = r.take(policy.scalar_len())?;
            keys.push_back((g, EphemeralKeyPair::from_private_bytes(policy, scalar)?));
        }
        r.expect_end("exported key ring")?;
        let current = match keys.pop_front() {
            Some((g, k)) if g == generation => k,
            _ => return Err(bad()),
        };
        let mut ring = EphemeralKeyRing {
            policy,
            config,
            current,
            previous: keys,
            generation,
            next_rotation: add(now, left),
        };
        ring.prune();
        Ok(ring)
    }
}

impl EphemeralKeys for EphemeralKeyRing {
    fn find(&self, public_key: &[u8]) -> Option<&EphemeralKeyPair> {
        core::iter::once(&self.current)
            .chain(self.previous.iter().map(|(_, k)| k))
            .find(|k| k.public_key() == public_key)
    }
}

fn check(config: &KeyRingConfig) -> Result<()> {
    if config.rotation_period.is_zero() || config.retained == 0 {
        return Err(Error::EncodingLimitsExceeded("key ring configuration"));
    }
    Ok(())
}

fn add(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or(now)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
