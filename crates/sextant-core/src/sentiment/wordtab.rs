//! The VADER scorer's word table: every word the rules know (lexicon words, boosters, negations,
//! idiom words) mapped to a dense id, built once per scorer.
//!
//! Keys of at most 16 bytes, nearly all of them, are stored packed in two `u64`s (zero bytes
//! past the end) in an open-addressing table with linear probing at a load of at most one half;
//! each 32-bit slot holds the id, the key's length and, in the remaining bits, a tag of the
//! hash, so most probes of a word that is not in the table (most words of a headline) end
//! without touching a key. A probe is then a few integer operations with no pointer chase and
//! no `memcmp`. Longer keys live in a separate map. The ASCII tokeniser of the scorer loads each
//! word's bytes straight into the packed form and lowercases them there
//! ([`ascii_lower_case_flags`]), so no lowercase copy of the text is made.

use super::fxhash::FxMap;

/// The id of a word that is not in the table.
pub(crate) const NONE: u32 = u32::MAX;

/// A key of at most 16 bytes: little-endian words, zero bytes past the end.
pub(crate) type Packed = [u64; 2];

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;

#[inline]
fn hash(w: Packed, len: usize) -> u64 {
    let h = (w[0] ^ (len as u64).rotate_right(8)).wrapping_mul(K1);
    let h = (h.rotate_left(29) ^ w[1]).wrapping_mul(K2);
    (h ^ (h >> 32)).wrapping_mul(K1)
}

/// Mask keeping the first `n` (at most 8) bytes of a little-endian word.
#[inline]
const fn keep(n: usize) -> u64 {
    if n >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    }
}

/// The bytes `b[a..a + len]` (`len <= 16`, `a + len <= b.len()`) packed.
#[inline]
pub(crate) fn load(b: &[u8], a: usize, len: usize) -> Packed {
    let w = if let Some(s) = b.get(a..a + 16) {
        let mut lo = [0u8; 8];
        let mut hi = [0u8; 8];
        lo.copy_from_slice(&s[..8]);
        hi.copy_from_slice(&s[8..]);
        [u64::from_le_bytes(lo), u64::from_le_bytes(hi)]
    } else {
        // near the end of the text: copy what is left
        let mut t = [0u8; 16];
        let rest = b.get(a..).unwrap_or_default();
        let n = rest.len().min(16);
        t[..n].copy_from_slice(&rest[..n]);
        let mut lo = [0u8; 8];
        let mut hi = [0u8; 8];
        lo.copy_from_slice(&t[..8]);
        hi.copy_from_slice(&t[8..]);
        [u64::from_le_bytes(lo), u64::from_le_bytes(hi)]
    };
    [w[0] & keep(len), w[1] & keep(len.saturating_sub(8))]
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// For a packed ASCII word (every byte below 0x80): the word lowercased, whether it has an
/// uppercase letter and whether it has a lowercase letter. Per byte, adding `0x80 - b'A'` sets
/// the high bit exactly for bytes `>= b'A'` (no carry leaves a byte below 0x80).
#[inline]
pub(crate) const fn ascii_lower_case_flags(w: Packed) -> (Packed, bool, bool) {
    let u0 = upper_bits(w[0]);
    let u1 = upper_bits(w[1]);
    let l0 = lower_bits(w[0]);
    let l1 = lower_bits(w[1]);
    ([w[0] | (u0 >> 2), w[1] | (u1 >> 2)], u0 | u1 != 0, l0 | l1 != 0)
}

#[inline]
const fn upper_bits(x: u64) -> u64 {
    x.wrapping_add(ONES * (0x80 - b'A' as u64))
        & !x.wrapping_add(ONES * (0x80 - b'Z' as u64 - 1))
        & HIGH
}

#[inline]
const fn lower_bits(x: u64) -> u64 {
    x.wrapping_add(ONES * (0x80 - b'a' as u64))
        & !x.wrapping_add(ONES * (0x80 - b'z' as u64 - 1))
        & HIGH
}

/// A short key and its word's value, 32 bytes for the scorer's values: one cache line holds
/// both (the table's slots then this are the two memory reads of a look-up).
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(32))]
struct Entry<V> {
    key: Packed,
    val: V,
}

/// Words to dense ids `0..n` (the order they were given in) and a value per word.
#[derive(Debug, Clone, Default)]
pub(crate) struct WordTable<V> {
    /// `tag | len << id_bits | (id + 1)` in 32 bits; 0 is an empty slot. The table is half
    /// full at most, and 64 KB for the VADER lexicon.
    slots: Vec<u32>,
    /// Packed key (zero for a long key) and value of each id.
    entries: Vec<Entry<V>>,
    shift: u32,
    id_bits: u32,
    /// Keys longer than 16 bytes, and every key if there are too many for 32-bit slots.
    long: FxMap<Box<str>, u32>,
    /// Every key is in `long`.
    huge: bool,
}

impl<V: Copy + Default> WordTable<V> {
    /// A table of `words` (distinct), word `i` getting id `i`.
    pub(crate) fn new(words: &[(Box<str>, V)]) -> Self {
        Self::build(words, false)
    }

    /// The table; every key in the map when `all_long` or when the ids need more than 27 bits.
    fn build(words: &[(Box<str>, V)], all_long: bool) -> Self {
        let short = words.iter().filter(|(w, _)| w.len() <= 16).count();
        let cap = (2 * short).next_power_of_two().max(16);
        let id_bits = (words.len() + 1).next_power_of_two().trailing_zeros();
        let mut t = Self {
            slots: Vec::new(),
            entries: words.iter().map(|&(_, val)| Entry { key: [0, 0], val }).collect(),
            shift: 64 - cap.trailing_zeros(),
            id_bits,
            long: FxMap::default(),
            huge: all_long || id_bits + 5 > 32,
        };
        if t.huge {
            for (i, (w, _)) in words.iter().enumerate() {
                t.long.insert(w.clone(), u32::try_from(i).unwrap_or(NONE - 1));
            }
            return t;
        }
        t.slots = vec![0; cap];
        for (i, (w, _)) in words.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(NONE - 1);
            let b = w.as_bytes();
            if b.len() > 16 {
                t.long.insert(w.clone(), id);
                continue;
            }
            let k = load(b, 0, b.len());
            t.entries[i].key = k;
            let h = hash(k, b.len());
            let mut s = t.index(h);
            while t.slots[s] != 0 {
                s = (s + 1) & (cap - 1);
            }
            t.slots[s] = t.tag(h, b.len()) | (id + 1);
        }
        t
    }

    #[inline]
    #[allow(clippy::cast_possible_truncation, reason = "shift leaves at most 63 bits")]
    const fn index(&self, h: u64) -> usize {
        (h >> self.shift) as usize
    }

    /// The bits above the id: the key's length (5 bits), then hash bits.
    #[inline]
    #[allow(clippy::cast_possible_truncation, reason = "32-bit slots")]
    const fn tag(&self, h: u64, len: usize) -> u32 {
        let low = self.id_bits + 5;
        let hash_tag = ((h & 0xffff_ffff) >> low << low) as u32;
        hash_tag | ((len as u32) << self.id_bits)
    }

    /// The id of the packed key `w` of length `len <= 16`, or [`NONE`].
    #[inline]
    pub(crate) fn get_packed(&self, w: Packed, len: usize) -> u32 {
        if self.huge {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&w[0].to_le_bytes());
            b[8..].copy_from_slice(&w[1].to_le_bytes());
            let s = b.get(..len).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default();
            return self.get_long(s);
        }
        let h = hash(w, len);
        let tag = self.tag(h, len);
        let id_mask = (1u32 << self.id_bits) - 1;
        let mask = self.slots.len().wrapping_sub(1);
        let mut s = self.index(h);
        loop {
            let Some(&slot) = self.slots.get(s) else { return NONE };
            if slot == 0 {
                return NONE;
            }
            if slot & !id_mask == tag {
                let id = (slot & id_mask).wrapping_sub(1);
                if self.entries.get(id as usize).is_some_and(|e| e.key == w) {
                    return id;
                }
            }
            s = (s + 1) & mask;
        }
    }

    /// The id of `word` (any length, already lowercased), or [`NONE`].
    #[inline]
    pub(crate) fn get(&self, word: &str) -> u32 {
        let b = word.as_bytes();
        if b.len() <= 16 && !self.huge {
            self.get_packed(load(b, 0, b.len()), b.len())
        } else {
            self.get_long(word)
        }
    }

    /// The id of a key longer than 16 bytes, or [`NONE`].
    #[inline]
    pub(crate) fn get_long(&self, word: &str) -> u32 {
        self.long.get(word).copied().unwrap_or(NONE)
    }

    /// The value of the word with id `id` (the default for [`NONE`]).
    #[inline]
    pub(crate) fn value(&self, id: u32) -> V {
        self.entries.get(id as usize).map(|e| e.val).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_word_and_only_them() {
        let words: Vec<(Box<str>, usize)> =
            ["a", "a\0", "good", "sixteen-letters!", "seventeen-letters", ""]
                .into_iter()
                .map(Box::from)
                .chain((0..5000).map(|i| format!("w{i}").into_boxed_str()))
                .enumerate()
                .map(|(i, w)| (w, i + 1))
                .collect();
        for all_long in [false, true] {
            let t = WordTable::build(&words, all_long);
            for (i, (w, v)) in words.iter().enumerate() {
                assert_eq!(t.get(w), u32::try_from(i).unwrap(), "{w:?}");
                assert_eq!(t.value(t.get(w)), *v);
                if w.len() <= 16 {
                    let k = load(w.as_bytes(), 0, w.len());
                    assert_eq!(t.get_packed(k, w.len()), u32::try_from(i).unwrap(), "{w:?}");
                }
            }
            for w in ["b", "a\0\0", "goo", "w5000", "seventeen-letterz", "\0"] {
                assert_eq!(t.get(w), NONE, "{w:?}");
            }
            assert_eq!(t.value(NONE), 0);
        }
        assert_eq!(WordTable::<u8>::default().get("a"), NONE);
    }

    #[test]
    fn swar_case_matches_bytes() {
        let all: Vec<u8> = (0u8..0x80).collect();
        for c in all.chunks(16) {
            let (l, up, lo) = ascii_lower_case_flags(load(c, 0, c.len()));
            let want: Vec<u8> = c.iter().map(u8::to_ascii_lowercase).collect();
            assert_eq!(l, load(&want, 0, want.len()));
            assert_eq!(up, c.iter().any(u8::is_ascii_uppercase));
            assert_eq!(lo, c.iter().any(u8::is_ascii_lowercase));
        }
    }
}
