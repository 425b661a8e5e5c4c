//! Which parcelables and unions contain each other: strongly connected
//! components of the "field of type" graph, computed once per program
//! (iteratively, so a long chain of types cannot overflow the stack).

use crate::ast::DeclKind;
use crate::sema::Sema;
use crate::types::Ty;
use std::collections::HashMap;

/// Component of each parcelable/union: two types contain each other (directly
/// or not) exactly when they share a component and an edge links them.
#[derive(Debug, Clone, Default)]
pub struct Components {
    of: HashMap<String, usize>,
}

impl Components {
    /// Do `a` and `b` lie on a common cycle (or is `a == b`)?
    pub fn same(&self, a: &str, b: &str) -> bool {
        a == b || matches!((self.of.get(a), self.of.get(b)), (Some(x), Some(y)) if x == y)
    }
}

/// The parcelable/union stored by a field, looking through fixed-size arrays
/// (which store inline) but not through lists or arrays (which allocate).
pub(crate) fn field_target(sema: &Sema<'_>, ty: &Ty) -> Option<String> {
    let mut ty = ty;
    while let Ty::Fixed(inner, _) = ty {
        ty = inner;
    }
    let Ty::Defined(fqn, _) = ty else { return None };
    let kind = &sema.program.lookup(fqn)?.kind;
    matches!(kind, DeclKind::Parcelable(_) | DeclKind::Union(_)).then(|| fqn.clone())
}

/// Components of the graph whose edges are fields (`@nullable` ones only when
/// `with_nullable`).
pub fn components(sema: &Sema<'_>, with_nullable: bool) -> Components {
    let names: Vec<&String> = sema
        .program
        .types
        .keys()
        .filter(|n| {
            matches!(
                sema.program.lookup(n).map(|d| &d.kind),
                Some(DeclKind::Parcelable(_) | DeclKind::Union(_))
            )
        })
        .collect();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            let (Some(decl), Some(scope)) = (sema.program.lookup(n), sema.scope_of(n)) else {
                return Vec::new();
            };
            let (DeclKind::Parcelable(p) | DeclKind::Union(p)) = &decl.kind else {
                return Vec::new();
            };
            p.fields
                .iter()
                .filter(|f| with_nullable || !f.ty.is_nullable())
                .filter_map(|f| sema.resolve_type(&f.ty, &scope).ok())
                .filter_map(|t| field_target(sema, &t))
                .filter_map(|t| index.get(t.as_str()).copied())
                .collect()
        })
        .collect();
    let comp = tarjan(&edges);
    Components {
        of: names.into_iter().cloned().zip(comp).collect(),
    }
}

/// Tarjan's strongly connected components, with an explicit stack.
fn tarjan(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let (mut index, mut low, mut comp) = (vec![UNSEEN; n], vec![0; n], vec![UNSEEN; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut next_index, mut next_comp) = (Vec::new(), 0, 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut calls: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = calls.last_mut() {
            if let Some(&w) = edges[v].get(*i) {
                *i += 1;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(u, _)) = calls.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::tarjan;

    #[test]
    fn finds_cycles_and_chains() {
        // 0 -> 1 -> 2 -> 0, 3 -> 0, 4 alone
        let c = tarjan(&[vec![1], vec![2], vec![0], vec![0], vec![]]);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[0] && c[4] != c[0] && c[3] != c[4]);
        let chain: Vec<Vec<usize>> = (0..100_000)
            .map(|i| if i + 1 < 100_000 { vec![i + 1] } else { vec![] })
            .collect();
        let c = tarjan(&chain);
        assert_ne!(c[0], c[1]);
    }
}
