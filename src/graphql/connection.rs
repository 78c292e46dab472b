//! Relay connection types (`XConnection`, `XEdge`, `PageInfo`) over any node type, built from
//! a service [`Page`]. `totalCount` runs its COUNT only when selected.

use std::borrow::Cow;

use async_graphql::{Object, OutputType, SimpleObject, TypeName};

use crate::service::pagination::{Page, TotalCount};

/// Where a page sits in its list (Relay): whether there is more on either side, and the
/// cursors to fetch it.
#[derive(SimpleObject)]
pub(crate) struct PageInfo {
    /// More items follow this page: fetch them with `first` and `after: endCursor`.
    pub has_next_page: bool,
    /// Items come before this page: fetch them with `last` and `before: startCursor`.
    pub has_previous_page: bool,
    /// The first item's cursor; null for an empty page.
    pub start_cursor: Option<String>,
    /// The last item's cursor; null for an empty page.
    pub end_cursor: Option<String>,
}

pub(crate) struct Edge<T> {
    cursor: String,
    node: T,
}

/// One item of a page, with its cursor (Relay edge).
#[Object(name_type)]
impl<T: OutputType + Clone> Edge<T> {
    /// This item's position, opaque and keyset-based: pass it as `after` (or `before`) to
    /// page on from here with the same filter and orderBy.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The item.
    async fn node(&self) -> &T {
        &self.node
    }
}

impl<T: OutputType> TypeName for Edge<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", T::type_name()).into()
    }
}

pub(crate) struct Connection<T> {
    edges: Vec<Edge<T>>,
    page_info: PageInfo,
    total: TotalCount,
}

impl<T> Connection<T> {
    /// Wraps a page of rows, converting each row to its GraphQL node.
    pub(crate) fn from_page<M>(page: Page<M>, node: impl Fn(M) -> T) -> Self {
        let page_info = PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.rows.first().map(|(cursor, _)| cursor.clone()),
            end_cursor: page.rows.last().map(|(cursor, _)| cursor.clone()),
        };
        let edges = page
            .rows
            .into_iter()
            .map(|(cursor, row)| Edge {
                cursor,
                node: node(row),
            })
            .collect();
        Self {
            edges,
            page_info,
            total: page.total,
        }
    }
}

/// One page of a list (Relay cursor connection): its items as `edges` (with cursors) or
/// `nodes`, where the page sits (`pageInfo`) and how many items match in all (`totalCount`).
#[Object(name_type)]
impl<T: OutputType + Clone> Connection<T> {
    /// The page's items with their cursors, in the list's order.
    async fn edges(&self) -> &[Edge<T>] {
        &self.edges
    }

    /// The nodes of `edges`, for clients that need no cursors.
    async fn nodes(&self) -> Vec<T> {
        self.edges.iter().map(|edge| edge.node.clone()).collect()
    }

    /// Whether more items come before or after this page, and the cursors to fetch them.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many items match the filter, on all pages (counted only when selected).
    async fn total_count(&self) -> async_graphql::Result<i64> {
        Ok(self.total.get().await?)
    }
}

impl<T: OutputType> TypeName for Connection<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", T::type_name()).into()
    }
}

/// Complexity of a list field: its page size (`first`/`last`, default 20) times
/// what each node selects, so aliases and nesting cannot multiply into huge answers unseen.
pub(crate) fn page_complexity(
    first: Option<i32>,
    last: Option<i32>,
    child_complexity: usize,
) -> usize {
    let page = first
        .or(last)
        .unwrap_or(crate::service::pagination::DEFAULT_PAGE_SIZE);
    // Up to the ceiling, not the configured maximum (which this estimate cannot see): a larger
    // page is refused by the resolver anyway.
    let page = page.clamp(1, crate::service::pagination::PAGE_SIZE_CEILING) as usize;
    1 + page * child_complexity
}
