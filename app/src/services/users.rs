//! People's accounts.

use super::{now, ServiceResult};
use crate::{
    entities::{organisation_user_count, user, user_role},
    model::{
        users::{
            page_count, Moment, StatusFilter, UserList, UserQuery, UserRow, UserSort, UserStats,
            ACCESS_ENDING_DAYS, COUNT_CAP, LAST_PAGE, PAGE_SIZE,
        },
        UserStatus, UserType,
    },
};
use sea_orm::{
    prelude::*,
    sea_query::{Alias, ExprTrait, Func, NullOrdering, Query, SimpleExpr},
    Condition, DbBackend, JoinType, Order, QueryOrder, QuerySelect, QueryTrait, Select,
};

/// What a row of the people list shows of an account: the columns read for a page, and no more
/// (decoding a whole account costs three times as much).
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "user::Entity")]
pub(crate) struct Listed {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub user_type: UserType,
    pub status: UserStatus,
    pub last_login_at: Option<DateTimeUtc>,
    pub avatar_updated_at: Option<DateTimeUtc>,
    pub access_expires_at: Option<DateTimeUtc>,
}

impl Listed {
    /// "First Last", or the address when both names are blank.
    pub fn display_name(&self) -> String {
        crate::model::session::display_name(&self.first_name, &self.last_name, &self.email)
    }
}

/// What a search box holds, as the search index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Words {
    /// Nothing typed: no condition.
    Any,
    /// Only punctuation typed: nobody matches.
    Nothing,
    /// Every word (letters and digits, lower case) must begin a word of the person's first name,
    /// last name or email address.
    All(Vec<String>),
}

impl Words {
    pub(crate) fn of(search: &str) -> Self {
        if search.trim().is_empty() {
            return Self::Any;
        }
        let words: Vec<String> = search
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .take(5)
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            Self::Nothing
        } else {
            Self::All(words)
        }
    }
}

/// The text search asking that each of `words` begin a word of the person's: FTS5's query
/// language on SQLite, a `tsquery` on PostgreSQL. Words are letters and digits only, so they need
/// no escaping in either.
fn word_query(backend: DbBackend, words: &[String]) -> String {
    let each = |prefix: fn(&String) -> String, and: &str| {
        words.iter().map(prefix).collect::<Vec<_>>().join(and)
    };
    match backend {
        DbBackend::Postgres => each(|word| format!("'{word}':*"), " & "),
        _ => each(|word| format!("\"{word}\"*"), " AND "),
    }
}

/// The people whose words begin with each of `words`, tested row by row: PostgreSQL reads the
/// stored `search_words` (migration 12); SQLite looks the row up among the word index's matches,
/// collected once per query. The `+` keeps SQLite from starting at those matches, so it walks the
/// sort order's index and stops at the page's last row.
pub(crate) fn words_of_row(backend: DbBackend, words: &[String]) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            r#""users"."search_words" @@ to_tsquery('simple', $1)"#,
            [word_query(backend, words)],
        ),
        _ => Expr::cust_with_values(
            r#"+"users"."rowid" IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)"#,
            [word_query(backend, words)],
        ),
    }
}

/// Restricts `select` to the people whose words begin with each of `words`, starting from the
/// word index: the GIN index on PostgreSQL, a join driven by the FTS5 table on SQLite (which
/// stops once it has as many as the select's limit, where an `IN` list is collected whole).
fn found_by_words(
    backend: DbBackend,
    mut select: Select<user::Entity>,
    words: &[String],
) -> Select<user::Entity> {
    if backend == DbBackend::Postgres {
        return select.filter(words_of_row(backend, words));
    }
    QueryTrait::query(&mut select)
        .join(
            JoinType::InnerJoin,
            Alias::new("users_search"),
            Expr::cust(r#""users_search"."rowid" = "users"."rowid""#),
        )
        .and_where(Expr::cust_with_values(
            r#""users_search" MATCH ?"#,
            [word_query(backend, words)],
        ));
    select
}

/// Whether the user holds `role`, checked row by row: right when most rows hold it. PostgreSQL
/// reads it from the row's own `role_ids` (migration 19), whose GIN index also finds the
/// holders; the role is written into the query, so each plan is made for the role it filters by.
pub(crate) fn holds_role(backend: DbBackend, role: Uuid) -> SimpleExpr {
    if backend == DbBackend::Postgres {
        return Expr::cust(format!(r#""users"."role_ids" @> '{{{role}}}'::uuid[]"#));
    }
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(user_role::Entity)
            .and_where(
                Expr::col((user_role::Entity, user_role::Column::UserId))
                    .equals((user::Entity, user::Column::Id)),
            )
            .and_where(Expr::col((user_role::Entity, user_role::Column::RoleId)).eq(role))
            .to_owned(),
    )
}

/// The filters of `query` that the users table answers itself: organisation, status, user type.
pub(crate) fn row_filters(organisation_id: Uuid, query: &UserQuery) -> Condition {
    let mut condition = Condition::all().add(user::Column::OrganisationId.eq(organisation_id));
    condition = match query.status {
        StatusFilter::Current => condition.add(user::Column::Status.ne(UserStatus::Suspended)),
        StatusFilter::All => condition,
        StatusFilter::Only(status) => condition.add(user::Column::Status.eq(status.code())),
    };
    if let Some(user_type) = query.user_type {
        condition = condition.add(user::Column::UserType.eq(user_type.code()));
    }
    if query.access_ending {
        let at = now();
        condition = condition.add(user::Column::AccessExpiresAt.gt(at)).add(
            user::Column::AccessExpiresAt.lte(at + chrono::Duration::days(ACCESS_ENDING_DAYS)),
        );
    }
    condition
}

/// The keys of the order `query` asks for, first to last, each with its direction and where
/// nulls go; the last one makes every order total.
fn sort_keys(query: &UserQuery) -> Vec<(SimpleExpr, Order, Option<NullOrdering>)> {
    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let key = |column: user::Column| Expr::col((user::Entity, column));
    let lower = |column: user::Column| Func::lower(Expr::col((user::Entity, column))).into();
    match query.sort {
        UserSort::Name => vec![
            (lower(user::Column::LastName), order.clone(), None),
            (lower(user::Column::FirstName), order.clone(), None),
            (key(user::Column::Id), order, None),
        ],
        // A replaced account keeps its address beside its successor's: the id breaks the tie.
        UserSort::Email => vec![
            (lower(user::Column::Email), order.clone(), None),
            (key(user::Column::Id), order, None),
        ],
        // Never signed in sorts as the oldest sign-in, the same on both databases.
        UserSort::LastSignIn => {
            let nulls = if query.descending {
                NullOrdering::Last
            } else {
                NullOrdering::First
            };
            vec![
                (key(user::Column::LastLoginAt), order.clone(), Some(nulls)),
                (key(user::Column::Id), order, None),
            ]
        }
        UserSort::Created => vec![
            (key(user::Column::CreatedAt), order.clone(), None),
            (key(user::Column::Id), order, None),
        ],
    }
}

/// `select` sorted by `keys`.
fn sorted_by<E: EntityTrait>(
    mut select: Select<E>,
    keys: Vec<(SimpleExpr, Order, Option<NullOrdering>)>,
) -> Select<E> {
    for (key, order, nulls) in keys {
        select = match nulls {
            Some(nulls) => select.order_by_with_nulls(key, order, nulls),
            None => select.order_by(key, order),
        };
    }
    select
}

/// `select` sorted as `query` asks.
fn sorted(select: Select<user::Entity>, query: &UserQuery) -> Select<user::Entity> {
    sorted_by(select, sort_keys(query))
}

/// The query of up to `COUNT_CAP + 1` ids of the users matching `query`, found through the most
/// selective index: the word index for a search, the role's holders for a role filter.
fn candidates(
    backend: DbBackend,
    organisation_id: Uuid,
    query: &UserQuery,
    words: &Words,
) -> Select<user::Entity> {
    let mut select = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(row_filters(organisation_id, query));
    if let Words::All(words) = words {
        select = found_by_words(backend, select, words);
    }
    match query.role {
        // The role's holders from the index of `role_ids`, on the users table itself.
        Some(role) if backend == DbBackend::Postgres => {
            select = select.filter(holds_role(backend, role));
        }
        // A join lets the database start from the role's holders when they are few.
        Some(role) => {
            let holders = user_role::Entity::belongs_to(user::Entity)
                .from(user_role::Column::UserId)
                .to(user::Column::Id)
                .into();
            select = select
                .join_rev(JoinType::InnerJoin, holders)
                .filter(user_role::Column::RoleId.eq(role));
        }
        None => {}
    }
    select.limit(COUNT_CAP + 1)
}

/// The rows at `offset..offset + limit` of the users matching `query`, and how many match,
/// counting no further than `COUNT_CAP + 1`.
///
/// The matches are first looked up through the most selective index, at most `COUNT_CAP + 1` of
/// them. When that finds them all, the page is sorted from those ids alone, wherever they sit in
/// the sort order; when more match, they are dense enough that walking the sort order's index
/// meets a page of them soon. Either way a request reads a bounded number of rows, which keeps
/// the list fast on organisations of any size.
pub(crate) async fn matching_page(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    query: &UserQuery,
    offset: u64,
    limit: u64,
    stats: Option<&UserStats>,
) -> ServiceResult<(Vec<Listed>, u64)> {
    let words = Words::of(&query.search);
    if words == Words::Nothing {
        return Ok((Vec::new(), 0));
    }
    let backend = db.get_database_backend();
    let matches = candidates(backend, organisation_id, query, &words).into_query();
    let matching = match stats.and_then(|stats| counted_by_stats(stats, query, &words)) {
        Some(matching) => matching,
        None => {
            // Counted in the database: the matches' ids never leave it (each row a driver sends
            // costs more than the database spends finding it).
            let count = Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from_subquery(matches.clone(), Alias::new("matches"))
                .to_owned();
            match db.query_one(&count).await? {
                Some(row) => u64::try_from(row.try_get_by_index::<i64>(0)?).unwrap_or_default(),
                None => 0,
            }
        }
    };
    if matching <= COUNT_CAP {
        // All of them counted: the page is sorted from their ids alone.
        let found = user::Entity::find().filter(user::Column::Id.in_subquery(matches));
        return Ok((
            sorted_page(db, found, query, offset, limit).await?,
            matching,
        ));
    }
    // More match than counted: dense enough that walking the sort order's index meets a page of
    // them soon, testing each row on the way.
    let mut walk = user::Entity::find().filter(row_filters(organisation_id, query));
    if let Some(role) = query.role {
        walk = walk.filter(holds_role(backend, role));
    }
    let Words::All(words) = &words else {
        return Ok((sorted_page(db, walk, query, offset, limit).await?, matching));
    };
    if backend != DbBackend::Postgres {
        let found = walk.filter(words_of_row(backend, words));
        return Ok((
            sorted_page(db, found, query, offset, limit).await?,
            matching,
        ));
    }
    // PostgreSQL first walks a bounded stretch of the sort order. When the matches bunch up
    // further along it (all the "Hopper"s, sorted by name) the page comes back short, and the
    // matches are then collected from the word index and sorted, which costs the same wherever
    // they sit. A full page from the stretch is the right one: the stretch is the start of the
    // sort order, so its matches are the first matches.
    let stretch = ((offset + limit) * 10).clamp(WALK_MIN, WALK_MAX);
    let start = sorted(walk.clone(), query).limit(stretch);
    let rows = page_of(db, query, start, words, offset, limit).await?;
    if rows.len() as u64 == limit {
        return Ok((rows, matching));
    }
    // `OFFSET 0` keeps the planner from merging the two steps again.
    let found = walk.filter(words_of_row(backend, words)).offset(0);
    let rows = page_of(db, query, found, &[], offset, limit).await?;
    Ok((rows, matching))
}

/// The rows at `offset..offset + limit` of `select` sorted as `query` asks.
async fn sorted_page(
    db: &impl ConnectionTrait,
    select: Select<user::Entity>,
    query: &UserQuery,
    offset: u64,
    limit: u64,
) -> ServiceResult<Vec<Listed>> {
    Ok(sorted(select, query)
        .offset(offset)
        .limit(limit)
        .into_partial_model()
        .all(db)
        .await?)
}

/// How many match `query` (capped like the database's count) when the stat cards already say: a
/// status filter alone, with no search, type or role.
fn counted_by_stats(stats: &UserStats, query: &UserQuery, words: &Words) -> Option<u64> {
    if *words != Words::Any
        || query.user_type.is_some()
        || query.role.is_some()
        || query.access_ending
    {
        return None;
    }
    let matching = match query.status {
        StatusFilter::Current => stats.active + stats.invited,
        StatusFilter::All => stats.total,
        StatusFilter::Only(UserStatus::Active) => stats.active,
        StatusFilter::Only(UserStatus::Invited) => stats.invited,
        StatusFilter::Only(UserStatus::Suspended) => stats.suspended,
    };
    Some(Ord::min(matching, COUNT_CAP + 1))
}

/// The longest stretch of the sort order PostgreSQL walks before collecting a search's matches
/// from the word index instead, and the shortest: about 0.5 µs a row.
const WALK_MIN: u64 = 2_000;
const WALK_MAX: u64 = 10_000;

/// The rows at `offset..offset + limit` of the users `rows` selects (on PostgreSQL), sorted as
/// `query` asks and, when `words` holds any, restricted to those whose stored words match.
///
/// `rows` hands on only the id, the stored words when needed and the sort keys, so what is sorted stays
/// narrow, and when it is already in that order the database reads it only as far as the page's
/// last row; the page's own rows are then read by id.
async fn page_of(
    db: &impl ConnectionTrait,
    query: &UserQuery,
    rows: Select<user::Entity>,
    words: &[String],
    offset: u64,
    limit: u64,
) -> ServiceResult<Vec<Listed>> {
    let backend = db.get_database_backend();
    let mut rows = rows.select_only().column(user::Column::Id);
    if !words.is_empty() {
        rows = rows.column_as(
            Expr::col((user::Entity, Alias::new("search_words"))),
            "search_words",
        );
    }
    let mut outer = Vec::new();
    for (i, (key, order, nulls)) in sort_keys(query).into_iter().enumerate() {
        let name = format!("sort_{i}");
        outer.push((Expr::col((user::Entity, Alias::new(&name))), order, nulls));
        rows = rows.column_as(key, name);
    }
    let mut ids = user::Entity::find().select_only().column(user::Column::Id);
    if !words.is_empty() {
        ids = ids.filter(words_of_row(backend, words));
    }
    let mut ids = sorted_by(ids, outer)
        .offset(offset)
        .limit(limit)
        .into_query();
    ids.from_clear().from_subquery(rows.into_query(), "users");
    let page = user::Entity::find().filter(user::Column::Id.in_subquery(ids));
    Ok(sorted(page, query).into_partial_model().all(db).await?)
}

/// One page of the organisation's users matching `query`, with the stat-card counts.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    query: &UserQuery,
) -> ServiceResult<UserList> {
    // Any number may arrive; only the pages of the first `COUNT_CAP` matches exist, and one past
    // the matches shows the last of them.
    let mut page = query.page.clamp(1, LAST_PAGE);
    let stats = stats(db, organisation_id).await?;
    let (mut users, matching) = matching_page(
        db,
        organisation_id,
        query,
        (page - 1) * PAGE_SIZE,
        PAGE_SIZE,
        Some(&stats),
    )
    .await?;
    let last = page_count(matching);
    if page > last {
        page = last;
        users = matching_page(
            db,
            organisation_id,
            query,
            (page - 1) * PAGE_SIZE,
            PAGE_SIZE,
            Some(&stats),
        )
        .await?
        .0;
    }
    let roles = super::roles::tags(db, organisation_id).await?;
    let held: Vec<(Uuid, Uuid)> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .column(user_role::Column::RoleId)
        .filter(user_role::Column::UserId.is_in(users.iter().map(|u| u.id)))
        .into_tuple()
        .all(db)
        .await?;
    let generated_at = now();
    let rows = users
        .into_iter()
        .map(|u| {
            let user_roles = roles
                .iter()
                .filter(|role| held.contains(&(u.id, role.id)))
                .cloned()
                .collect();
            UserRow {
                id: u.id,
                user_type: u.user_type,
                status: u.status,
                first_name: u.first_name,
                last_name: u.last_name,
                email: u.email,
                roles: user_roles,
                last_sign_in: u.last_login_at.map(|at| Moment::new(at, generated_at)),
                avatar_url: user::avatar_url(u.id, u.avatar_updated_at),
                access_until: u.access_expires_at.map(|ends| {
                    crate::model::users::short_day(
                        crate::model::account::access_day(ends),
                        crate::i18n::request_locale(),
                    )
                }),
            }
        })
        .collect();
    Ok(UserList {
        rows,
        matching,
        page,
        stats,
    })
}

/// How many people the organisation has in each status, from the counts the database keeps.
pub async fn stats(db: &impl ConnectionTrait, organisation_id: Uuid) -> ServiceResult<UserStats> {
    let counts = organisation_user_count::Entity::find()
        .filter(organisation_user_count::Column::OrganisationId.eq(organisation_id))
        .all(db)
        .await?;
    let mut stats = UserStats::default();
    for row in counts {
        let count = u64::try_from(row.users).unwrap_or(0);
        stats.total += count;
        match UserStatus::from_code(&row.status) {
            Some(UserStatus::Active) => stats.active += count,
            Some(UserStatus::Invited) => stats.invited += count,
            Some(UserStatus::Suspended) => stats.suspended += count,
            None => {}
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::Words;

    #[test]
    fn a_search_is_split_into_words_of_letters_and_digits() {
        assert_eq!(Words::of("  "), Words::Any);
        assert_eq!(Words::of("%_'"), Words::Nothing);
        assert_eq!(
            Words::of("Ada.LOVE o'Brien-Zoë 42"),
            Words::All(
                ["ada", "love", "o", "brien", "zoë"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(
            Words::of("a':* & b"),
            Words::All(vec!["a".into(), "b".into()])
        );
    }
}
