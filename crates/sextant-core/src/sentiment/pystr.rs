//! The parts of CPython's `str` and `float` semantics the VADER scorer depends on, written for
//! Rust strings: `str.split()` / `str.strip()` whitespace (which includes `\x1c`-`\x1f`, unlike
//! [`char::is_whitespace`]), `str.isupper()`, `str.strip(string.punctuation)`, `len()` in code
//! points, and `round(x, ndigits)` (correctly rounded, ties to even on the exact binary value).

use super::pystr_tables::{LOWER_OR_TITLE, UPPER, WHITESPACE};

/// `string.punctuation`: the 32 ASCII punctuation characters.
pub(crate) const fn is_ascii_punct(b: u8) -> bool {
    b.is_ascii_punctuation()
}

/// `c.isspace()` in CPython.
#[inline]
pub(crate) fn is_py_space(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f' | ' ')
    } else {
        WHITESPACE.binary_search(&c).is_ok()
    }
}

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(a, b)| {
            if b < c {
                std::cmp::Ordering::Less
            } else if a > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `s.isupper()` in CPython: no lowercase or titlecase character and at least one uppercase one.
pub(crate) fn py_isupper(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_ascii() {
            if c.is_ascii_lowercase() {
                return false;
            }
            cased |= c.is_ascii_uppercase();
        } else {
            if in_ranges(LOWER_OR_TITLE, c) {
                return false;
            }
            cased = cased || in_ranges(UPPER, c);
        }
    }
    cased
}

/// `s.split()` in CPython: runs of whitespace separate tokens; no empty tokens.
pub(crate) fn py_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_py_space).filter(|t| !t.is_empty())
}

/// `s.strip()` in CPython.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// `token.strip(string.punctuation)`.
pub(crate) fn strip_ascii_punct(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii() && is_ascii_punct(c as u8))
}

/// `len(s)` in CPython (code points), capped: counts at most `cap + 1` characters.
pub(crate) fn py_len_exceeds(s: &str, cap: usize) -> bool {
    if s.len() <= cap {
        return false;
    }
    s.chars().nth(cap).is_some()
}

/// `s.lower()` in CPython, appended to `out` (full Unicode lowercase mapping with the final
/// sigma rule, as [`str::to_lowercase`] does).
pub(crate) fn push_lower(s: &str, out: &mut String) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// `round(x, ndigits)` for a Python float, `0 <= ndigits <= 15`: the decimal value nearest to
/// the exact binary value of `x` with `ndigits` digits after the point (ties to even), then
/// converted back to the nearest double. The sign of zero is kept, as in Python.
#[must_use]
pub fn py_round(x: f64, ndigits: u32) -> f64 {
    if !x.is_finite() || x == 0.0 || ndigits > 15 {
        return x;
    }
    let bits = x.to_bits();
    let neg = bits >> 63 == 1;
    #[allow(clippy::cast_possible_truncation, reason = "the exponent field has 11 bits")]
    let exp_field = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    // x = m * 2^e exactly
    let (m, e) =
        if exp_field == 0 { (frac, -1074) } else { (frac | (1u64 << 52), exp_field - 1075) };
    let scale = 10u128.pow(ndigits);
    if e >= 0 {
        // an integer already (|x| >= 2^52); rounding to decimals leaves it unchanged
        return x;
    }
    let shift = -e;
    // |x| * 10^ndigits < 0.5 for shift beyond 53 + 50: the result is a signed zero
    if shift > 110 {
        return if neg { -0.0 } else { 0.0 };
    }
    #[allow(clippy::cast_sign_loss, reason = "shift is in 1..=110")]
    let shift = shift as u32;
    let prod = u128::from(m) * scale; // < 2^53 * 10^15 < 2^103
    let q = prod >> shift;
    let rem = prod - (q << shift);
    let half = 1u128 << (shift - 1);
    let q = if rem > half || (rem == half && q & 1 == 1) { q + 1 } else { q };
    // through u64 where it fits: a u128 to f64 conversion is a software routine
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "q < 2^53 whenever |x| < 2^52 / 10^ndigits; scale <= 10^15"
    )]
    let v =
        if q <= u128::from(u64::MAX) { q as u64 as f64 } else { q as f64 } / scale as u64 as f64;
    if neg {
        -v
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_matches_python() {
        // values checked against CPython 3.11 round()
        assert_eq!(py_round(0.125, 2), 0.12);
        assert_eq!(py_round(0.375, 2), 0.38);
        assert_eq!(py_round(2.675, 2), 2.67); // 2.67499999... in binary
        assert_eq!(py_round(0.5, 0), 0.0);
        assert_eq!(py_round(1.5, 0), 2.0);
        assert_eq!(py_round(-0.00004, 4).to_bits(), (-0.0f64).to_bits());
        assert_eq!(py_round(0.1234567, 4), 0.1235);
        assert_eq!(py_round(-0.44445, 4), -0.4445);
        assert_eq!(py_round(1e-300, 3), 0.0);
    }

    #[test]
    fn whitespace_and_case() {
        let toks: Vec<&str> = py_split("a\x1cb\u{85}c\u{3000} d\u{200b}e").collect();
        assert_eq!(toks, ["a", "b", "c", "d\u{200b}e"]);
        assert!(py_isupper("ABC1!"));
        assert!(!py_isupper("123"));
        assert!(!py_isupper("AbC"));
        assert!(py_isupper("ÉTÉ"));
        assert!(!py_isupper("A\u{1c5}")); // titlecase DŽ
        assert_eq!(strip_ascii_punct("!!hi?'"), "hi");
        assert!(py_len_exceeds("abc", 2) && !py_len_exceeds("ab", 2) && !py_len_exceeds("éé", 2));
    }
}
