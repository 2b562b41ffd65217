//! The presearch index: anchor key → the alerts filed under it, and the leaves that key
//! decides (see `compile::Leaf::decided`). Exact keys live in a hash map; prefixes in a
//! hash-map trie whose inner nodes let a probe stop at the first prefix of a story key
//! that no anchor starts with. Both change in place, one alert at a time.

use rustc_hash::FxHashMap;

use super::compile::{ALWAYS, Anchor};

/// An alert's place in the matcher's slab.
pub(crate) type Slot = u32;

/// What is filed under one key.
#[derive(Default)]
struct Lists {
    /// Alerts anchored on the key (candidates of every story that carries it).
    slots: Vec<Slot>,
    /// Leaves that hold for every story carrying the key (and only those, taken over
    /// all of a leaf's keys).
    leaves: Vec<u32>,
}

impl Lists {
    fn in_use(&self) -> bool {
        !self.slots.is_empty() || !self.leaves.is_empty()
    }

    fn heap_bytes(&self) -> usize {
        (self.slots.capacity() + self.leaves.capacity()) * size_of::<u32>()
    }
}

/// Which list of a key an entry goes in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Slot,
    Leaf,
}

#[derive(Default)]
pub(crate) struct Postings {
    exact: FxHashMap<Box<str>, Lists>,
    /// Every char-boundary prefix (namespace included) of every prefix anchor in use.
    prefixes: FxHashMap<Box<str>, PrefixNode>,
}

#[derive(Default)]
struct PrefixNode {
    /// What is filed under exactly this prefix.
    lists: Lists,
    /// How many prefix anchors in use start with this node's key (itself included); the
    /// node goes when none does.
    refs: u32,
}

/// The byte ends of `key`'s prefixes that keep its first char (the namespace), shortest
/// first, up to the whole key.
fn prefix_ends(key: &str) -> impl Iterator<Item = usize> + '_ {
    key.char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain(std::iter::once(key.len()))
}

fn list(lists: &mut Lists, kind: Kind) -> &mut Vec<u32> {
    match kind {
        Kind::Slot => &mut lists.slots,
        Kind::Leaf => &mut lists.leaves,
    }
}

/// What one probe of a story key found.
pub(crate) struct Found<'a> {
    pub slots: &'a mut Vec<Slot>,
    pub leaves: &'a mut Vec<u32>,
}

impl Found<'_> {
    fn add(&mut self, lists: &Lists) {
        self.slots.extend_from_slice(&lists.slots);
        self.leaves.extend_from_slice(&lists.leaves);
    }
}

impl Postings {
    /// Files `slot` under `anchor`; returns its position in the anchor's list.
    pub(crate) fn insert(&mut self, anchor: &Anchor, slot: Slot) -> u32 {
        self.insert_as(anchor, Kind::Slot, slot)
    }

    /// Files decided leaf `leaf` under one of its keys.
    pub(crate) fn insert_leaf(&mut self, anchor: &Anchor, leaf: u32) {
        self.insert_as(anchor, Kind::Leaf, leaf);
    }

    fn insert_as(&mut self, anchor: &Anchor, kind: Kind, value: u32) -> u32 {
        let lists = if anchor.prefix {
            let in_use = self.prefixes.get(&anchor.key).is_some_and(|n| n.lists.in_use());
            if !in_use {
                // A new anchor in use (or an inner node becoming one): count it along its
                // path, making the nodes it lacks.
                for end in prefix_ends(&anchor.key) {
                    let part = anchor.key.get(..end).unwrap_or_default();
                    match self.prefixes.get_mut(part) {
                        Some(node) => node.refs += 1,
                        None => {
                            self.prefixes.insert(
                                part.into(),
                                PrefixNode {
                                    lists: Lists::default(),
                                    refs: 1,
                                },
                            );
                        }
                    }
                }
            }
            match self.prefixes.get_mut(&anchor.key) {
                Some(node) => &mut node.lists,
                // Inserted just above; unreachable, but not worth a panic.
                None => return 0,
            }
        } else {
            self.exact.entry(anchor.key.clone()).or_default()
        };
        let list = list(lists, kind);
        let pos = u32::try_from(list.len()).unwrap_or(u32::MAX);
        list.push(value);
        pos
    }

    /// Takes `slot` out of `anchor`'s list, where it sits at `pos`. Returns the slot that
    /// was moved into `pos` to fill the gap, whose recorded position the caller updates.
    pub(crate) fn remove(&mut self, anchor: &Anchor, pos: u32, slot: Slot) -> Option<Slot> {
        self.remove_as(anchor, Kind::Slot, pos, slot)
    }

    /// Takes decided leaf `leaf` out of one of its keys' lists (short: found by a scan).
    pub(crate) fn remove_leaf(&mut self, anchor: &Anchor, leaf: u32) {
        self.remove_as(anchor, Kind::Leaf, u32::MAX, leaf);
    }

    fn remove_as(&mut self, anchor: &Anchor, kind: Kind, pos: u32, value: u32) -> Option<u32> {
        let lists = if anchor.prefix {
            &mut self.prefixes.get_mut(&anchor.key)?.lists
        } else {
            self.exact.get_mut(&anchor.key)?
        };
        let list = list(lists, kind);
        let pos = match list.get(pos as usize) {
            Some(&s) if s == value => pos as usize,
            // Slot positions are kept exact; should one ever be stale, find it instead.
            _ => list.iter().position(|&s| s == value)?,
        };
        list.swap_remove(pos);
        let moved = list.get(pos).copied();
        if !lists.in_use() {
            if anchor.prefix {
                for end in prefix_ends(&anchor.key) {
                    let Some(part) = anchor.key.get(..end) else {
                        continue;
                    };
                    if let Some(node) = self.prefixes.get_mut(part) {
                        node.refs = node.refs.saturating_sub(1);
                        if node.refs == 0 {
                            self.prefixes.remove(part);
                        }
                    }
                }
            } else {
                self.exact.remove(&anchor.key);
            }
        }
        moved
    }

    /// Adds to `found` what is filed under the story key `ns` + `key`, and under every
    /// prefix of it. `buf` is scratch space.
    pub(crate) fn probe(&self, ns: char, key: &str, buf: &mut String, found: &mut Found<'_>) {
        buf.clear();
        buf.push(ns);
        buf.push_str(key);
        if let Some(lists) = self.exact.get(buf.as_str()) {
            found.add(lists);
        }
        if self.prefixes.is_empty() {
            return;
        }
        for end in prefix_ends(buf) {
            match buf.get(..end).and_then(|p| self.prefixes.get(p)) {
                Some(node) => found.add(&node.lists),
                // No anchor's prefix starts with this: none starts with anything longer.
                None => break,
            }
        }
    }

    /// Adds to `out` the alerts every story is a candidate for.
    pub(crate) fn probe_always(&self, out: &mut Vec<Slot>) {
        if let Some(lists) = self.exact.get(ALWAYS) {
            out.extend_from_slice(&lists.slots);
        }
    }

    /// An estimate of the heap the index holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        let table = |cap: usize, entry: usize| cap * (entry + 1);
        let exact: usize = self.exact.iter().map(|(k, v)| k.len() + v.heap_bytes()).sum();
        let prefixes: usize = self
            .prefixes
            .iter()
            .map(|(k, n)| k.len() + n.lists.heap_bytes())
            .sum();
        table(self.exact.capacity(), size_of::<(Box<str>, Lists)>())
            + exact
            + table(self.prefixes.capacity(), size_of::<(Box<str>, PrefixNode)>())
            + prefixes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor(key: &str, prefix: bool) -> Anchor {
        Anchor {
            key: key.into(),
            prefix,
        }
    }

    fn probe(p: &Postings, key: &str) -> Vec<Slot> {
        let (mut slots, mut leaves) = (Vec::new(), Vec::new());
        let mut found = Found {
            slots: &mut slots,
            leaves: &mut leaves,
        };
        p.probe('\u{1}', key, &mut String::new(), &mut found);
        // Leaves count as slots 100 and up here, to see both in one answer.
        slots.extend(leaves.iter().map(|l| l + 100));
        slots.sort_unstable();
        slots
    }

    #[test]
    fn prefixes_are_found_from_longer_keys_and_go_when_unused() {
        let mut p = Postings::default();
        let ex = anchor("\u{1}ex", true);
        let export = anchor("\u{1}export", true);
        let word = anchor("\u{1}export", false);
        let a = p.insert(&ex, 1);
        let b = p.insert(&export, 2);
        p.insert(&word, 3);
        assert_eq!(probe(&p, "export"), [1, 2, 3]);
        assert_eq!(probe(&p, "exit"), [1]);
        assert_eq!(probe(&p, "e"), Vec::<Slot>::new());
        assert_eq!(p.remove(&export, b, 2), None);
        assert_eq!(probe(&p, "export"), [1, 3]);
        assert_eq!(p.remove(&ex, a, 1), None);
        assert!(p.prefixes.is_empty(), "no prefix node outlives its last anchor");
    }

    #[test]
    fn an_inner_node_that_becomes_an_anchor_is_counted() {
        let mut p = Postings::default();
        let long = anchor("\u{1}export", true);
        let short = anchor("\u{1}exp", true);
        let l = p.insert(&long, 1);
        let s = p.insert(&short, 2);
        p.remove(&long, l, 1);
        assert_eq!(probe(&p, "expo"), [2]);
        p.remove(&short, s, 2);
        assert!(p.prefixes.is_empty());
    }

    #[test]
    fn a_prefix_node_stays_while_a_leaf_or_an_alert_uses_it() {
        let mut p = Postings::default();
        let ex = anchor("\u{1}ex", true);
        p.insert_leaf(&ex, 4);
        let a = p.insert(&ex, 1);
        assert_eq!(probe(&p, "export"), [1, 104]);
        p.remove(&ex, a, 1);
        assert_eq!(probe(&p, "exit"), [104], "the leaf still needs the node");
        p.remove_leaf(&ex, 4);
        assert!(p.prefixes.is_empty());
        let word = anchor("\u{1}grain", false);
        p.insert_leaf(&word, 2);
        p.remove_leaf(&word, 2);
        assert!(p.exact.is_empty());
    }

    #[test]
    fn removal_reports_the_slot_moved_into_the_gap() {
        let mut p = Postings::default();
        let k = anchor("\u{1}grain", false);
        let first = p.insert(&k, 7);
        p.insert(&k, 8);
        p.insert(&k, 9);
        assert_eq!(p.remove(&k, first, 7), Some(9));
        assert_eq!(probe(&p, "grain"), [8, 9]);
    }
}
