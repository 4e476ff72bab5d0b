//! The one place of dependency order: the service graph (petgraph) over depends_on, links,
//! `service:` namespaces and volumes_from, with cycle detection that prints the cycle, start
//! levels and text/dot/mermaid output; and the generic orders the other layers use (stop levels
//! from container labels, build order).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::Project;

/// A dependency cycle, its services in order with the first repeated at the end (`a b a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle(pub Vec<String>);

impl Cycle {
    /// The key path of its first edge: `services.a.depends_on.b`.
    pub fn path(&self) -> String {
        format!("services.{}.depends_on.{}", self.0[0], self.0[1])
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dependency cycle: {}", self.0.join(" -> "))
    }
}

impl std::error::Error for Cycle {}

/// Levels of the nodes of `after` (node → the nodes it comes after): level 0 holds the nodes
/// that come after none, each later level the nodes whose predecessors are all on earlier ones;
/// each level sorted. Nodes on a cycle are left out and returned apart.
pub fn levels<K: Ord + Clone>(after: &BTreeMap<K, BTreeSet<K>>) -> (Vec<Vec<K>>, Vec<K>) {
    let mut left: BTreeSet<&K> = after.keys().collect();
    let mut out: Vec<Vec<K>> = Vec::new();
    loop {
        let level: Vec<&K> = left
            .iter()
            .copied()
            .filter(|k| after[*k].iter().all(|p| !left.contains(p)))
            .collect();
        if level.is_empty() {
            break;
        }
        for k in &level {
            left.remove(*k);
        }
        out.push(level.into_iter().cloned().collect());
    }
    (out, left.into_iter().cloned().collect())
}

/// One order of the nodes of `after` where each comes after its predecessors, the smallest
/// ready node first; `None` on a cycle.
pub fn order<K: Ord + Clone>(after: &BTreeMap<K, BTreeSet<K>>) -> Option<Vec<K>> {
    let mut placed: BTreeSet<&K> = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < after.len() {
        let next = after
            .iter()
            .find(|(k, preds)| !placed.contains(k) && preds.iter().all(|p| placed.contains(p)))?
            .0;
        placed.insert(next);
        out.push(next.clone());
    }
    Some(out)
}

/// The levels in which services stop, dependents first, from `service → its dependencies`
/// (as container labels record them): each level stops in parallel; services on a cycle stop
/// together, last.
pub fn stop_levels(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // a service stops once nothing left depends on it: it comes after its dependents
    let mut dependents: BTreeMap<String, BTreeSet<String>> =
        deps.keys().map(|k| (k.clone(), BTreeSet::new())).collect();
    for (service, ds) in deps {
        for d in ds.iter().filter(|d| *d != service) {
            if let Some(set) = dependents.get_mut(d) {
                set.insert(service.clone());
            }
        }
    }
    let (mut out, cyclic) = levels(&dependents);
    if !cyclic.is_empty() {
        out.push(cyclic);
    }
    out
}

/// An edge `from → to` means `from` depends on `to` (so `to` starts first).
pub struct Graph {
    /// The services, and an edge labelled with its condition for each dependency.
    pub graph: DiGraph<String, String>,
    index: BTreeMap<String, NodeIndex>,
}

impl Graph {
    /// Builds the graph; a dependency cycle is an error naming it (`a -> b -> a`).
    pub fn new(project: &Project) -> Result<Graph, Cycle> {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for name in project.services.keys() {
            index.insert(name.clone(), graph.add_node(name.clone()));
        }
        for (name, svc) in &project.services {
            for (dep, d) in &svc.depends_on {
                if let Some(&to) = index.get(dep) {
                    let mut label = d.condition.to_string();
                    if d.restart {
                        label.push_str(", restart");
                    }
                    if !d.required {
                        label.push_str(", optional");
                    }
                    graph.add_edge(index[name], to, label);
                }
            }
        }
        let g = Graph { graph, index };
        if let Some(cycle) = g.find_cycle() {
            return Err(Cycle(cycle));
        }
        Ok(g)
    }

    fn find_cycle(&self) -> Option<Vec<String>> {
        // depth-first search with colours; the first back edge closes a cycle
        let n = self.graph.node_count();
        let mut colour = vec![0u8; n];
        let mut stack: Vec<NodeIndex> = Vec::new();
        fn visit(
            g: &Graph,
            v: NodeIndex,
            colour: &mut [u8],
            stack: &mut Vec<NodeIndex>,
        ) -> Option<Vec<String>> {
            colour[v.index()] = 1;
            stack.push(v);
            let mut next: Vec<NodeIndex> =
                g.graph.neighbors_directed(v, Direction::Outgoing).collect();
            next.sort_by(|a, b| g.graph[*a].cmp(&g.graph[*b]));
            for w in next {
                if colour[w.index()] == 1 {
                    let start = stack.iter().position(|x| *x == w).unwrap_or(0);
                    let mut c: Vec<String> =
                        stack[start..].iter().map(|x| g.graph[*x].clone()).collect();
                    c.push(g.graph[w].clone());
                    return Some(c);
                }
                if colour[w.index()] == 0
                    && let Some(c) = visit(g, w, colour, stack)
                {
                    return Some(c);
                }
            }
            stack.pop();
            colour[v.index()] = 2;
            None
        }
        for &v in self.index.values() {
            if colour[v.index()] == 0
                && let Some(c) = visit(self, v, &mut colour, &mut stack)
            {
                return Some(c);
            }
        }
        None
    }

    /// Start levels: level 0 has no dependencies; each level only depends on earlier ones.
    pub fn levels(&self) -> Vec<Vec<String>> {
        let after: BTreeMap<String, BTreeSet<String>> = self
            .index
            .iter()
            .map(|(name, &v)| {
                let deps = self
                    .graph
                    .neighbors_directed(v, Direction::Outgoing)
                    .map(|w| self.graph[w].clone())
                    .collect();
                (name.clone(), deps)
            })
            .collect();
        levels(&after).0
    }

    fn edges(&self) -> Vec<(String, String, String)> {
        let mut e: Vec<(String, String, String)> = self
            .graph
            .edge_indices()
            .filter_map(|i| {
                self.graph.edge_endpoints(i).map(|(a, b)| {
                    (
                        self.graph[a].clone(),
                        self.graph[b].clone(),
                        self.graph[i].clone(),
                    )
                })
            })
            .collect();
        e.sort();
        e
    }

    /// The start levels, then the edges with their conditions.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for (i, level) in self.levels().iter().enumerate() {
            let _ = writeln!(s, "level {i}: {}", level.join(", "));
        }
        let edges = self.edges();
        if !edges.is_empty() {
            let _ = writeln!(s);
            for (a, b, c) in edges {
                let _ = writeln!(s, "{a} -> {b} ({c})");
            }
        }
        s
    }

    /// The graph for Graphviz.
    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph compose {\n  rankdir=BT;\n");
        for name in self.index.keys() {
            let _ = writeln!(s, "  \"{name}\";");
        }
        for (a, b, c) in self.edges() {
            let _ = writeln!(s, "  \"{a}\" -> \"{b}\" [label=\"{c}\"];");
        }
        s.push_str("}\n");
        s
    }

    /// The graph for Mermaid.
    pub fn to_mermaid(&self) -> String {
        let mut s = String::from("graph BT\n");
        for name in self.index.keys() {
            let _ = writeln!(s, "  {}[\"{name}\"]", mermaid_id(name));
        }
        for (a, b, c) in self.edges() {
            let _ = writeln!(s, "  {} -->|{c}| {}", mermaid_id(&a), mermaid_id(&b));
        }
        s
    }
}

fn mermaid_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dependency, Service};

    fn project(edges: &[(&str, &str)], names: &[&str]) -> Project {
        let mut p = Project::default();
        for n in names {
            p.services.insert(n.to_string(), Service::default());
        }
        for (a, b) in edges {
            let d = Dependency {
                condition: "service_started".into(),
                required: true,
                ..Default::default()
            };
            p.services
                .get_mut(*a)
                .unwrap()
                .depends_on
                .insert(b.to_string(), d);
        }
        p
    }

    #[test]
    fn levels_follow_dependencies() {
        let g = Graph::new(&project(
            &[("web", "api"), ("api", "db")],
            &["web", "api", "db", "cache"],
        ))
        .unwrap();
        assert_eq!(
            g.levels(),
            vec![vec!["cache", "db"], vec!["api"], vec!["web"]]
        );
    }

    #[test]
    fn cycles_are_printed() {
        let e = Graph::new(&project(
            &[("a", "b"), ("b", "c"), ("c", "a")],
            &["a", "b", "c"],
        ))
        .err()
        .unwrap();
        assert_eq!(e.to_string(), "dependency cycle: a -> b -> c -> a");
        assert_eq!(e.path(), "services.a.depends_on.b");
    }
}
