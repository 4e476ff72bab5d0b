//! Key-path patterns (`services.*.ports.*`): tables compiled once and looked up by depth, so a
//! walk over a large project compares each node with the few patterns of its own depth only, and
//! skips subtrees that no pattern reaches.

/// Does `path` (keys, list items as `[i]`) match `pattern` (dot-separated parts, `*` for any one
/// key or list item)?
pub fn matches(path: &[String], pattern: &str) -> bool {
    let bytes = pattern.as_bytes();
    if bytes.iter().filter(|&&b| b == b'.').count() + 1 != path.len() {
        return false;
    }
    parts_match(pattern.split('.'), path)
}

fn parts_match<'a>(parts: impl IntoIterator<Item = &'a str>, path: &[String]) -> bool {
    parts
        .into_iter()
        .zip(path)
        .all(|(part, p)| part == "*" || part == p)
}

/// Patterns with a value each, grouped by depth, and the distinct prefixes of each depth.
pub struct PathTable<T: 'static> {
    by_depth: Vec<Vec<(Vec<&'static str>, T)>>,
    prefixes: Vec<Vec<Vec<&'static str>>>,
}

impl<T: Copy> PathTable<T> {
    /// Compiles `entries`; the first matching entry wins, as in a list of `if`s.
    pub fn new(entries: &[(&'static str, T)]) -> PathTable<T> {
        let mut by_depth: Vec<Vec<(Vec<&'static str>, T)>> = Vec::new();
        for (pattern, value) in entries {
            let parts: Vec<&'static str> = pattern.split('.').collect();
            if by_depth.len() <= parts.len() {
                by_depth.resize_with(parts.len() + 1, Vec::new);
            }
            by_depth[parts.len()].push((parts, *value));
        }
        let mut prefixes: Vec<Vec<Vec<&'static str>>> = vec![Vec::new(); by_depth.len()];
        for (parts, _) in by_depth.iter().flatten() {
            for d in 0..parts.len() {
                let prefix = parts[..d].to_vec();
                if !prefixes[d].contains(&prefix) {
                    prefixes[d].push(prefix);
                }
            }
        }
        PathTable { by_depth, prefixes }
    }

    /// The value of the first pattern `path` matches.
    pub fn find(&self, path: &[String]) -> Option<T> {
        self.by_depth
            .get(path.len())?
            .iter()
            .find(|(parts, _)| parts_match(parts.iter().copied(), path))
            .map(|(_, v)| *v)
    }

    /// Could a pattern match below `path`?
    pub fn reaches_below(&self, path: &[String]) -> bool {
        self.prefixes
            .get(path.len())
            .is_some_and(|ps| ps.iter().any(|p| parts_match(p.iter().copied(), path)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn stars_match_keys_and_items() {
        assert!(matches(
            &p(&["services", "web", "ports"]),
            "services.*.ports"
        ));
        assert!(matches(
            &p(&["services", "web", "ports", "[2]"]),
            "services.*.ports.*"
        ));
        assert!(!matches(&p(&["services", "web", "ports"]), "services.*"));
        assert!(!matches(
            &p(&["services", "web", "ports"]),
            "services.*.ports.*"
        ));
    }

    #[test]
    fn tables_find_the_first_match_and_know_what_lies_below() {
        let t = PathTable::new(&[
            ("services.*.ports", 1),
            ("services.web.ports", 2),
            ("x.*", 3),
        ]);
        assert_eq!(t.find(&p(&["services", "web", "ports"])), Some(1));
        assert_eq!(t.find(&p(&["x", "y"])), Some(3));
        assert_eq!(t.find(&p(&["services", "web"])), None);
        assert!(t.reaches_below(&p(&["services", "web"])));
        assert!(!t.reaches_below(&p(&["services", "web", "ports"])));
        assert!(!t.reaches_below(&p(&["networks"])));
    }
}
