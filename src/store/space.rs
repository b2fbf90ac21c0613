//! One sled tree, several key spaces. sled makes a write atomic across trees only inside a
//! transaction, and a transaction reads every key it writes and keeps its own write set: that
//! doubled the cost of an ingest. A [`sled::Batch`] applied to one tree is atomic too (sled
//! recovers it whole or not at all) and costs one insert per key. So the event store keeps
//! articles, events, records, index entries, counters and meta in one tree, each under a
//! one-byte tag, and a [`Space`] is the view of one tag: keys go in without the tag and come
//! out without it, so the rest of the store reads and writes as if each were its own tree.

use std::ops::{Bound, RangeBounds};

use sled::IVec;

/// A tagged part of the store's tree (see the module comment).
#[derive(Clone)]
pub(crate) struct Space {
    tree: sled::Tree,
    tag: u8,
}

/// Entries of a [`Space`], keys without the tag, in key order (and reversible).
pub(crate) struct SpaceIter(sled::Iter);

impl Space {
    pub(crate) fn new(tree: sled::Tree, tag: u8) -> Space {
        // The end of a scan of the whole space is the next tag.
        assert!(
            tag < u8::MAX,
            "a space tag must leave room for the next one"
        );
        Space { tree, tag }
    }

    /// The key as the tree holds it (for a transaction that spans this tree and another).
    pub(crate) fn tagged(&self, key: &[u8]) -> Vec<u8> {
        let mut k = Vec::with_capacity(1 + key.len());
        k.push(self.tag);
        k.extend_from_slice(key);
        k
    }

    pub(crate) fn get(&self, key: impl AsRef<[u8]>) -> sled::Result<Option<IVec>> {
        self.tree.get(self.tagged(key.as_ref()))
    }

    /// A write outside a batch: for upgrades and maintenance that need no atomicity with others.
    pub(crate) fn insert(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> sled::Result<()> {
        self.tree
            .insert(self.tagged(key.as_ref()), value.as_ref())
            .map(|_| ())
    }

    /// Tests damage stores with it; the store itself removes only in batches.
    #[cfg(test)]
    pub(crate) fn remove(&self, key: impl AsRef<[u8]>) -> sled::Result<()> {
        self.tree.remove(self.tagged(key.as_ref())).map(|_| ())
    }

    /// Adds an insert (`Some`) or a removal (`None`) to a batch for this space's tree.
    pub(crate) fn stage(&self, batch: &mut sled::Batch, key: &[u8], value: Option<&[u8]>) {
        match value {
            Some(v) => batch.insert(self.tagged(key), v),
            None => batch.remove(self.tagged(key)),
        }
    }

    pub(crate) fn iter(&self) -> SpaceIter {
        SpaceIter(self.tree.scan_prefix([self.tag]))
    }

    pub(crate) fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> SpaceIter {
        SpaceIter(self.tree.scan_prefix(self.tagged(prefix.as_ref())))
    }

    pub(crate) fn range<R: RangeBounds<Vec<u8>>>(&self, range: R) -> SpaceIter {
        let start = match range.start_bound() {
            Bound::Included(k) => Bound::Included(self.tagged(k)),
            Bound::Excluded(k) => Bound::Excluded(self.tagged(k)),
            Bound::Unbounded => Bound::Included(vec![self.tag]),
        };
        let end = match range.end_bound() {
            Bound::Included(k) => Bound::Included(self.tagged(k)),
            Bound::Excluded(k) => Bound::Excluded(self.tagged(k)),
            Bound::Unbounded => Bound::Excluded(vec![self.tag + 1]),
        };
        SpaceIter(self.tree.range::<Vec<u8>, _>((start, end)))
    }

    /// The number of entries (a scan, as sled's own `len` is).
    pub(crate) fn len(&self) -> usize {
        self.iter().count()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

fn untag(item: sled::Result<(IVec, IVec)>) -> sled::Result<(IVec, IVec)> {
    item.map(|(k, v)| (k.subslice(1, k.len() - 1), v))
}

impl Iterator for SpaceIter {
    type Item = sled::Result<(IVec, IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(untag)
    }
}

impl DoubleEndedIterator for SpaceIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(untag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_do_not_see_each_other() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree("t").unwrap();
        let a = Space::new(tree.clone(), b'A');
        let b = Space::new(tree.clone(), b'B');
        a.insert(b"k1", b"a1").unwrap();
        a.insert(b"k2", b"a2").unwrap();
        b.insert(b"k1", b"b1").unwrap();
        assert_eq!(a.get(b"k1").unwrap().unwrap().as_ref(), b"a1");
        assert_eq!(b.get(b"k1").unwrap().unwrap().as_ref(), b"b1");
        assert_eq!(a.len(), 2);
        let keys: Vec<Vec<u8>> = a.iter().map(|i| i.unwrap().0.to_vec()).collect();
        assert_eq!(keys, [b"k1".to_vec(), b"k2".to_vec()]);
        let back: Vec<Vec<u8>> = a
            .range(b"k1".to_vec()..)
            .rev()
            .map(|i| i.unwrap().0.to_vec())
            .collect();
        assert_eq!(back, [b"k2".to_vec(), b"k1".to_vec()]);
        let mut batch = sled::Batch::default();
        b.stage(&mut batch, b"k1", None);
        a.stage(&mut batch, b"k3", Some(b"a3"));
        tree.apply_batch(batch).unwrap();
        assert!(b.is_empty());
        assert_eq!(a.scan_prefix(b"k3").count(), 1);
    }
}
