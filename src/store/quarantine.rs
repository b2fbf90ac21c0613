//! Records set aside: a value the store cannot decode (a corrupt write, or a shape no release of
//! this program ever wrote) is moved here instead of failing every read of its tree. One tree,
//! `quarantine`, keyed `tree name | 0x00 | original key`, holding the original bytes untouched, so
//! nothing is lost and an operator (or a later release) can look at it or put it back.

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::{Store, StoreError};

const QUARANTINE: &str = "quarantine";

/// One record set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// The tree it was read from ("outbox", "subscriptions").
    pub tree: String,
    pub key: Vec<u8>,
    /// The value as it was stored.
    pub value: Vec<u8>,
}

fn quarantine_key(tree: &str, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(tree.len() + 1 + key.len());
    k.extend_from_slice(tree.as_bytes());
    k.push(0);
    k.extend_from_slice(key);
    k
}

impl Store {
    fn quarantine_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db.open_tree(QUARANTINE).map_err(|e| self.err(e))
    }

    /// Moves the record at `key` of `tree` (named `tree_name`) into the quarantine in one
    /// transaction, and logs why. Failing to move it is logged too: the caller skips the record
    /// either way, so one bad record never stops the others from being read.
    pub(super) fn set_aside(
        &self,
        tree: &sled::Tree,
        tree_name: &str,
        key: &[u8],
        value: &[u8],
        reason: &dyn std::fmt::Display,
    ) {
        tracing::error!(
            tree = tree_name,
            key = ?key,
            error = %reason,
            "unreadable record set aside in the quarantine"
        );
        let moved = self.quarantine_tree().and_then(|quarantine| {
            (tree, &quarantine)
                .transaction(|(tree, quarantine)| {
                    tree.remove(key)?;
                    quarantine.insert(quarantine_key(tree_name, key), value)?;
                    Ok::<(), ConflictableTransactionError<StoreError>>(())
                })
                .map_err(|e| match e {
                    TransactionError::Abort(e) => e,
                    TransactionError::Storage(e) => self.err(e),
                })?;
            self.db.flush().map_err(|e| self.err(e)).map(|_| ())
        });
        if let Err(e) = moved {
            tracing::error!(tree = tree_name, error = %e, "could not move a record to the quarantine");
        }
    }

    /// Every record set aside, in key order.
    pub fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError> {
        let mut out = Vec::new();
        for kv in self.quarantine_tree()?.iter() {
            let (k, v) = kv.map_err(|e| self.err(e))?;
            let split = k.iter().position(|&b| b == 0).unwrap_or(k.len());
            out.push(Quarantined {
                tree: String::from_utf8_lossy(&k[..split]).into_owned(),
                key: k.get(split + 1..).unwrap_or_default().to_vec(),
                value: v.to_vec(),
            });
        }
        Ok(out)
    }

    /// How many records are set aside.
    pub fn quarantined_count(&self) -> Result<usize, StoreError> {
        Ok(self.quarantine_tree()?.len())
    }
}
