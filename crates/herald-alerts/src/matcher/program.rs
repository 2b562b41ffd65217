//! Alerts as flat programs: each alert's test tree laid out as prefix ops in one shared
//! arena, its leaves interned once for all alerts, and a per-story memo of leaf results.
//!
//! Why: verifying a candidate used to walk a tree of boxed nodes (a cache miss per node
//! and per pattern string), and thousands of alerts that test the same popular leaf
//! (`person:"Ana Ruiz"`) each tested it again. Now a candidate costs one read of its ops
//! (contiguous `u32`s) and one memo read per leaf; each distinct leaf is tested against
//! a story at most once.
//!
//! An op is a `u32`: the top two bits say what it is, the rest is a leaf id or, for
//! AND / OR / NOT, how many ops its children span (so a short-circuit skips them).

use rustc_hash::FxHashMap;

use super::compile::{Anchor, KeyPat, Leaf, Node, Pat, Test};
use super::view::View;

/// An interned leaf's index in [`Leaves`].
pub(crate) type LeafId = u32;

const TAG_SHIFT: u32 = 30;
const PAYLOAD: u32 = (1 << TAG_SHIFT) - 1;
const LEAF: u32 = 0;
const AND: u32 = 1;
const OR: u32 = 2;
const NOT: u32 = 3;

/// The arena or the leaf table cannot address another op or leaf.
#[derive(Debug)]
pub(crate) struct Full;

fn op(tag: u32, payload: usize) -> Result<u32, Full> {
    let payload = u32::try_from(payload)
        .ok()
        .filter(|&p| p <= PAYLOAD)
        .ok_or(Full)?;
    Ok(tag << TAG_SHIFT | payload)
}

fn tag(op: u32) -> u32 {
    op >> TAG_SHIFT
}

fn payload(op: u32) -> u32 {
    op & PAYLOAD
}

/// The index just past the subtree that starts at `i`.
fn end_of(ops: &[u32], i: usize) -> usize {
    match ops.get(i) {
        Some(&o) if tag(o) != LEAF => i + 1 + payload(o) as usize,
        _ => i + 1,
    }
}

/// Every distinct leaf of the alerts held, shared by all that use it, reference-counted
/// so a leaf goes when its last alert does.
#[derive(Default)]
pub(crate) struct Leaves {
    entries: Vec<Option<LeafEntry>>,
    /// Each leaf's [`Leaf::gate`], dense beside the memo so a leaf a story cannot hold
    /// is rejected without reading its entry.
    gates: Vec<[u16; 2]>,
    /// Per leaf id: presearch decides it (see `Leaf::decided`), so no memo entry this
    /// story means it does not hold.
    decided: Vec<bool>,
    free: Vec<LeafId>,
    by_key: FxHashMap<Box<str>, LeafId>,
}

struct LeafEntry {
    leaf: Leaf,
    refs: u32,
}

impl Leaves {
    /// The id of `leaf`, adding it (and noting it in `fresh`) or counting one more user.
    fn intern(&mut self, leaf: Leaf, fresh: &mut Vec<LeafId>) -> Result<LeafId, Full> {
        if let Some(&id) = self.by_key.get(&leaf.key)
            && let Some(Some(e)) = self.entries.get_mut(id as usize)
        {
            e.refs = e.refs.saturating_add(1);
            return Ok(id);
        }
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                let id = LeafId::try_from(self.entries.len())
                    .ok()
                    .filter(|&i| i <= PAYLOAD)
                    .ok_or(Full)?;
                self.entries.push(None);
                self.gates.push([0, 0]);
                self.decided.push(false);
                id
            }
        };
        self.by_key.insert(leaf.key.clone(), id);
        if let Some(g) = self.gates.get_mut(id as usize) {
            *g = leaf.gate;
        }
        if let Some(d) = self.decided.get_mut(id as usize) {
            *d = leaf.decided.is_some();
        }
        fresh.push(id);
        if let Some(e) = self.entries.get_mut(id as usize) {
            *e = Some(LeafEntry { leaf, refs: 1 });
        }
        Ok(id)
    }

    /// One user of `id` is gone; the leaf itself when it was the last.
    fn release(&mut self, id: LeafId) -> Option<Leaf> {
        let slot = self.entries.get_mut(id as usize)?;
        let last = match slot {
            Some(e) => {
                e.refs = e.refs.saturating_sub(1);
                e.refs == 0
            }
            None => false,
        };
        if last && let Some(e) = slot.take() {
            self.by_key.remove(&e.leaf.key);
            if let Some(d) = self.decided.get_mut(id as usize) {
                *d = false;
            }
            self.free.push(id);
            return Some(e.leaf);
        }
        None
    }

    pub(crate) fn get(&self, id: LeafId) -> Option<&Leaf> {
        self.entries.get(id as usize)?.as_ref().map(|e| &e.leaf)
    }

    /// How many distinct leaves are held.
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        self.by_key.len()
    }

    /// One past the highest leaf id in use (the size a memo needs).
    pub(crate) fn id_bound(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        let leaves: usize = self
            .entries
            .iter()
            .flatten()
            .map(|e| leaf_bytes(&e.leaf) + e.leaf.key.len())
            .sum();
        self.entries.capacity() * size_of::<Option<LeafEntry>>()
            + self.gates.capacity() * size_of::<[u16; 2]>()
            + self.decided.capacity()
            + leaves
            + self.free.capacity() * size_of::<LeafId>()
            + self.by_key.capacity() * (size_of::<(Box<str>, LeafId)>() + 1)
    }
}

/// Heap held by one compiled leaf.
fn leaf_bytes(leaf: &Leaf) -> usize {
    let pat = |p: &Pat| match p {
        Pat::Terms(t) => t
            .iter()
            .map(|(_, s)| size_of::<(usize, Box<str>)>() + s.len())
            .sum(),
        Pat::Prefix(s) => s.len(),
        Pat::Nothing => 0,
    };
    let key = |k: &KeyPat| match k {
        KeyPat::Exact(s) | KeyPat::Prefix(s) => s.len(),
    };
    let test = match &leaf.test {
        Test::Text { pat: p, .. } => pat(p),
        Test::Lang(k) | Test::Topic(k) | Test::Ticker(k) => key(k),
        Test::Source { key: k, name }
        | Test::Entity { key: k, name, .. }
        | Test::Said { key: k, name, .. } => key(k) + pat(name),
    };
    let decided = leaf.decided.as_deref().map_or(0, |keys| {
        keys.iter().map(|a| size_of::<Anchor>() + a.key.len()).sum()
    });
    leaf.label.len() + test + decided
}

/// Flattens `node` onto `out` as prefix ops, interning its leaves; `fresh` gets the ids
/// of leaves new to the set. On failure the leaves interned so far are released (those
/// that go, into `dropped`) and `out` is cleared.
pub(crate) fn flatten(
    node: Node,
    leaves: &mut Leaves,
    out: &mut Vec<u32>,
    fresh: &mut Vec<LeafId>,
    dropped: &mut Vec<(LeafId, Leaf)>,
) -> Result<(), Full> {
    out.clear();
    let done = push(node, leaves, out, fresh);
    if done.is_err() {
        release(out, leaves, dropped);
        out.clear();
    }
    done
}

fn push(node: Node, leaves: &mut Leaves, out: &mut Vec<u32>, fresh: &mut Vec<LeafId>) -> Result<(), Full> {
    let (tag, children) = match node {
        Node::Leaf(leaf) => {
            let id = leaves.intern(leaf, fresh)?;
            out.push(op(LEAF, id as usize)?);
            return Ok(());
        }
        Node::And(nodes) => (AND, nodes.into_vec()),
        Node::Or(nodes) => (OR, nodes.into_vec()),
        Node::Not(n) => (NOT, vec![*n]),
    };
    let at = out.len();
    // Its span is patched once the children are out; until then it is no leaf, so a
    // half-built program releases exactly the leaves it interned.
    out.push(op(tag, 0)?);
    for child in children {
        push(child, leaves, out, fresh)?;
    }
    let span = out.len() - at - 1;
    let patched = op(tag, span)?;
    if let Some(o) = out.get_mut(at) {
        *o = patched;
    }
    Ok(())
}

/// Releases every leaf `ops` uses (one reference per occurrence, as interned); the
/// leaves no alert uses any more go to `dropped`.
pub(crate) fn release(ops: &[u32], leaves: &mut Leaves, dropped: &mut Vec<(LeafId, Leaf)>) {
    for &o in ops {
        if tag(o) == LEAF {
            let id = payload(o);
            dropped.extend(leaves.release(id).map(|l| (id, l)));
        }
    }
}

/// The programs of all alerts, back to back. A freed program's run is kept for the next
/// program of exactly that length (most are a handful of ops, so runs are reused soon),
/// or given back when it is the arena's tail.
#[derive(Default)]
pub(crate) struct Arena {
    ops: Vec<u32>,
    free: FxHashMap<u32, Vec<u32>>,
}

impl Arena {
    /// Stores `prog`, returning its offset.
    pub(crate) fn alloc(&mut self, prog: &[u32]) -> Result<u32, Full> {
        let len = u32::try_from(prog.len()).map_err(|_| Full)?;
        if let Some(runs) = self.free.get_mut(&len)
            && let Some(off) = runs.pop()
        {
            if runs.is_empty() {
                self.free.remove(&len);
            }
            if let Some(run) = self.ops.get_mut(off as usize..(off + len) as usize) {
                run.copy_from_slice(prog);
                return Ok(off);
            }
        }
        let off = u32::try_from(self.ops.len()).map_err(|_| Full)?;
        off.checked_add(len).ok_or(Full)?;
        self.ops.extend_from_slice(prog);
        Ok(off)
    }

    /// Frees the program at `off`, `len` ops long.
    pub(crate) fn free(&mut self, off: u32, len: u32) {
        if (off + len) as usize == self.ops.len() {
            self.ops.truncate(off as usize);
        } else {
            self.free.entry(len).or_default().push(off);
        }
    }

    pub(crate) fn get(&self, off: u32, len: u32) -> &[u32] {
        self.ops
            .get(off as usize..(off as usize).saturating_add(len as usize))
            .unwrap_or_default()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.ops.capacity() * size_of::<u32>()
            + self.free.capacity() * (size_of::<(u32, Vec<u32>)>() + 1)
            + self
                .free
                .values()
                .map(|v| v.capacity() * size_of::<u32>())
                .sum::<usize>()
    }
}

/// Per-story memo of leaf results: one byte per leaf id, `stamp << 1 | result`, valid
/// when the stamp is the current story's, so nothing is cleared between stories but
/// once every 127 (a byte, not a word, keeps the memo of a million alerts' leaves
/// small enough to stay in cache).
#[derive(Debug, Default)]
pub(crate) struct Memo {
    cells: Vec<u8>,
    stamp: u8,
}

impl Memo {
    /// Forgets the previous story's results; `leaves` is the leaf-id bound.
    pub(crate) fn start(&mut self, leaves: usize) {
        self.stamp += 1;
        if self.stamp > u8::MAX >> 1 {
            self.cells.fill(0);
            self.stamp = 1;
        }
        if self.cells.len() < leaves {
            self.cells.resize(leaves, 0);
        }
    }

    /// Records that leaf `id` holds for this story (presearch found one of its keys).
    pub(crate) fn set_held(&mut self, id: LeafId) {
        if let Some(c) = self.cells.get_mut(id as usize) {
            *c = self.stamp << 1 | 1;
        }
    }
}

/// Evaluates programs against one story.
pub(crate) struct Eval<'e, 'v> {
    pub view: &'e View<'v>,
    pub leaves: &'e Leaves,
    pub memo: &'e mut Memo,
    /// The story filter: one bit per `filter_bit` of each key the story carries.
    pub filter: &'e [u64],
}

impl Eval<'_, '_> {
    /// A leaf's answer if it needs no test: memoised this story, or decided by presearch.
    fn known(&self, id: LeafId) -> Option<bool> {
        match self.memo.cells.get(id as usize) {
            Some(&c) if c >> 1 == self.memo.stamp => Some(c & 1 == 1),
            _ => self
                .leaves
                .decided
                .get(id as usize)
                .copied()
                .unwrap_or(false)
                .then_some(false),
        }
    }

    fn leaf(&mut self, id: LeafId) -> bool {
        let stamp = self.memo.stamp;
        if let Some(&c) = self.memo.cells.get(id as usize)
            && c >> 1 == stamp
        {
            return c & 1 == 1;
        }
        if self.leaves.decided.get(id as usize).copied().unwrap_or(false) {
            // Presearch marked every decided leaf that holds; this one was not.
            return false;
        }
        let has = |bit: u16| {
            self.filter
                .get(usize::from(bit) / 64)
                .is_some_and(|w| w & (1 << (bit % 64)) != 0)
        };
        let [a, b] = self.leaves.gates.get(id as usize).copied().unwrap_or([0, 0]);
        let g = has(a) || has(b);
        let held = g && self.leaves.get(id).is_some_and(|l| self.view.test(&l.test));

        if let Some(c) = self.memo.cells.get_mut(id as usize) {
            *c = stamp << 1 | u8::from(held);
        }
        held
    }

    /// Does the story satisfy the program?
    pub(crate) fn holds(&mut self, ops: &[u32]) -> bool {
        self.eval(ops, 0)
    }

    /// The subtree at `i`.
    fn eval(&mut self, ops: &[u32], i: usize) -> bool {
        let Some(&o) = ops.get(i) else {
            return false;
        };
        let end = end_of(ops, i);
        match tag(o) {
            LEAF => self.leaf(payload(o)),
            NOT => !self.eval(ops, i + 1),
            t => {
                let want = t == OR;
                // First the leaf children whose answer is known without a test (memoised,
                // or decided by presearch): one of them may settle the node, sparing the
                // tests of the others (an AND of a name and a prefix whose name is absent).
                let mut j = i + 1;
                while j < end {
                    if let Some(&c) = ops.get(j)
                        && tag(c) == LEAF
                        && self.known(payload(c)) == Some(want)
                    {
                        return want;
                    }
                    j = end_of(ops, j);
                }
                let mut j = i + 1;
                while j < end {
                    if self.eval(ops, j) == want {
                        return want;
                    }
                    j = end_of(ops, j);
                }
                !want
            }
        }
    }

    /// The leaves that made a matching program match: those that hold, outside any NOT,
    /// under AND/OR nodes that hold (a NOT holds by what is absent, no term to show).
    /// Labels already in `out` are not added twice.
    pub(crate) fn matched(&mut self, ops: &[u32], out: &mut Vec<LeafId>) {
        self.matched_at(ops, 0, out);
    }

    fn matched_at(&mut self, ops: &[u32], i: usize, out: &mut Vec<LeafId>) {
        let Some(&o) = ops.get(i) else {
            return;
        };
        match tag(o) {
            LEAF => {
                let id = payload(o);
                if !self.leaf(id) {
                    return;
                }
                // Leaves are interned by field and value, of which the label is written,
                // so one label is one leaf: comparing ids is comparing labels.
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            NOT => {}
            _ => {
                let end = end_of(ops, i);
                let mut j = i + 1;
                while j < end {
                    let is_leaf = ops.get(j).is_some_and(|&c| tag(c) == LEAF);
                    if is_leaf || self.eval(ops, j) {
                        self.matched_at(ops, j, out);
                    }
                    j = end_of(ops, j);
                }
            }
        }
    }
}
