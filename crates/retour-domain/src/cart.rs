//! The cart as a merge of operations: hybrid logical clocks, `CartOp` and the merged cart state.
//!
//! Every device records each change to the cart as a [`CartOp`] stamped with a hybrid logical clock
//! ([`Hlc`]) and sends it to the server, which sends every device the ops of the others. A
//! [`CartState`] is the merge of a set of ops and does not depend on the order in which they arrive
//! or on how often each arrives: it is a join-semilattice, so every device that has applied the same
//! ops shows the same cart.
//!
//! The rules are those of `API.md`: a line is identified by its delivery note and line number; for
//! `qty` and `reason`, the put with the greatest `at` that carries the field wins (ties, which only a
//! faulty device can make, go to the greater `op_id`, then to the greater value); a line is in the
//! cart while it has a put whose `at` is greater than the `seen` of every remove of that line, so a
//! remove never hides an edit its device had not seen.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The greatest milliseconds a clock can hold: thirteen nines.
pub const MAX_MILLIS: u64 = 9_999_999_999_999;
/// The greatest counter a clock can hold: four nines.
pub const MAX_COUNTER: u16 = 9_999;
/// The longest device id, in characters.
pub const MAX_DEVICE_LEN: usize = 64;
/// The most operations in one batch: one `POST /cart/ops` (more is refused with `too_many_ops`),
/// one push of a device's outbox, one page of `GET /cart/ops`.
pub const MAX_OPS_PER_BATCH: usize = 500;

/// How far ahead of the backend's clock an op's `at` may be: 24 hours. Device clocks drift by
/// seconds, and one set to the wrong time zone is off by 14 hours at most; a device whose date is
/// wrong by days or years would stamp ops that win every later edit of their lines, on every
/// device, until that date. An op 24 h ahead at most is overtaken by any edit made a day later.
pub const MAX_CLOCK_AHEAD_MS: u64 = 24 * 60 * 60 * 1000;

/// A device id that is not 1 to 64 characters among `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceIdError {
    /// The id is empty.
    #[error("a device id cannot be empty")]
    Empty,
    /// The id is longer than 64 characters.
    #[error("a device id has at most 64 characters, this one has {0}")]
    TooLong(usize),
    /// The id holds a character outside `A-Z a-z 0-9 _ -`.
    #[error("a device id may only hold A-Z, a-z, 0-9, `_` and `-`, not {0:?}")]
    BadChar(char),
}

/// A clock string that is not `<13 digits>-<4 digits>-<device id>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HlcError {
    /// The text does not have the clock's shape.
    #[error("a clock looks like 1764340800000-0000-device, not `{0}`")]
    Shape(String),
    /// The device part is not a valid device id.
    #[error("bad device id in clock: {0}")]
    Device(#[from] DeviceIdError),
}

/// A structural problem with a [`CartOp`], found before any business rule is checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartOpError {
    /// The op names no delivery note.
    #[error("the op names no delivery note")]
    EmptyDeliveryNote,
    /// A put with a quantity of zero; removing a line is a `remove`.
    #[error("a quantity must be at least 1; to take a line out of the cart, remove it")]
    ZeroQuantity,
    /// A remove without `seen`.
    #[error("a remove must say which clock it has seen (`seen`)")]
    RemoveWithoutSeen,
    /// A remove that is not made after what it has seen.
    #[error("a remove's `seen` must be before its `at`")]
    SeenNotBeforeAt,
    /// A remove carrying `qty` or `reason`.
    #[error("a remove cannot carry `qty` or `reason`")]
    RemoveWithFields,
    /// A put carrying `seen`.
    #[error("only a remove carries `seen`")]
    PutWithSeen,
    /// A put whose photos are more than 5, or not photo ids.
    #[error("a line has at most 5 photos, each a SHA-256 in lowercase hex")]
    BadPhotos,
}

/// The id of a device, 1 to 64 characters among `A-Z a-z 0-9 _ -`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(String);

impl DeviceId {
    /// Checks and wraps a device id.
    pub fn new(id: impl Into<String>) -> Result<DeviceId, DeviceIdError> {
        let id = id.into();
        check_device(&id)?;
        Ok(DeviceId(id))
    }

    /// Returns the id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_device(id: &str) -> Result<(), DeviceIdError> {
    if id.is_empty() {
        return Err(DeviceIdError::Empty);
    }
    if let Some(c) = id
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(DeviceIdError::BadChar(c));
    }
    if id.len() > MAX_DEVICE_LEN {
        return Err(DeviceIdError::TooLong(id.len()));
    }
    Ok(())
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DeviceId {
    type Err = DeviceIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeviceId::new(s)
    }
}

impl AsRef<str> for DeviceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for DeviceId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DeviceId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        DeviceId::new(s).map_err(serde::de::Error::custom)
    }
}

/// A hybrid logical clock: `"<unix-ms, 13 digits>-<counter, 4 digits>-<device>"`.
///
/// Clocks order exactly as their strings do: by milliseconds, then counter, then device id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    // The field order makes the derived order the string order: both numbers are fixed-width in
    // the string, and the device ids compare byte by byte in both.
    millis: u64,
    counter: u16,
    device: DeviceId,
}

impl Hlc {
    /// Makes a clock from its parts, or `None` when a number does not fit its digits.
    pub fn new(millis: u64, counter: u16, device: DeviceId) -> Option<Hlc> {
        (millis <= MAX_MILLIS && counter <= MAX_COUNTER).then_some(Hlc {
            millis,
            counter,
            device,
        })
    }

    /// Returns the Unix time in milliseconds.
    pub fn millis(&self) -> u64 {
        self.millis
    }

    /// Returns the counter that orders clocks made in the same millisecond.
    pub fn counter(&self) -> u16 {
        self.counter
    }

    /// Returns the device that made the clock.
    pub fn device(&self) -> &DeviceId {
        &self.device
    }

    /// Returns the clock's milliseconds as an instant, to show when a line was last changed.
    pub fn instant(&self) -> DateTime<Utc> {
        // MAX_MILLIS is within chrono's range, so this never falls back.
        DateTime::from_timestamp_millis(self.millis as i64).unwrap_or_default()
    }

    /// Makes the clock of a new event on `device` (a send event), greater than `last`.
    ///
    /// `last` is the greatest clock the device has made or observed, `now_ms` its wall clock. The
    /// milliseconds are the greater of the two; the counter goes up by one within the same
    /// millisecond and starts again at 0 in a new one; past 9999 it moves to the next millisecond.
    /// Only at the very end of the clock's range (the year 2286) can the result fail to be greater.
    pub fn next(last: Option<&Hlc>, now_ms: u64, device: &DeviceId) -> Hlc {
        let now_ms = now_ms.min(MAX_MILLIS);
        let (millis, counter) = match last {
            Some(last) if last.millis >= now_ms => {
                if last.counter < MAX_COUNTER {
                    (last.millis, last.counter + 1)
                } else if last.millis < MAX_MILLIS {
                    (last.millis + 1, 0)
                } else {
                    (MAX_MILLIS, MAX_COUNTER)
                }
            }
            _ => (now_ms, 0),
        };
        Hlc {
            millis,
            counter,
            device: device.clone(),
        }
    }

    /// Whether the clock is more than [`MAX_CLOCK_AHEAD_MS`] ahead of `now` (the backend's
    /// clock): the device that made it has a wrong date, and the backend refuses its op.
    pub fn is_too_far_ahead_of(&self, now: DateTime<Utc>) -> bool {
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        self.millis > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS)
    }

    /// Records a clock received from elsewhere (a receive event), so that the device's next clock
    /// is greater than it.
    pub fn observe(last: &mut Option<Hlc>, remote: &Hlc) {
        if last.as_ref().is_none_or(|l| l < remote) {
            *last = Some(remote.clone());
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:013}-{:04}-{}", self.millis, self.counter, self.device)
    }
}

impl FromStr for Hlc {
    type Err = HlcError;

    /// Parses exactly `<13 digits>-<4 digits>-<device id>`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shape = || HlcError::Shape(s.to_owned());
        let b = s.as_bytes();
        if b.len() < 20 || b[13] != b'-' || b[18] != b'-' {
            return Err(shape());
        }
        let digits = |part: &[u8]| -> Option<u64> {
            part.iter().try_fold(0u64, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0'))
            })
        };
        let millis = digits(&b[..13]).ok_or_else(shape)?;
        let counter = digits(&b[14..18]).ok_or_else(shape)?;
        // Bytes 0..19 are ASCII, so index 19 is a character boundary.
        let device = DeviceId::new(&s[19..])?;
        Ok(Hlc {
            millis,
            counter: u16::try_from(counter).map_err(|_| shape())?,
            device,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A device's clock: its id and the greatest clock it has made or observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clock {
    device: DeviceId,
    last: Option<Hlc>,
}

impl Clock {
    /// Starts a clock for `device`, given the greatest clock it had made or seen (kept on disk).
    pub fn new(device: DeviceId, last: Option<Hlc>) -> Clock {
        Clock { device, last }
    }

    /// Returns the clock of a new op made at wall-clock time `now_ms`.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        let at = Hlc::next(self.last.as_ref(), now_ms, &self.device);
        self.last = Some(at.clone());
        at
    }

    /// Records a clock received from another device or the server.
    pub fn observe(&mut self, remote: &Hlc) {
        Hlc::observe(&mut self.last, remote);
    }

    /// Returns the greatest clock made or observed so far.
    pub fn last(&self) -> Option<&Hlc> {
        self.last.as_ref()
    }

    /// Returns the device id.
    pub fn device(&self) -> &DeviceId {
        &self.device
    }
}

/// What an op does to its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    /// Adds the line, or sets its quantity or reason.
    Put,
    /// Takes the line out of the cart, as far as its device had seen it.
    Remove,
}

/// One change to the cart, as `API.md` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CartOp {
    /// The op's id: replaying an op changes nothing.
    pub op_id: Uuid,
    /// When the op was made, by the device that made it.
    pub at: Hlc,
    /// Put or remove.
    pub kind: OpKind,
    /// The delivery note (BL) number of the line, as the server knows it.
    pub delivery_note: String,
    /// The line number within the delivery note.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub line_no: u32,
    /// The quantity to return, set by a put.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole_number::option"
    )]
    pub qty: Option<u32>,
    /// The reason code, set by a put.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a remove: the greatest `at` of this line's ops its device had applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Hlc>,
    /// The line's photo ids, set by a put as a whole list (v1.1; at most 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photos: Option<Vec<String>>,
}

impl CartOp {
    /// Makes a put that adds the line or sets the fields given.
    pub fn put(
        op_id: Uuid,
        at: Hlc,
        delivery_note: impl Into<String>,
        line_no: u32,
        qty: Option<u32>,
        reason: Option<String>,
    ) -> CartOp {
        CartOp {
            op_id,
            at,
            kind: OpKind::Put,
            delivery_note: delivery_note.into(),
            line_no,
            qty,
            reason,
            seen: None,
            photos: None,
        }
    }

    /// The same put, setting the line's photos as a whole list.
    pub fn with_photos(mut self, photos: Vec<String>) -> CartOp {
        self.photos = Some(photos);
        self
    }

    /// Makes a remove that takes out the line as far as `seen`; see [`CartState::seen_for`].
    pub fn remove(
        op_id: Uuid,
        at: Hlc,
        delivery_note: impl Into<String>,
        line_no: u32,
        seen: Hlc,
    ) -> CartOp {
        CartOp {
            op_id,
            at,
            kind: OpKind::Remove,
            delivery_note: delivery_note.into(),
            line_no,
            qty: None,
            reason: None,
            seen: Some(seen),
            photos: None,
        }
    }

    /// Returns the key of the line the op is about.
    pub fn key(&self) -> LineKey {
        LineKey {
            delivery_note: self.delivery_note.clone(),
            line_no: self.line_no,
        }
    }

    /// Checks the op's structure: a non-empty delivery note; a put without `seen` and with no zero
    /// quantity (a put with neither `qty` nor `reason` is allowed: it adds the line, or keeps it
    /// in the cart, with the fields it already had); a remove with `seen` before `at` and without
    /// `qty` or `reason`.
    pub fn validate(&self) -> Result<(), CartOpError> {
        if self.delivery_note.is_empty() {
            return Err(CartOpError::EmptyDeliveryNote);
        }
        match self.kind {
            OpKind::Put => {
                if self.qty == Some(0) {
                    return Err(CartOpError::ZeroQuantity);
                }
                if self.seen.is_some() {
                    return Err(CartOpError::PutWithSeen);
                }
                if let Some(photos) = &self.photos {
                    crate::photo::check_photo_ids(photos).map_err(|_| CartOpError::BadPhotos)?;
                }
            }
            OpKind::Remove => {
                let seen = self.seen.as_ref().ok_or(CartOpError::RemoveWithoutSeen)?;
                if seen >= &self.at {
                    return Err(CartOpError::SeenNotBeforeAt);
                }
                if self.qty.is_some() || self.reason.is_some() || self.photos.is_some() {
                    return Err(CartOpError::RemoveWithFields);
                }
            }
        }
        Ok(())
    }
}

/// A cart line's identity: its delivery note and line number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LineKey {
    /// The delivery note (BL) number.
    pub delivery_note: String,
    /// The line number within the delivery note.
    pub line_no: u32,
}

/// A line of the visible cart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CartLine {
    /// The delivery note (BL) number.
    pub delivery_note: String,
    /// The line number within the delivery note.
    pub line_no: u32,
    /// The quantity to return: the latest put's that carried one, or 1 when none did.
    pub qty: u32,
    /// The reason code: the latest put's that carried one, if any did.
    pub reason: Option<String>,
    /// The photo ids: the latest put's that carried a list, else none.
    pub photos: Vec<String>,
    /// The clock of the line's latest put.
    pub updated_at: Hlc,
}

/// A last-writer-wins register: the value of the greatest `(at, op_id, value)`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
struct Register<T> {
    at: Hlc,
    op_id: Uuid,
    value: T,
}

impl<T: Ord + Clone> Register<T> {
    fn join(slot: &mut Option<Register<T>>, candidate: Register<T>) {
        if slot.as_ref().is_none_or(|current| *current < candidate) {
            *slot = Some(candidate);
        }
    }
}

/// What the merge keeps of one line's ops; every field only ever grows.
///
/// It can be stored and loaded back (serde): a backend keeps one per line instead of replaying
/// its whole log, and joining a loaded one into a [`CartState`] with
/// [`CartState::join_line_merge`] is the same as applying again every op it came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineMerge {
    /// The greatest `at` of the line's ops, puts and removes.
    max_at: Hlc,
    /// The greatest `at` of the line's puts.
    max_put: Option<Hlc>,
    /// The greatest `seen` of the line's removes.
    max_seen: Option<Hlc>,
    qty: Option<Register<u32>>,
    reason: Option<Register<String>>,
    /// The photo list, last writer wins as a whole (absent from states stored before v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    photos: Option<Register<Vec<String>>>,
}

impl LineMerge {
    fn new(at: &Hlc) -> LineMerge {
        LineMerge {
            max_at: at.clone(),
            max_put: None,
            max_seen: None,
            qty: None,
            reason: None,
            photos: None,
        }
    }

    fn join(&mut self, other: &LineMerge) {
        join_max(&mut self.max_put, other.max_put.as_ref());
        join_max(&mut self.max_seen, other.max_seen.as_ref());
        if other.max_at > self.max_at {
            self.max_at = other.max_at.clone();
        }
        if let Some(r) = &other.qty {
            Register::join(&mut self.qty, r.clone());
        }
        if let Some(r) = &other.reason {
            Register::join(&mut self.reason, r.clone());
        }
        if let Some(r) = &other.photos {
            Register::join(&mut self.photos, r.clone());
        }
    }

    /// Returns the greatest `at` of the line's ops, puts and removes.
    pub fn max_at(&self) -> &Hlc {
        &self.max_at
    }

    fn is_present(&self) -> bool {
        match (&self.max_put, &self.max_seen) {
            (Some(put), Some(seen)) => put > seen,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

fn join_max(slot: &mut Option<Hlc>, candidate: Option<&Hlc>) {
    if let Some(c) = candidate {
        if slot.as_ref().is_none_or(|s| s < c) {
            *slot = Some(c.clone());
        }
    }
}

/// The cart as the merge of every op applied so far, in any order and any number of times.
///
/// Two states are equal exactly when they have merged the same information, and then they show
/// the same [`lines`](CartState::lines).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CartState {
    lines: BTreeMap<LineKey, LineMerge>,
}

impl CartState {
    /// Returns an empty cart.
    pub fn new() -> CartState {
        CartState::default()
    }

    /// Returns the merge of `ops`, checking each; the first op that fails [`CartOp::validate`]
    /// stops the merge with its error.
    pub fn from_ops<'a>(
        ops: impl IntoIterator<Item = &'a CartOp>,
    ) -> Result<CartState, CartOpError> {
        let mut state = CartState::new();
        for op in ops {
            state.apply(op)?;
        }
        Ok(state)
    }

    /// Merges one op into the cart, after checking it with [`CartOp::validate`]; an op that fails
    /// is left out and its error returned.
    ///
    /// Applying is idempotent, commutative and associative: the same ops give the same cart
    /// whatever their order and however often each is applied.
    pub fn apply(&mut self, op: &CartOp) -> Result<(), CartOpError> {
        op.validate()?;
        let mut line = LineMerge::new(&op.at);
        match op.kind {
            OpKind::Put => {
                line.max_put = Some(op.at.clone());
                line.qty = op.qty.map(|value| Register {
                    at: op.at.clone(),
                    op_id: op.op_id,
                    value,
                });
                line.reason = op.reason.clone().map(|value| Register {
                    at: op.at.clone(),
                    op_id: op.op_id,
                    value,
                });
                line.photos = op.photos.clone().map(|value| Register {
                    at: op.at.clone(),
                    op_id: op.op_id,
                    value,
                });
            }
            OpKind::Remove => line.max_seen = op.seen.clone(),
        }
        self.join_line(op.key(), &line);
        Ok(())
    }

    /// Merges another replica's state into this one (the join of the two).
    pub fn merge(&mut self, other: &CartState) {
        for (key, line) in &other.lines {
            self.join_line(key.clone(), line);
        }
    }

    fn join_line(&mut self, key: LineKey, line: &LineMerge) {
        match self.lines.get_mut(&key) {
            Some(current) => current.join(line),
            None => {
                self.lines.insert(key, line.clone());
            }
        }
    }

    /// Returns what the merge keeps of one line, if any op of it was applied (to store it).
    pub fn line_merge(&self, delivery_note: &str, line_no: u32) -> Option<&LineMerge> {
        self.lines.get(&LineKey {
            delivery_note: delivery_note.to_owned(),
            line_no,
        })
    }

    /// Returns every line any applied op touched, with what the merge keeps of it (to store it).
    pub fn line_merges(&self) -> impl Iterator<Item = (&LineKey, &LineMerge)> {
        self.lines.iter()
    }

    /// Joins a line's stored merge state into the cart: the same as applying again every op it
    /// came from.
    pub fn join_line_merge(&mut self, key: LineKey, merge: &LineMerge) {
        self.join_line(key, merge);
    }

    /// Returns the lines in the cart, sorted by delivery note then line number.
    pub fn lines(&self) -> Vec<CartLine> {
        self.lines
            .iter()
            .filter_map(|(key, line)| Self::visible(key, line))
            .collect()
    }

    /// Returns one line if it is in the cart.
    pub fn line(&self, delivery_note: &str, line_no: u32) -> Option<CartLine> {
        let key = LineKey {
            delivery_note: delivery_note.to_owned(),
            line_no,
        };
        self.lines
            .get(&key)
            .and_then(|line| Self::visible(&key, line))
    }

    fn visible(key: &LineKey, line: &LineMerge) -> Option<CartLine> {
        if !line.is_present() {
            return None;
        }
        Some(CartLine {
            delivery_note: key.delivery_note.clone(),
            line_no: key.line_no,
            qty: line.qty.as_ref().map_or(1, |r| r.value),
            reason: line.reason.as_ref().map(|r| r.value.clone()),
            photos: line
                .photos
                .as_ref()
                .map_or_else(Vec::new, |r| r.value.clone()),
            updated_at: line.max_put.clone()?,
        })
    }

    /// Returns the number of lines in the cart.
    pub fn len(&self) -> usize {
        self.lines.values().filter(|l| l.is_present()).count()
    }

    /// Tells whether the cart has no line.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the `seen` for a remove of this line made now: the greatest `at` of the line's
    /// applied ops, or `None` when no op of the line has been applied.
    pub fn seen_for(&self, delivery_note: &str, line_no: u32) -> Option<&Hlc> {
        let key = LineKey {
            delivery_note: delivery_note.to_owned(),
            line_no,
        };
        self.lines.get(&key).map(|line| &line.max_at)
    }

    /// Returns the greatest `at` of every applied op, for the device clock to observe.
    pub fn max_at(&self) -> Option<&Hlc> {
        self.lines.values().map(|line| &line.max_at).max()
    }
}
