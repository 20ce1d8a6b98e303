//! Lists read newest first a page at a time, each page starting after the last row shown (the
//! Activity and Sign-ins views, the activity export): a range of days, a cursor on `(at, id)`,
//! one row more than the page to know whether another follows.

use super::ServiceResult;
use crate::model::activity::Cursor;
use crate::{msg, services::messages::Refusal};
use chrono::{NaiveDate, NaiveTime};
use sea_orm::{
    prelude::*,
    sea_query::{Expr, ExprTrait},
    QueryOrder, QuerySelect, Select,
};

/// Where a page of a newest-first list starts, and which days it covers (UTC, both included).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub before: Option<Cursor>,
}

impl Window {
    /// Refuses an end day before the start day, naming the `to` field.
    pub fn check(&self) -> ServiceResult<()> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if to < from => {
                Err(Refusal::field("to", msg!("msg.activity.dates_reversed")).into())
            }
            _ => Ok(()),
        }
    }

    /// `select` narrowed to the window, newest first by `(at, id)`, at most `limit` rows and
    /// one more (which says that another page follows).
    pub fn page<E: EntityTrait>(
        &self,
        mut select: Select<E>,
        at: E::Column,
        id: E::Column,
        limit: u64,
    ) -> Select<E> {
        let start = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
        if let Some(from) = self.from {
            select = select.filter(at.gte(start(from)));
        }
        if let Some(next_day) = self.to.and_then(|to| to.succ_opt()) {
            select = select.filter(at.lt(start(next_day)));
        }
        if let Some(before) = self.before {
            select = select.filter(
                Expr::tuple([Expr::col(at), Expr::col(id)])
                    .lt(Expr::tuple([Expr::val(before.at), Expr::val(before.id)])),
            );
        }
        select.order_by_desc(at).order_by_desc(id).limit(limit + 1)
    }
}

/// Cuts `rows` (read by [`Window::page`], newest first) to `limit`, returning where the next page
/// starts when there is one.
pub fn next_page<T>(
    rows: &mut Vec<T>,
    limit: u64,
    cursor: impl Fn(&T) -> Cursor,
) -> Option<Cursor> {
    if rows.len() as u64 <= limit {
        return None;
    }
    rows.truncate(limit as usize);
    rows.last().map(cursor)
}
