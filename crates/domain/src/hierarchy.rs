//! The customer forest as materialised paths.
//!
//! Every customer stores the ids from its root down to itself as `/root/…/parent/self/`. That one column answers
//! the three questions the API asks of the tree without a query per level: the breadcrumb (the path itself),
//! the direct children (`parent_id = X`) and all descendants (every path that starts with X's path, which is a
//! single index range because ids never contain `/` and `/` sorts just before `0`). A move rewrites the prefix
//! of the moved subtree in one statement.

use crate::validation::{FieldError, ValidationErrors};

pub const SEPARATOR: char = '/';
/// Longest id accepted from outside (fixtures, imports). Generated ids are 32 characters.
pub const MAX_ID_LEN: usize = 64;

/// Ids are opaque to clients, but we keep them to a URL- and path-safe alphabet so they can be embedded in
/// paths and URLs without escaping.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn check_id(field: &str, id: &str, errors: &mut ValidationErrors) {
    if !is_valid_id(id) {
        errors.push(FieldError::new(
            field,
            "InvalidId",
            format!("ids are 1 to {MAX_ID_LEN} characters of A-Z, a-z, 0-9, '-' and '_'"),
        ));
    }
}

/// The path of a node whose parent has `parent_path` (or which is a root when `None`).
pub fn child_path(parent_path: Option<&str>, id: &str) -> String {
    match parent_path {
        Some(parent) => format!("{parent}{id}{SEPARATOR}"),
        None => format!("{SEPARATOR}{id}{SEPARATOR}"),
    }
}

/// The ids on a path, root first, the node itself last.
pub fn path_ids(path: &str) -> impl Iterator<Item = &str> {
    path.split(SEPARATOR).filter(|s| !s.is_empty())
}

/// The ancestors' ids, root first, excluding the node itself.
pub fn ancestor_ids(path: &str) -> Vec<&str> {
    ancestors(path).collect()
}

/// The ancestors' ids, root first, excluding the node itself, without collecting them (a walk meets millions).
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let above = path.trim_end_matches(SEPARATOR).rsplit_once(SEPARATOR).map_or("", |(above, _)| above);
    path_ids(above)
}

/// Depth of the node: 0 for a root.
pub fn depth(path: &str) -> usize {
    path_ids(path).count().saturating_sub(1)
}

/// The exclusive upper bound of the index range holding `path` and all its descendants: the path with its final
/// `/` replaced by the next byte, `0`. Every string in `[path, upper)` starts with `path`.
pub fn subtree_upper_bound(path: &str) -> String {
    let mut upper = path.strip_suffix(SEPARATOR).unwrap_or(path).to_owned();
    upper.push('0');
    upper
}

/// Whether `path` is `ancestor_path` itself or lies beneath it.
pub fn is_within(path: &str, ancestor_path: &str) -> bool {
    path.starts_with(ancestor_path)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefusal {
    /// The new parent is the node itself or one of its descendants.
    Cycle,
    /// The new parent belongs to another account.
    CrossAccount,
}

/// Decides whether the node at `moving_path` in `moving_account` may be placed under `new_parent`
/// (`(path, account)`), or made a root when `None`.
pub fn check_move(
    moving_path: &str,
    moving_account: &str,
    new_parent: Option<(&str, &str)>,
) -> Result<(), MoveRefusal> {
    let Some((parent_path, parent_account)) = new_parent else { return Ok(()) };
    if parent_account != moving_account {
        return Err(MoveRefusal::CrossAccount);
    }
    if is_within(parent_path, moving_path) {
        return Err(MoveRefusal::Cycle);
    }
    Ok(())
}

/// The new path of a node at `old` after the moved subtree root's path changed from `old_root` to `new_root`.
pub fn rebase(old: &str, old_root: &str, new_root: &str) -> String {
    debug_assert!(old.starts_with(old_root));
    format!("{new_root}{}", &old[old_root.len()..])
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn paths_list_root_first() {
        let root = child_path(None, "a");
        let mid = child_path(Some(&root), "b");
        let leaf = child_path(Some(&mid), "c");
        assert_eq!(leaf, "/a/b/c/");
        assert_eq!(ancestor_ids(&leaf), ["a", "b"]);
        assert_eq!(ancestor_ids(&mid), ["a"]);
        assert!(ancestor_ids(&root).is_empty());
        assert_eq!(depth(&leaf), 2);
        assert_eq!(depth(&root), 0);
    }

    #[test]
    fn moving_under_itself_or_a_descendant_is_a_cycle() {
        assert_eq!(check_move("/a/b/", "acc", Some(("/a/b/", "acc"))), Err(MoveRefusal::Cycle));
        assert_eq!(check_move("/a/b/", "acc", Some(("/a/b/c/d/", "acc"))), Err(MoveRefusal::Cycle));
        assert_eq!(check_move("/a/b/", "acc", Some(("/a/", "acc"))), Ok(()));
        assert_eq!(check_move("/a/b/", "acc", Some(("/a/bc/", "acc"))), Ok(()));
        assert_eq!(check_move("/a/b/", "acc", None), Ok(()));
    }

    #[test]
    fn moving_into_another_account_is_refused() {
        assert_eq!(check_move("/a/", "one", Some(("/x/", "two"))), Err(MoveRefusal::CrossAccount));
    }

    #[test]
    fn ids_are_path_safe() {
        assert!(is_valid_id("cus_01-AB"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a/b"));
        assert!(!is_valid_id("a%"));
        assert!(!is_valid_id(&"x".repeat(65)));
    }

    fn id() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_-]{1,6}"
    }

    proptest! {
        /// The range [path, upper) holds exactly the paths that start with `path`, in byte order, which is how
        /// both SQLite (BINARY) and PostgreSQL (COLLATE "C") compare the column.
        #[test]
        fn the_subtree_range_holds_exactly_the_descendants(a in proptest::collection::vec(id(), 1..5), b in proptest::collection::vec(id(), 1..5)) {
            let path_a = a.iter().fold(String::from("/"), |p, id| format!("{p}{id}/"));
            let path_b = b.iter().fold(String::from("/"), |p, id| format!("{p}{id}/"));
            let upper = subtree_upper_bound(&path_a);
            let in_range = path_b.as_bytes() >= path_a.as_bytes() && path_b.as_bytes() < upper.as_bytes();
            prop_assert_eq!(in_range, path_b.starts_with(&path_a));
        }
    }
}
