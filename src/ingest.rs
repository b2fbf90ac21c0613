//! Files → articles → events → store.
