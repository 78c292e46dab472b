//! The filter machinery every list shares: the field operators (`StringFilter`, ...), the
//! `and`/`or`/`not` tree over a domain's own filter ([`FilterTree`]), and the budget that keeps
//! any filter bounded work. Conditions read the same on SQLite and PostgreSQL.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use crate::error::{AppError, Result};

/// More values than this in one `in` list is a mistake, not a query.
pub(crate) const MAX_IN_VALUES: usize = 1000;
/// Filters nest (`and`/`or`/`not`); these bound how deep and how many parts, so a filter can
/// never become unbounded work.
pub(crate) const MAX_FILTER_DEPTH: usize = 8;
pub(crate) const MAX_FILTER_NODES: usize = 200;
/// `in` values in one whole filter (each list alone takes up to [`MAX_IN_VALUES`]): 200 parts
/// of full lists would pass the databases' bind-parameter limits.
pub(crate) const MAX_FILTER_IN_VALUES: usize = 5000;

/// A domain's filter: its own fields, combined with `and`/`or`/`not` over filters of the same
/// kind. A domain says what its fields mean; [`FilterTree::condition`] walks the tree, once for
/// every domain, within one [`FilterBudget`].
pub(crate) trait FilterTree: Sized {
    /// The condition of this node's own fields (not its `and`/`or`/`not`). `depth` is this
    /// node's, for a field that opens a filter of another domain (a semi-join).
    fn fields(&self, budget: &mut FilterBudget, depth: usize) -> Result<Condition>;

    /// The text filters of this node, whose `in` lists count against the budget.
    fn text_filters(&self) -> Vec<Option<&StringFilter>>;

    /// This node's `and`/`or`/`not`.
    fn tree(&self) -> Tree<'_, Self>;

    /// Whether this node's own fields compare with the current time (`overdue`).
    fn fields_read_the_clock(&self) -> bool {
        false
    }

    /// Whether any node does: the matches then change as time passes, with no write, so
    /// their count cannot be remembered (`pagination::total`).
    fn reads_the_clock(&self) -> bool {
        let Tree { and, or, not } = self.tree();
        self.fields_read_the_clock()
            || and.iter().chain(or).any(Self::reads_the_clock)
            || not.is_some_and(Self::reads_the_clock)
    }

    /// The whole tree as one condition; BAD_USER_INPUT when it exceeds the budget.
    fn condition(&self, budget: &mut FilterBudget, depth: usize) -> Result<Condition> {
        budget.enter(depth)?;
        budget.spend_in_values(self.text_filters())?;
        let mut all = Condition::all().add(self.fields(budget, depth)?);
        let Tree { and, or, not } = self.tree();
        // A problem deeper in the tree names its path: `and.0.name.in`.
        let within = |part: String| move |e: AppError| e.within(&part);
        for (i, f) in and.iter().enumerate() {
            all = all.add(
                f.condition(budget, depth + 1)
                    .map_err(within(format!("and.{i}")))?,
            );
        }
        if !or.is_empty() {
            let mut any = Condition::any();
            for (i, f) in or.iter().enumerate() {
                any = any.add(
                    f.condition(budget, depth + 1)
                        .map_err(within(format!("or.{i}")))?,
                );
            }
            all = all.add(any);
        }
        if let Some(f) = not {
            all = all.add(
                f.condition(budget, depth + 1)
                    .map_err(within("not".into()))?
                    .not(),
            );
        }
        Ok(all)
    }

    /// The condition of a whole filter given to a list (depth 1, a fresh budget); a problem
    /// names its path from the list's `filter` argument.
    fn root_condition(&self) -> Result<Condition> {
        self.condition(&mut FilterBudget::default(), 1)
            .map_err(|e| e.within("filter"))
    }
}

/// The combinators of one filter node, over filters of the same kind.
pub(crate) struct Tree<'a, F> {
    pub(crate) and: &'a [F],
    pub(crate) or: &'a [F],
    pub(crate) not: Option<&'a F>,
}

/// Counts filter nodes against [`MAX_FILTER_NODES`], depth against [`MAX_FILTER_DEPTH`], and
/// `in` values against [`MAX_FILTER_IN_VALUES`], across every domain a filter reaches.
#[derive(Default)]
pub(crate) struct FilterBudget {
    /// Read by the property tests of each domain (service::*::props).
    pub(super) nodes: usize,
    in_values: usize,
}

impl FilterBudget {
    pub(crate) fn spend_in_values<'a>(
        &mut self,
        filters: impl IntoIterator<Item = Option<&'a StringFilter>>,
    ) -> Result<()> {
        self.in_values += filters
            .into_iter()
            .flatten()
            .map(|f| f.in_.as_ref().map_or(0, Vec::len))
            .sum::<usize>();
        if self.in_values > MAX_FILTER_IN_VALUES {
            return Err(AppError::bad_input(format!(
                "a filter may hold at most {MAX_FILTER_IN_VALUES} `in` values in all"
            )));
        }
        Ok(())
    }

    pub(crate) fn enter(&mut self, depth: usize) -> Result<()> {
        self.nodes += 1;
        if depth > MAX_FILTER_DEPTH {
            return Err(AppError::bad_input(format!(
                "filter nests deeper than {MAX_FILTER_DEPTH} levels"
            )));
        }
        if self.nodes > MAX_FILTER_NODES {
            return Err(AppError::bad_input(format!(
                "filter has more than {MAX_FILTER_NODES} parts"
            )));
        }
        Ok(())
    }
}

/// `contains`/`startsWith` ignore case; `eq`/`ne`/`in` are exact.
#[derive(Clone, Debug, Default)]
pub(crate) struct StringFilter {
    pub eq: Option<String>,
    pub ne: Option<String>,
    pub in_: Option<Vec<String>>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct FloatFilter {
    pub eq: Option<f64>,
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct DateTimeFilter {
    pub gt: Option<DateTime<Utc>>,
    pub gte: Option<DateTime<Utc>>,
    pub lt: Option<DateTime<Utc>>,
    pub lte: Option<DateTime<Utc>>,
}

/// A condition no row satisfies (`in: []`).
fn never() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// Escapes LIKE wildcards so user text matches literally.
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `lower(column) LIKE pattern`: case-insensitive on both engines (SQLite folds ASCII only).
pub(crate) fn ilike(column: impl ColumnTrait, pattern: String) -> Condition {
    Condition::all().add(
        Expr::expr(Func::lower(Expr::col(column.as_column_ref())))
            .like(LikeExpr::new(pattern).escape('\\')),
    )
}

pub(crate) fn contains_ci(column: impl ColumnTrait, text: &str) -> Condition {
    ilike(column, format!("%{}%", like_literal(text)))
}

impl StringFilter {
    pub(crate) fn condition(&self, column: impl ColumnTrait) -> Result<Condition> {
        let mut all = Condition::all();
        if let Some(eq) = &self.eq {
            all = all.add(column.eq(eq.clone()));
        }
        if let Some(ne) = &self.ne {
            all = all.add(column.ne(ne.clone()));
        }
        if let Some(values) = &self.in_ {
            if values.len() > MAX_IN_VALUES {
                return Err(AppError::bad_field(
                    "in",
                    format!(
                        "`in` takes at most {MAX_IN_VALUES} values, got {}",
                        values.len()
                    ),
                ));
            }
            all = all.add(if values.is_empty() {
                never()
            } else {
                Condition::all().add(column.is_in(values.iter().cloned()))
            });
        }
        if let Some(text) = &self.contains {
            all = all.add(contains_ci(column, text));
        }
        if let Some(prefix) = &self.starts_with {
            all = all.add(ilike(column, format!("{}%", like_literal(prefix))));
        }
        Ok(all)
    }
}

impl FloatFilter {
    pub(crate) fn condition(&self, column: impl ColumnTrait) -> Result<Condition> {
        let values = [self.eq, self.gt, self.gte, self.lt, self.lte];
        if values.iter().flatten().any(|v| !v.is_finite()) {
            return Err(AppError::bad_input("number filters take finite numbers"));
        }
        let mut all = Condition::all();
        if let Some(v) = self.eq {
            all = all.add(column.eq(v));
        }
        if let Some(v) = self.gt {
            all = all.add(column.gt(v));
        }
        if let Some(v) = self.gte {
            all = all.add(column.gte(v));
        }
        if let Some(v) = self.lt {
            all = all.add(column.lt(v));
        }
        if let Some(v) = self.lte {
            all = all.add(column.lte(v));
        }
        Ok(all)
    }
}

impl DateTimeFilter {
    pub(crate) fn condition(&self, column: impl ColumnTrait) -> Condition {
        let mut all = Condition::all();
        if let Some(v) = self.gt {
            all = all.add(column.gt(v));
        }
        if let Some(v) = self.gte {
            all = all.add(column.gte(v));
        }
        if let Some(v) = self.lt {
            all = all.add(column.lt(v));
        }
        if let Some(v) = self.lte {
            all = all.add(column.lte(v));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_match_literally() {
        assert_eq!(like_literal("50%_Off\\"), "50\\%\\_off\\\\");
    }
}
