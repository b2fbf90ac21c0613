//! FNV-1a, 64 bit: the one implementation. Persisted ids and hashes use it (article ids, content
//! hashes, feed fingerprints, the store check's digest) because std's `DefaultHasher` may
//! change between Rust releases; maps keyed by short strings of our own use it as their hasher,
//! where SipHash's DoS resistance buys nothing.

use std::hash::{BuildHasherDefault, Hasher};

/// The FNV-1a 64 state; `Default` starts at the offset basis.
#[derive(Debug, Clone, Copy)]
pub struct Fnv64(u64);

/// A map or set hasher built on [`Fnv64`].
pub type FnvBuildHasher = BuildHasherDefault<Fnv64>;

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

impl Default for Fnv64 {
    fn default() -> Fnv64 {
        Fnv64(OFFSET_BASIS)
    }
}

impl Fnv64 {
    pub fn new() -> Fnv64 {
        Fnv64::default()
    }

    /// A field followed by a separator byte that cannot occur in UTF-8 text, so that moving
    /// characters from one field to the next changes the hash.
    pub fn field(&mut self, text: &str) {
        self.write(text.as_bytes());
        self.write(&[0xff]);
    }
}

impl Hasher for Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// FNV-1a 64 of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = Fnv64::new();
    hash.write(bytes);
    hash.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_the_reference_function() {
        // Reference values of FNV-1a 64.
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn fields_are_separated() {
        let hash = |fields: &[&str]| {
            let mut h = Fnv64::new();
            fields.iter().for_each(|f| h.field(f));
            h.finish()
        };
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
    }
}
