use std::collections::{BTreeMap, HashMap};

struct LRUCache {
    capacity: usize,
    clock: u64,
    entries: HashMap<i32, (i32, u64)>,
    by_use: BTreeMap<u64, i32>,
}

impl LRUCache {
    fn new(capacity: usize) -> Self {
        LRUCache { capacity, clock: 0, entries: HashMap::new(), by_use: BTreeMap::new() }
    }

    fn get(&mut self, key: i32) -> i32 {
        match self.entries.get(&key) {
            Some(&(value, _)) => {
                self.store(key, value);
                value
            }
            None => -1,
        }
    }

    fn put(&mut self, key: i32, value: i32) {
        self.store(key, value);
        if self.entries.len() > self.capacity {
            let (&oldest_use, &oldest) = self.by_use.iter().next().unwrap();
            self.by_use.remove(&oldest_use);
            self.entries.remove(&oldest);
        }
    }

    /// Stores value for key and makes key the most recently used.
    fn store(&mut self, key: i32, value: i32) {
        self.clock += 1;
        if let Some((_, last_use)) = self.entries.insert(key, (value, self.clock)) {
            self.by_use.remove(&last_use);
        }
        self.by_use.insert(self.clock, key);
    }
}
