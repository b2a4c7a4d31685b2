//! A treap over asks keyed by `(price, offer id)`, augmented with the largest CPU and memory
//! among live asks of each subtree, so a search for "the next live ask with at least this
//! much CPU and memory under this price" skips whole subtrees that cannot hold one.
//!
//! Priorities are a hash of the offer id, so a set of asks always forms the same tree
//! whatever the order they arrived in: incremental updates and a rebuild agree node for node.

use crate::ask::{Ask, Key, NIL};

/// What a bid needs from an ask: resources at least, price at most.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Need {
    pub cpu: u32,
    pub mem: u32,
    pub max_price: u128,
}

/// The heap priority of offer `id` (splitmix64: fixed, well spread).
fn priority(id: u64) -> u64 {
    let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Recomputes `t`'s subtree aggregates from its children; returns whether they changed.
fn pull(nodes: &mut [Ask], t: u32) -> bool {
    let n = &nodes[t as usize];
    let (mut any, mut cpu, mut mem) = if n.live {
        (true, n.cpu, n.mem)
    } else {
        (false, 0, 0)
    };
    for child in [n.left, n.right] {
        if child != NIL {
            let c = &nodes[child as usize];
            if c.any_live {
                any = true;
                cpu = cpu.max(c.best_cpu);
                mem = mem.max(c.best_mem);
            }
        }
    }
    let n = &mut nodes[t as usize];
    let changed = (n.any_live, n.best_cpu, n.best_mem) != (any, cpu, mem);
    (n.any_live, n.best_cpu, n.best_mem) = (any, cpu, mem);
    changed
}

/// Makes `c` the left child of `t`.
fn set_left(nodes: &mut [Ask], t: u32, c: u32) {
    nodes[t as usize].left = c;
    if c != NIL {
        nodes[c as usize].parent = t;
    }
}

/// Makes `c` the right child of `t`.
fn set_right(nodes: &mut [Ask], t: u32, c: u32) {
    nodes[t as usize].right = c;
    if c != NIL {
        nodes[c as usize].parent = t;
    }
}

/// Marks `t` (if any) as a root.
fn detach(nodes: &mut [Ask], t: u32) -> u32 {
    if t != NIL {
        nodes[t as usize].parent = NIL;
    }
    t
}

/// Splits `t` into keys `< key` and keys `>= key`.
fn split(nodes: &mut [Ask], t: u32, key: Key) -> (u32, u32) {
    if t == NIL {
        return (NIL, NIL);
    }
    if nodes[t as usize].key() < key {
        let (l, r) = split(nodes, nodes[t as usize].right, key);
        set_right(nodes, t, l);
        pull(nodes, t);
        (t, r)
    } else {
        let (l, r) = split(nodes, nodes[t as usize].left, key);
        set_left(nodes, t, r);
        pull(nodes, t);
        (l, t)
    }
}

/// Joins `a` and `b`, every key of `a` being below every key of `b`.
fn merge(nodes: &mut [Ask], a: u32, b: u32) -> u32 {
    if a == NIL {
        return b;
    }
    if b == NIL {
        return a;
    }
    if priority(nodes[a as usize].id) > priority(nodes[b as usize].id) {
        let r = merge(nodes, nodes[a as usize].right, b);
        set_right(nodes, a, r);
        pull(nodes, a);
        a
    } else {
        let l = merge(nodes, a, nodes[b as usize].left);
        set_left(nodes, b, l);
        pull(nodes, b);
        b
    }
}

/// Inserts the detached node `x` into the tree rooted at `t`; returns the new root.
pub(crate) fn insert(nodes: &mut [Ask], t: u32, x: u32) -> u32 {
    fn go(nodes: &mut [Ask], t: u32, x: u32) -> u32 {
        if t == NIL {
            let n = &mut nodes[x as usize];
            (n.left, n.right) = (NIL, NIL);
            pull(nodes, x);
            return x;
        }
        let key = nodes[x as usize].key();
        if priority(nodes[x as usize].id) > priority(nodes[t as usize].id) {
            let (l, r) = split(nodes, t, key);
            set_left(nodes, x, l);
            set_right(nodes, x, r);
            pull(nodes, x);
            return x;
        }
        if key < nodes[t as usize].key() {
            let l = go(nodes, nodes[t as usize].left, x);
            set_left(nodes, t, l);
        } else {
            let r = go(nodes, nodes[t as usize].right, x);
            set_right(nodes, t, r);
        }
        pull(nodes, t);
        t
    }
    let root = go(nodes, t, x);
    detach(nodes, root)
}

/// Removes node `x` from the tree rooted at `t`; returns the new root.
pub(crate) fn remove(nodes: &mut [Ask], t: u32, x: u32) -> u32 {
    let n = &nodes[x as usize];
    let (l, r, parent) = (n.left, n.right, n.parent);
    let merged = merge(nodes, l, r);
    let n = &mut nodes[x as usize];
    (n.left, n.right, n.parent) = (NIL, NIL, NIL);
    if parent == NIL {
        return detach(nodes, merged);
    }
    if nodes[parent as usize].left == x {
        set_left(nodes, parent, merged);
    } else {
        set_right(nodes, parent, merged);
    }
    repair(nodes, parent);
    t
}

/// Recomputes aggregates from `t` up towards the root, stopping where nothing changes.
pub(crate) fn repair(nodes: &mut [Ask], mut t: u32) {
    while t != NIL && pull(nodes, t) {
        t = nodes[t as usize].parent;
    }
}

/// The first live ask after `after` (in key order) that meets `need`, if any.
pub(crate) fn first_after(nodes: &[Ask], t: u32, after: Option<Key>, need: &Need) -> Option<u32> {
    if t == NIL {
        return None;
    }
    let n = &nodes[t as usize];
    if !n.any_live || n.best_cpu < need.cpu || n.best_mem < need.mem {
        return None;
    }
    let key = n.key();
    if after.is_some_and(|a| key <= a) {
        return first_after(nodes, n.right, after, need);
    }
    if let Some(found) = first_after(nodes, n.left, after, need) {
        return Some(found);
    }
    if key.0 > need.max_price {
        return None;
    }
    if n.live && n.cpu >= need.cpu && n.mem >= need.mem {
        return Some(t);
    }
    first_after(nodes, n.right, after, need)
}

/// Checks the tree rooted at `t` (order, heap property, aggregates); returns its size.
pub(crate) fn validate(nodes: &[Ask], t: u32) -> Result<usize, String> {
    fn walk(
        nodes: &[Ask],
        t: u32,
        bounds: (Option<Key>, Option<Key>),
    ) -> Result<(usize, bool, u32, u32), String> {
        if t == NIL {
            return Ok((0, false, 0, 0));
        }
        let n = &nodes[t as usize];
        let key = n.key();
        if bounds.0.is_some_and(|lo| key <= lo) || bounds.1.is_some_and(|hi| key >= hi) {
            return Err(format!("offer {} is out of key order", n.id));
        }
        for child in [n.left, n.right] {
            if child != NIL && priority(nodes[child as usize].id) > priority(n.id) {
                return Err(format!("offer {} breaks the heap order", n.id));
            }
            if child != NIL && nodes[child as usize].parent != t {
                return Err(format!(
                    "offer {} has a wrong parent link",
                    nodes[child as usize].id
                ));
            }
        }
        let (ls, la, lc, lm) = walk(nodes, n.left, (bounds.0, Some(key)))?;
        let (rs, ra, rc, rm) = walk(nodes, n.right, (Some(key), bounds.1))?;
        let (own_c, own_m) = if n.live { (n.cpu, n.mem) } else { (0, 0) };
        let any = n.live || la || ra;
        let (cpu, mem) = (own_c.max(lc).max(rc), own_m.max(lm).max(rm));
        if (n.any_live, n.best_cpu, n.best_mem) != (any, cpu, mem) {
            return Err(format!("offer {} has stale aggregates", n.id));
        }
        Ok((ls + rs + 1, any, cpu, mem))
    }
    if t != NIL && nodes[t as usize].parent != NIL {
        return Err(format!("root offer {} has a parent", nodes[t as usize].id));
    }
    walk(nodes, t, (None, None)).map(|(size, ..)| size)
}
