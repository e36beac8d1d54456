//! Caches that are never stale. Each holds entries filled at one pair of [`Generations`] and answers only a reader
//! that saw exactly those generations; every write bumps a generation in its own transaction (the store sees to
//! that), so the first read after a write, through any process, misses and refills. Generations only grow, so a
//! reader that sees newer ones clears everything older at once: no entry outlives its data and no timer is needed.
//!
//! Keys never hold a secret: the credential caches are keyed by an HMAC of the credential under a key that lives
//! only in this process's memory.

use std::{collections::HashMap, hash::Hash, sync::Mutex};

use canopy_store::Generations;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Which generations a cache's entries depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependsOn {
    /// Users, sessions, keys and reach: the credential and caller caches.
    Auth,
    /// Everything: cached answers.
    DataAndAuth,
}

impl DependsOn {
    fn stamp(self, generations: Generations) -> Generations {
        match self {
            DependsOn::Auth => Generations { data: 0, auth: generations.auth },
            DependsOn::DataAndAuth => generations,
        }
    }
}

/// Something whose memory cost a cache can bound.
pub trait Weigh {
    fn weight(&self) -> usize;
}

struct Entries<K, V> {
    stamp: Generations,
    map: HashMap<K, V>,
    weight: usize,
}

/// A map valid for one stamp of generations, bounded in total weight.
pub struct GenerationalCache<K, V> {
    depends_on: DependsOn,
    max_weight: usize,
    entries: Mutex<Entries<K, V>>,
}

impl<K: Eq + Hash, V: Clone + Weigh> GenerationalCache<K, V> {
    /// `max_weight` 0 disables the cache.
    pub fn new(depends_on: DependsOn, max_weight: usize) -> Self {
        Self {
            depends_on,
            max_weight,
            entries: Mutex::new(Entries { stamp: Generations::default(), map: HashMap::new(), weight: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The entry for `key`, if it was filled at the generations this reader saw.
    pub fn get(&self, generations: Generations, key: &K) -> Option<V> {
        let stamp = self.depends_on.stamp(generations);
        let entries = self.lock();
        if entries.stamp != stamp {
            return None;
        }
        entries.map.get(key).cloned()
    }

    /// Keeps `value`, filled by a reader that saw `generations` before it read what `value` holds (so the value
    /// is at least that new). A reader that saw older generations than the cache's keeps nothing; one that saw
    /// newer ones starts a new, empty generation of the cache.
    pub fn put(&self, generations: Generations, key: K, value: V) {
        let weight = value.weight();
        if self.max_weight == 0 || weight > self.max_weight / 4 {
            return;
        }
        let stamp = self.depends_on.stamp(generations);
        let mut entries = self.lock();
        if entries.stamp != stamp {
            let newer = stamp.data >= entries.stamp.data && stamp.auth >= entries.stamp.auth;
            if !newer {
                return;
            }
            entries.stamp = stamp;
            entries.map.clear();
            entries.weight = 0;
        }
        if entries.weight + weight > self.max_weight {
            // Full at one generation: start again rather than track recency (generations turn over often).
            entries.map.clear();
            entries.weight = 0;
        }
        if let Some(old) = entries.map.insert(key, value) {
            entries.weight -= old.weight();
        }
        entries.weight += weight;
    }

    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A process-local secret for keying the credential caches: an HMAC of a password, session id or API key under
/// it says nothing to anyone who reads the process's memory without the key, and it never leaves the process.
pub struct CacheKeyer {
    key: [u8; 32],
}

/// A credential as the caches know it: 32 bytes of HMAC.
pub type CredentialKey = [u8; 32];

impl CacheKeyer {
    pub fn random() -> Self {
        use rand::RngCore;
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self { key }
    }

    /// The HMAC-SHA256 of the parts, each length-prefixed so that no two different lists of parts collide.
    pub fn key(&self, parts: &[&[u8]]) -> CredentialKey {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Bytes(usize);
    impl Weigh for Bytes {
        fn weight(&self) -> usize {
            self.0
        }
    }

    fn at(data: i64, auth: i64) -> Generations {
        Generations { data, auth }
    }

    #[test]
    fn an_entry_answers_only_readers_of_its_generations() {
        let cache = GenerationalCache::new(DependsOn::DataAndAuth, 1000);
        cache.put(at(1, 1), "k", Bytes(10));
        assert_eq!(cache.get(at(1, 1), &"k"), Some(Bytes(10)));
        assert_eq!(cache.get(at(2, 1), &"k"), None, "a write to data");
        assert_eq!(cache.get(at(1, 2), &"k"), None, "a write to users");
    }

    #[test]
    fn a_newer_reader_clears_older_entries_and_an_older_one_keeps_nothing() {
        let cache = GenerationalCache::new(DependsOn::DataAndAuth, 1000);
        cache.put(at(1, 1), "old", Bytes(10));
        cache.put(at(2, 1), "new", Bytes(10));
        assert_eq!(cache.len(), 1);
        cache.put(at(1, 1), "late", Bytes(10));
        assert_eq!(cache.get(at(1, 1), &"late"), None, "a slow reader of older data must not fill the cache");
        assert_eq!(cache.get(at(2, 1), &"new"), Some(Bytes(10)));
    }

    #[test]
    fn auth_caches_ignore_data_writes() {
        let cache = GenerationalCache::new(DependsOn::Auth, 1000);
        cache.put(at(1, 7), "user", Bytes(1));
        assert_eq!(cache.get(at(9, 7), &"user"), Some(Bytes(1)));
        assert_eq!(cache.get(at(9, 8), &"user"), None);
    }

    #[test]
    fn weight_is_bounded() {
        let cache = GenerationalCache::new(DependsOn::DataAndAuth, 100);
        cache.put(at(1, 1), 1, Bytes(60));
        assert!(cache.is_empty(), "an entry over a quarter of the budget is not kept");
        for i in 0..20 {
            cache.put(at(1, 1), i, Bytes(20));
        }
        assert!(cache.len() <= 5);
        let disabled = GenerationalCache::new(DependsOn::DataAndAuth, 0);
        disabled.put(at(1, 1), 1, Bytes(0));
        assert!(disabled.get(at(1, 1), &1).is_none());
    }

    #[test]
    fn credential_keys_depend_on_every_part_and_on_the_process_key() {
        let keyer = CacheKeyer::random();
        assert_eq!(keyer.key(&[b"ab", b"c"]), keyer.key(&[b"ab", b"c"]));
        assert_ne!(keyer.key(&[b"ab", b"c"]), keyer.key(&[b"a", b"bc"]));
        assert_ne!(keyer.key(&[b"ab", b"c"]), CacheKeyer::random().key(&[b"ab", b"c"]));
    }
}
