//! Events by the day they happened: a prefix scan of the date index.

use chrono::NaiveDate;

use super::{bad_entry, keys, Store, StoreError};
use crate::event::Event;

impl Store {
    /// Events dated `day` (any precision whose date is that day), at most `limit`, in key order.
    pub fn events_on(&self, day: NaiveDate, limit: usize) -> Result<Vec<Event>, StoreError> {
        let mut prefix = vec![keys::DATE];
        prefix.extend_from_slice(&keys::day(day));
        // `d | day | reported | key`: the key starts after the two 4-byte days.
        let head = 1 + 4 + 4;
        let mut out = Vec::new();
        for item in self.index.scan_prefix(&prefix).take(limit) {
            let (k, _) = item.map_err(|e| self.err(e))?;
            let key = keys::key_after(&k, head).ok_or_else(|| bad_entry(&k))?;
            out.push(self.indexed_event(key)?);
        }
        Ok(out)
    }
}
