//! A fixed-capacity window of the most recent values, the state of every rolling indicator.

use serde::{Deserialize, Serialize};

/// The last `cap` values pushed, oldest first when iterated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    buf: Vec<f64>,
    pos: usize,
    len: usize,
}

impl Window {
    /// An empty window of capacity `cap` (>= 1).
    #[must_use]
    pub fn new(cap: usize) -> Self {
        Self { buf: vec![0.0; cap.max(1)], pos: 0, len: 0 }
    }

    /// Appends a value; returns the value it evicted once the window is full.
    #[inline]
    pub fn push(&mut self, x: f64) -> Option<f64> {
        let old = self.buf[self.pos];
        self.buf[self.pos] = x;
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        if self.len == self.buf.len() {
            Some(old)
        } else {
            self.len += 1;
            None
        }
    }

    /// Whether `cap` values are in.
    #[inline]
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }

    /// Number of values in.
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Capacity (the window length).
    #[inline]
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Whether no value is in.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value `back` pushes ago (0 = the newest); `back < len`.
    #[inline]
    #[must_use]
    pub fn ago(&self, back: usize) -> f64 {
        let n = self.buf.len();
        self.buf[(self.pos + n - 1 - back) % n]
    }

    /// The values, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        let n = self.buf.len();
        let start = (self.pos + n - self.len) % n;
        (0..self.len).map(move |i| self.buf[(start + i) % n])
    }

    /// Empties the window.
    pub fn clear(&mut self) {
        self.pos = 0;
        self.len = 0;
    }
}

/// A running sum of the last `cap` values in TA-Lib's order (add the new value, read, then
/// drop the oldest), with the window it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SumWindow {
    window: Window,
    sum: f64,
}

impl SumWindow {
    pub(crate) fn new(cap: usize) -> Self {
        Self { window: Window::new(cap), sum: 0.0 }
    }

    /// Appends a value; the sum of the last `cap` values once there are that many.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) -> Option<f64> {
        self.sum += x;
        self.window.push(x);
        if self.window.is_full() {
            let s = self.sum;
            self.sum -= self.window.ago(self.window.len() - 1);
            Some(s)
        } else {
            None
        }
    }

    pub(crate) fn clear(&mut self) {
        self.window.clear();
        self.sum = 0.0;
    }
}
