//! The random numbers the synthetic tenant generators share: xorshift64*, tiny, fast and
//! deterministic for a seed, which is all test data needs. Each generator uses part of it.

#![allow(dead_code)]

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.index(items.len())]
    }

    /// An item drawn in proportion to its weight.
    pub fn weighted<'a, T>(&mut self, items: &'a [T], weight: fn(&T) -> u64) -> &'a T {
        let mut left = self.below(items.iter().map(weight).sum());
        for item in items {
            if left < weight(item) {
                return item;
            }
            left -= weight(item);
        }
        &items[items.len() - 1]
    }

    /// A made-up id in the shape of a version 4 GUID, lower-case.
    pub fn guid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        let (c, d) = ((a >> 16) & 0xfff, 0x8000 | ((b >> 48) & 0x3fff));
        format!(
            "{:08x}-{:04x}-4{c:03x}-{d:04x}-{:012x}",
            a >> 32,
            a & 0xffff,
            b & 0xffff_ffff_ffff
        )
    }
}
