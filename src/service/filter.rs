//! Filter operators shared by every list, turned into SQL conditions that read the same on
//! SQLite and PostgreSQL.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use crate::error::{AppError, Result};

/// More values than this in one `in` list is a mistake, not a query.
pub const MAX_IN_VALUES: usize = 1000;

/// `contains`/`startsWith` ignore case; `eq`/`ne`/`in` are exact.
#[derive(Clone, Debug, Default)]
pub struct StringFilter {
    pub eq: Option<String>,
    pub ne: Option<String>,
    pub in_: Option<Vec<String>>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct FloatFilter {
    pub eq: Option<f64>,
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
}

#[derive(Clone, Debug, Default)]
pub struct DateTimeFilter {
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
pub fn ilike(column: impl ColumnTrait, pattern: String) -> Condition {
    Condition::all().add(
        Expr::expr(Func::lower(Expr::col(column.as_column_ref())))
            .like(LikeExpr::new(pattern).escape('\\')),
    )
}

pub fn contains_ci(column: impl ColumnTrait, text: &str) -> Condition {
    ilike(column, format!("%{}%", like_literal(text)))
}

impl StringFilter {
    pub fn condition(&self, column: impl ColumnTrait) -> Result<Condition> {
        let mut all = Condition::all();
        if let Some(eq) = &self.eq {
            all = all.add(column.eq(eq.clone()));
        }
        if let Some(ne) = &self.ne {
            all = all.add(column.ne(ne.clone()));
        }
        if let Some(values) = &self.in_ {
            if values.len() > MAX_IN_VALUES {
                return Err(AppError::bad_input(format!(
                    "`in` takes at most {MAX_IN_VALUES} values, got {}",
                    values.len()
                )));
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
    pub fn condition(&self, column: impl ColumnTrait) -> Result<Condition> {
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
    pub fn condition(&self, column: impl ColumnTrait) -> Condition {
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
