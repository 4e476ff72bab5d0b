//! The service dependency graph (petgraph) over depends_on, links, `service:` namespaces and
//! volumes_from: cycle detection that prints the cycle, start levels, and text/dot/mermaid output.

use std::collections::BTreeMap;
use std::fmt::Write;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::load::error::{ErrorKind, LoadError};
use crate::model::Project;

/// An edge `from → to` means `from` depends on `to` (so `to` starts first).
pub struct Graph {
    pub graph: DiGraph<String, String>,
    index: BTreeMap<String, NodeIndex>,
}

impl Graph {
    /// Builds the graph; a dependency cycle is an error naming it (`a -> b -> a`).
    pub fn new(project: &Project) -> Result<Graph, LoadError> {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for name in project.services.keys() {
            index.insert(name.clone(), graph.add_node(name.clone()));
        }
        for (name, svc) in &project.services {
            for (dep, d) in &svc.depends_on {
                if let Some(&to) = index.get(dep) {
                    let mut label = d.condition.clone();
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
            return Err(LoadError::new(
                ErrorKind::Cycle,
                format!("dependency cycle: {}", cycle.join(" -> ")),
            )
            .path(format!("services.{}.depends_on.{}", cycle[0], cycle[1]))
            .hint("remove one of these depends_on entries"));
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
        let mut level: BTreeMap<NodeIndex, usize> = BTreeMap::new();
        fn depth(g: &Graph, v: NodeIndex, memo: &mut BTreeMap<NodeIndex, usize>) -> usize {
            if let Some(&d) = memo.get(&v) {
                return d;
            }
            let d = g
                .graph
                .neighbors_directed(v, Direction::Outgoing)
                .map(|w| depth(g, w, memo) + 1)
                .max()
                .unwrap_or(0);
            memo.insert(v, d);
            d
        }
        let mut out: Vec<Vec<String>> = Vec::new();
        for &v in self.index.values() {
            let d = depth(self, v, &mut level);
            if out.len() <= d {
                out.resize(d + 1, Vec::new());
            }
            out[d].push(self.graph[v].clone());
        }
        out
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
        assert_eq!(e.message, "dependency cycle: a -> b -> c -> a");
    }
}
