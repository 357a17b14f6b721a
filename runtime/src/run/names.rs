//! Name interning: the hot path maps a metric name to a small id without locking.

use std::collections::HashMap;

/// The ids of the names this thread has logged to run `run`: a small open-addressing table
/// (linear probing, power-of-two size, at most half full). Each slot keeps its name's length
/// and first and last 8 bytes (every byte of a name of up to 16), so a lookup hashes the name
/// and compares a few words held in the slot, without reading the name's own allocation or
/// calling `memcmp` (longer names compare their bytes once the words match).
///
/// `log_metrics` also remembers, per position in its slice, the key and id of the name found
/// there last time (names of up to 16 bytes, whose key holds every byte): a training loop
/// that logs the same names in the same order every step finds each one by comparing two
/// words in that array, without hashing, probing or reading a slot.
pub(super) struct Names {
    pub(super) run: u64,
    slots: Vec<Option<Slot>>,
    len: usize,
    /// `64 - log2(slots.len())`: a hash shifted right by it is a slot (see [`slot_of`]). Kept
    /// here so a lookup does not count the mask's bits (a software popcount on baseline x86-64).
    shift: u32,
    /// The key and id of the name last found at each position of a `log_metrics` slice, for
    /// names of up to 16 bytes (whose key holds every byte): a hit reads this array only.
    hints: Vec<Hint>,
}

/// A name's length and the words [`key_words`] takes from it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    len: usize,
    words: (u64, u64),
}

impl Key {
    #[inline(always)]
    fn of(name: &[u8]) -> Key {
        Key {
            len: name.len(),
            words: key_words(name),
        }
    }

    /// Whether the words hold every byte of the name (16 bytes or fewer).
    #[inline(always)]
    fn is_whole(self) -> bool {
        self.len <= 16
    }
}

struct Slot {
    key: Key,
    id: u32,
    /// The whole name, compared when it is longer than its key's words.
    name: Box<str>,
}

impl Slot {
    /// Whether this slot holds `name`, whose key is `key`.
    #[inline(always)]
    fn holds(&self, key: Key, name: &[u8]) -> bool {
        self.key == key && (key.is_whole() || self.name.as_bytes() == name)
    }
}

/// What a `log_metrics` position remembers: a name of up to 16 bytes and its id.
#[derive(Clone, Copy)]
struct Hint {
    key: Key,
    id: u32,
}

/// A position that remembers nothing: no name has this length.
const NO_HINT: Hint = Hint {
    key: Key {
        len: usize::MAX,
        words: (0, 0),
    },
    id: 0,
};

/// How many positions of a `log_metrics` slice keep a hint.
const HINTS: usize = 256;

impl Names {
    pub(super) const fn new() -> Names {
        Names {
            run: 0,
            slots: Vec::new(),
            len: 0,
            shift: 64,
            hints: Vec::new(),
        }
    }

    #[inline(always)]
    pub(super) fn get(&self, name: &str) -> Option<u32> {
        self.find(Key::of(name.as_bytes()), name.as_bytes())
    }

    /// The id of `name`, whose key is `key`.
    #[inline(always)]
    fn find(&self, key: Key, name: &[u8]) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = slot_of(name_hash(key, name), self.shift);
        loop {
            match self.slots.get(i)? {
                Some(slot) if slot.holds(key, name) => return Some(slot.id),
                Some(_) => i = (i + 1) & mask,
                None => return None,
            }
        }
    }

    /// [`Names::get`] for the name at `position` of a `log_metrics` slice: first the name
    /// that position held last time.
    #[inline(always)]
    pub(super) fn get_at(&mut self, position: usize, name: &str) -> Option<u32> {
        let name = name.as_bytes();
        let key = Key::of(name);
        if let Some(hint) = self.hints.get(position) {
            if hint.key == key && key.is_whole() {
                return Some(hint.id);
            }
        }
        let id = self.find(key, name)?;
        if key.is_whole() {
            self.hint(position, Hint { key, id });
        }
        Some(id)
    }

    /// The ids that the positions of a `log_metrics` slice found last time, for as long as
    /// `names` holds the same names at the same positions: a borrow of the hints the compiler
    /// knows no write changes, walked alongside the slice (no reload of the table, no bounds
    /// check, at each value).
    #[inline(always)]
    pub(super) fn hinted<'a, N: AsRef<str> + 'a>(
        &'a self,
        names: impl Iterator<Item = &'a N> + 'a,
    ) -> impl Iterator<Item = u32> + 'a {
        self.hints.iter().zip(names).map_while(|(hint, name)| {
            let key = Key::of(name.as_ref().as_bytes());
            (hint.key == key && key.is_whole()).then_some(hint.id)
        })
    }

    #[cold]
    fn hint(&mut self, position: usize, hint: Hint) {
        if position >= HINTS {
            return;
        }
        if self.hints.len() <= position {
            self.hints.resize(position + 1, NO_HINT);
        }
        self.hints[position] = hint;
    }

    #[cold]
    pub(super) fn insert(&mut self, name: &str, id: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(16);
            let old = std::mem::replace(&mut self.slots, (0..size).map(|_| None).collect());
            self.shift = shift_for(size - 1);
            self.len = 0;
            for slot in old.into_iter().flatten() {
                self.put(slot);
            }
        }
        self.put(Slot {
            key: Key::of(name.as_bytes()),
            id,
            name: name.into(),
        });
    }

    fn put(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut i = slot_of(name_hash(slot.key, slot.name.as_bytes()), self.shift);
        while self.slots[i].is_some() {
            i = (i + 1) & mask;
        }
        self.slots[i] = Some(slot);
        self.len += 1;
    }

    /// Makes this the cache of run `run` (emptied when it was another run's).
    #[inline(always)]
    pub(super) fn enter(&mut self, run: u64) {
        if self.run != run {
            self.clear();
            self.run = run;
        }
    }

    pub(super) fn clear(&mut self) {
        self.slots = Vec::new();
        self.len = 0;
        self.shift = 64;
        self.hints = Vec::new();
    }
}

impl Default for Names {
    fn default() -> Names {
        Names::new()
    }
}

/// The little-endian word of the first 8 bytes of `b` (`b.len() >= 8`).
#[inline]
fn word8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// The little-endian word of the first 4 bytes of `b` (`b.len() >= 4`).
#[inline]
fn word4(b: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u64::from(u32::from_le_bytes(w))
}

/// Two words of a name: for up to 16 bytes they hold every byte (overlapping loads of its
/// first and last bytes); for a longer name, its first and last 8 bytes.
#[inline(always)]
fn key_words(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    if n >= 8 {
        (word8(b), word8(&b[n - 8..]))
    } else if n >= 4 {
        (word4(b), word4(&b[n - 4..]))
    } else if n > 0 {
        (
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        )
    } else {
        (0, 0)
    }
}

/// The shift that maps a hash to a slot of a table of `mask + 1` slots (a power of two): 64
/// minus the table's bits, 64 for a table of one slot or none.
fn shift_for(mask: usize) -> u32 {
    64 - (mask as u64).count_ones()
}

/// The first slot to probe for `hash` in a table whose [`shift_for`] is `shift`: the hash's
/// top bits. A multiplicative hash mixes every input bit into its top bits only (its low bits
/// ignore the input's high bytes: `metric_000` .. `metric_099` would share one low-bit slot).
#[inline]
fn slot_of(hash: u64, shift: u32) -> usize {
    hash.checked_shr(shift).unwrap_or(0) as usize
}

/// A fast hash of a metric name (FxHash-style mixing); names are not attacker input. A name
/// of up to 16 bytes is hashed from its key, a longer one from all its bytes.
#[inline(always)]
fn name_hash(key: Key, name: &[u8]) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    if key.is_whole() {
        return mix(mix(key.len as u64, key.words.0), key.words.1);
    }
    long_hash(name, mix)
}

#[inline(never)]
fn long_hash(b: &[u8], mix: impl Fn(u64, u64) -> u64) -> u64 {
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h, word8(c));
    }
    mix(h, word8(&b[b.len() - 8..]))
}

/// The run's names, shared by its callers: the id of each name as logged and as sanitized.
/// A new id's name goes into `announced` (the writer's copy, by id) before the id is given to
/// any caller, so the writer finds the name of every value it takes, whichever way the value
/// came (a thread's ring or the shared queue).
#[derive(Default)]
pub(super) struct NameTable {
    pub(super) by_raw: HashMap<String, u32>,
    pub(super) by_sanitized: HashMap<String, u32>,
    pub(super) announced: crate::worker::Announced,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_cache_finds_every_name_and_only_those() {
        let mut all: Vec<String> = Vec::new();
        for i in 0..400 {
            let name = match i % 5 {
                0 => format!("m{i}"),
                1 => format!("metric_{i:05}"),
                2 => "x".repeat(i % 41),
                3 => format!("train/layer_{i}/grad_norm"),
                _ => format!("{}{i}", "ab".repeat(i % 11)),
            };
            if !all.contains(&name) {
                all.push(name);
            }
        }
        let mut names = Names::new();
        for (id, name) in all.iter().enumerate() {
            assert_eq!(names.get(name), None, "{name:?}");
            names.insert(name, id as u32);
        }
        for (id, name) in all.iter().enumerate() {
            assert_eq!(names.get(name), Some(id as u32), "{name:?}");
        }
        // Same length and same first and last bytes, different middle.
        for probe in [
            "train/layer_3/grad_morm",
            "metric_0000l",
            "xxxxxxxxxyxxxxxxxxxxxxxx",
            "m1z",
        ] {
            assert_eq!(names.get(probe), None, "{probe:?}");
        }
        names.clear();
        assert_eq!(names.get(&all[1]), None);
    }

    /// A position's hint answers only for the name it remembers: the same names in another
    /// order, other names at the same positions, long names and unknown ones all get their
    /// own ids.
    #[test]
    fn log_metrics_positions_answer_only_for_their_names() {
        let all: Vec<String> = ["loss", "acc", "metric_000", "metric_001", "", "q"]
            .into_iter()
            .map(String::from)
            .chain(["train/layer_1/grad_norm", "train/layer_2/grad_norm"].map(String::from))
            .collect();
        let mut names = Names::new();
        for (id, name) in all.iter().enumerate() {
            names.insert(name, id as u32 * 10);
        }
        let orders: [&[usize]; 5] = [
            &[0, 1, 2, 3, 4, 5, 6, 7],
            &[0, 1, 2, 3, 4, 5, 6, 7],
            &[7, 6, 5, 4, 3, 2, 1, 0],
            &[3, 2, 6, 7, 0],
            &[2, 3, 7, 6, 5, 4, 1, 0],
        ];
        for order in orders {
            for (position, &i) in order.iter().enumerate() {
                assert_eq!(
                    names.get_at(position, &all[i]),
                    Some(i as u32 * 10),
                    "{:?} at {position}",
                    all[i]
                );
            }
        }
        assert_eq!(names.get_at(0, "los"), None);
        assert_eq!(names.get_at(2, "metric_002"), None);
        assert_eq!(names.get_at(3, "train/layer_3/grad_norm"), None);
        assert_eq!(names.get_at(HINTS + 5, "acc"), Some(10));
    }

    /// Numbered names (`metric_000` ..) spread over the table: each is found within a few
    /// probes, not by walking a run of collisions.
    #[test]
    fn numbered_names_spread_over_the_table() {
        for (count, pattern) in [(100, "metric_"), (1000, "train/layer_"), (64, "m")] {
            let mut names = Names::new();
            let all: Vec<String> = (0..count).map(|i| format!("{pattern}{i:03}")).collect();
            for (id, name) in all.iter().enumerate() {
                names.insert(name, id as u32);
            }
            let mask = names.slots.len() - 1;
            assert_eq!(names.shift, shift_for(mask));
            let longest = all
                .iter()
                .map(|name| {
                    let mut i = slot_of(
                        name_hash(Key::of(name.as_bytes()), name.as_bytes()),
                        names.shift,
                    );
                    let mut probes = 1;
                    while names.slots[i].as_ref().is_some_and(|s| *s.name != **name) {
                        i = (i + 1) & mask;
                        probes += 1;
                    }
                    probes
                })
                .max()
                .unwrap_or(0);
            assert!(
                longest <= 12,
                "{pattern}: up to {longest} probes for {count} names"
            );
        }
    }
}
