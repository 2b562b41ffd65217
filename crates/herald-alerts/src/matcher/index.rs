//! The presearch index: anchor key → the alerts filed under it. Exact keys live in a hash
//! map; prefixes in a hash-map trie whose inner nodes let a probe stop at the first prefix
//! of a story key that no alert starts with. Both change in place, one alert at a time.

use rustc_hash::FxHashMap;

use super::compile::{ALWAYS, Anchor};

/// An alert's place in the matcher's slab.
pub(crate) type Slot = u32;

#[derive(Default)]
pub(crate) struct Postings {
    exact: FxHashMap<Box<str>, Vec<Slot>>,
    /// Every char-boundary prefix (namespace included) of every prefix anchor in use.
    prefixes: FxHashMap<Box<str>, PrefixNode>,
}

#[derive(Default)]
struct PrefixNode {
    /// Alerts filed under exactly this prefix.
    slots: Vec<Slot>,
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

impl Postings {
    /// Files `slot` under `anchor`; returns its position in the anchor's list.
    pub(crate) fn insert(&mut self, anchor: &Anchor, slot: Slot) -> u32 {
        let list = if anchor.prefix {
            if !self.prefixes.contains_key(&anchor.key) {
                for end in prefix_ends(&anchor.key) {
                    let part = anchor.key.get(..end).unwrap_or_default();
                    match self.prefixes.get_mut(part) {
                        Some(node) => node.refs += 1,
                        None => {
                            self.prefixes.insert(
                                part.into(),
                                PrefixNode {
                                    slots: Vec::new(),
                                    refs: 1,
                                },
                            );
                        }
                    }
                }
            } else if self.prefixes.get(&anchor.key).is_some_and(|n| n.slots.is_empty()) {
                // An inner node becomes an anchor in use: count it along its path.
                for end in prefix_ends(&anchor.key) {
                    if let Some(node) = anchor.key.get(..end).and_then(|p| self.prefixes.get_mut(p)) {
                        node.refs += 1;
                    }
                }
            }
            match self.prefixes.get_mut(&anchor.key) {
                Some(node) => &mut node.slots,
                // Inserted just above; unreachable, but not worth a panic.
                None => return 0,
            }
        } else {
            self.exact.entry(anchor.key.clone()).or_default()
        };
        let pos = u32::try_from(list.len()).unwrap_or(u32::MAX);
        list.push(slot);
        pos
    }

    /// Takes `slot` out of `anchor`'s list, where it sits at `pos`. Returns the slot that
    /// was moved into `pos` to fill the gap, whose recorded position the caller updates.
    pub(crate) fn remove(&mut self, anchor: &Anchor, pos: u32, slot: Slot) -> Option<Slot> {
        let list = if anchor.prefix {
            &mut self.prefixes.get_mut(&anchor.key)?.slots
        } else {
            self.exact.get_mut(&anchor.key)?
        };
        let pos = match list.get(pos as usize) {
            Some(&s) if s == slot => pos as usize,
            // Positions are kept exact; should one ever be stale, find the slot instead.
            _ => list.iter().position(|&s| s == slot)?,
        };
        list.swap_remove(pos);
        let moved = list.get(pos).copied();
        if list.is_empty() {
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

    /// Adds to `out` the alerts filed under the story key `ns` + `key`, and under every
    /// prefix of it. `buf` is scratch space.
    pub(crate) fn probe(&self, ns: char, key: &str, buf: &mut String, out: &mut Vec<Slot>) {
        buf.clear();
        buf.push(ns);
        buf.push_str(key);
        if let Some(list) = self.exact.get(buf.as_str()) {
            out.extend_from_slice(list);
        }
        if self.prefixes.is_empty() {
            return;
        }
        for end in prefix_ends(buf) {
            match buf.get(..end).and_then(|p| self.prefixes.get(p)) {
                Some(node) => out.extend_from_slice(&node.slots),
                // No alert's prefix starts with this: none starts with anything longer.
                None => break,
            }
        }
    }

    /// Adds to `out` the alerts every story is a candidate for.
    pub(crate) fn probe_always(&self, out: &mut Vec<Slot>) {
        if let Some(list) = self.exact.get(ALWAYS) {
            out.extend_from_slice(list);
        }
    }

    /// An estimate of the heap the index holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        let table = |cap: usize, entry: usize| cap * (entry + 1);
        let exact: usize = self
            .exact
            .iter()
            .map(|(k, v)| k.len() + v.capacity() * size_of::<Slot>())
            .sum();
        let prefixes: usize = self
            .prefixes
            .iter()
            .map(|(k, n)| k.len() + n.slots.capacity() * size_of::<Slot>())
            .sum();
        table(self.exact.capacity(), size_of::<(Box<str>, Vec<Slot>)>())
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
        let mut out = Vec::new();
        p.probe('\u{1}', key, &mut String::new(), &mut out);
        out.sort_unstable();
        out
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
