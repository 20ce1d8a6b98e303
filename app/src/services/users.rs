//! People's accounts.

use super::{now, ServiceResult};
use crate::{
    entities::{organisation_user_count, user, user_role},
    model::{
        users::{
            page_count, Moment, StatusFilter, UserList, UserQuery, UserRow, UserSort, UserStats,
            COUNT_CAP, LAST_PAGE, PAGE_SIZE,
        },
        PlatformRole, UserStatus, UserType,
    },
};
use sea_orm::{
    prelude::*,
    sea_query::{Alias, ExprTrait, Func, NullOrdering, Query, SimpleExpr},
    ActiveValue::Set,
    Condition, DbBackend, JoinType, Order, QueryOrder, QuerySelect, QueryTrait, Select,
};

/// What a new account starts with; everything else takes its default.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub organisation_id: Uuid,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub user_type: UserType,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub platform_role: PlatformRole,
}

impl NewUser<'_> {
    /// The row to insert.
    pub fn into_active_model(self) -> user::ActiveModel {
        let now = now();
        user::ActiveModel {
            id: Set(Uuid::new_v4()),
            organisation_id: Set(self.organisation_id),
            email: Set(self.email.trim().to_string()),
            first_name: Set(self.first_name.trim().to_string()),
            last_name: Set(self.last_name.trim().to_string()),
            phone: Set(None),
            external_id: Set(None),
            timezone: Set(None),
            locale: Set("en".to_string()),
            theme: Set("system".to_string()),
            signature: Set(None),
            notification_prefs: Set(None),
            user_type: Set(self.user_type.code().to_string()),
            status: Set(self.status.code().to_string()),
            password_hash: Set(self.password_hash),
            must_change_password: Set(self.must_change_password),
            platform_role: Set(self.platform_role.code().to_string()),
            access_expires_at: Set(None),
            last_login_at: Set(None),
            avatar_updated_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// The PostgreSQL expression of a user's searchable words. The GIN index `users_search` (migration
/// 6) is built on exactly this text, which the planner needs to recognise it.
pub const SEARCH_DOCUMENT: &str = "to_tsvector('simple'::regconfig, translate(lower(first_name || ' ' || last_name || ' ' || email), '.@-_+''', '      '))";

/// What a search box holds, as the search index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Words {
    /// Nothing typed: no condition.
    Any,
    /// Only punctuation typed: nobody matches.
    Nothing,
    /// Every word (letters and digits, lower case) must begin a word of the person's first name,
    /// last name or email address.
    All(Vec<String>),
}

impl Words {
    fn of(search: &str) -> Self {
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

/// The people whose words begin with each of `words`, answered by the word index: FTS5 on
/// SQLite, GIN on PostgreSQL.
fn word_condition(backend: DbBackend, words: &[String]) -> SimpleExpr {
    // Words are letters and digits only, so they need no escaping in either query language.
    let each = |prefix: fn(&String) -> String, and: &str| {
        words.iter().map(prefix).collect::<Vec<_>>().join(and)
    };
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            format!("{SEARCH_DOCUMENT} @@ to_tsquery('simple', $1)"),
            [each(|word| format!("'{word}':*"), " & ")],
        ),
        _ => Expr::cust_with_values(
            r#""users"."rowid" IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)"#,
            [each(|word| format!("\"{word}\"*"), " AND ")],
        ),
    }
}

/// Whether the user holds `role`, checked row by row: right when most rows hold it.
fn holds_role(role: Uuid) -> SimpleExpr {
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
fn row_filters(organisation_id: Uuid, query: &UserQuery) -> Condition {
    let mut condition = Condition::all().add(user::Column::OrganisationId.eq(organisation_id));
    condition = match query.status {
        StatusFilter::Current => {
            condition.add(user::Column::Status.ne(UserStatus::Suspended.code()))
        }
        StatusFilter::All => condition,
        StatusFilter::Only(status) => condition.add(user::Column::Status.eq(status.code())),
    };
    if let Some(user_type) = query.user_type {
        condition = condition.add(user::Column::UserType.eq(user_type.code()));
    }
    condition
}

/// `select` sorted as `query` asks, with a tie-breaker so every order is total.
fn sorted(select: Select<user::Entity>, query: &UserQuery) -> Select<user::Entity> {
    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let select = match query.sort {
        UserSort::Name => select
            .order_by(lower(user::Column::LastName), order.clone())
            .order_by(lower(user::Column::FirstName), order.clone()),
        // Unique within the organisation: no tie-breaker needed, and none keeps the index usable.
        UserSort::Email => return select.order_by(lower(user::Column::Email), order),
        // Never signed in sorts as the oldest sign-in, the same on both databases.
        UserSort::LastSignIn => {
            let nulls = if query.descending {
                NullOrdering::Last
            } else {
                NullOrdering::First
            };
            select.order_by_with_nulls(user::Column::LastLoginAt, order.clone(), nulls)
        }
        UserSort::Created => select.order_by(user::Column::CreatedAt, order.clone()),
    };
    select.order_by(user::Column::Id, order)
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
        select = select.filter(word_condition(backend, words));
    }
    if let Some(role) = query.role {
        // A join lets the database start from the role's holders when they are few.
        let holders = user_role::Entity::belongs_to(user::Entity)
            .from(user_role::Column::UserId)
            .to(user::Column::Id)
            .into();
        select = select
            .join_rev(JoinType::InnerJoin, holders)
            .filter(user_role::Column::RoleId.eq(role));
    }
    select.limit(COUNT_CAP + 1)
}

/// The SQL that finds the users matching `query`, for the benchmark's query plans.
pub fn candidates_statement(
    backend: DbBackend,
    organisation_id: Uuid,
    query: &UserQuery,
) -> String {
    candidates(backend, organisation_id, query, &Words::of(&query.search))
        .build(backend)
        .to_string()
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
) -> ServiceResult<(Vec<user::Model>, u64)> {
    let words = Words::of(&query.search);
    if words == Words::Nothing {
        return Ok((Vec::new(), 0));
    }
    let backend = db.get_database_backend();
    // Counted in the database: the matches' ids never leave it (each row a driver sends costs
    // more than the database spends finding it).
    let matches = candidates(backend, organisation_id, query, &words).into_query();
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(matches.clone(), Alias::new("matches"))
        .to_owned();
    let matching = match db.query_one(&count).await? {
        Some(row) => u64::try_from(row.try_get_by_index::<i64>(0)?).unwrap_or_default(),
        None => 0,
    };
    let dense = matching > COUNT_CAP;
    let select = if dense {
        let mut select = user::Entity::find().filter(row_filters(organisation_id, query));
        if let Some(role) = query.role {
            select = select.filter(holds_role(role));
        }
        if let Words::All(words) = &words {
            select = select.filter(word_condition(backend, words));
        }
        select
    } else {
        user::Entity::find().filter(user::Column::Id.in_subquery(matches))
    };
    let rows = if dense && backend == DbBackend::Postgres && matches!(words, Words::All(_)) {
        // PostgreSQL would walk the sort order's index and test each row's words, slow when the
        // matches bunch up far along it (all the "Hopper"s); collecting the matches from the
        // word index and sorting them costs the same wherever they are. `OFFSET 0` keeps the
        // planner from merging the two steps again.
        let mut page = sorted(user::Entity::find(), query)
            .offset(offset)
            .limit(limit)
            .into_query();
        page.from_clear()
            .from_subquery(select.offset(0).into_query(), "users");
        user::Entity::find()
            .from_raw_sql(backend.build(&page))
            .all(db)
            .await?
    } else {
        sorted(select, query)
            .offset(offset)
            .limit(limit)
            .all(db)
            .await?
    };
    Ok((rows, matching))
}

fn lower(column: user::Column) -> Expr {
    Expr::expr(Func::lower(Expr::col((user::Entity, column))))
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
    let (mut users, matching) = matching_page(
        db,
        organisation_id,
        query,
        (page - 1) * PAGE_SIZE,
        PAGE_SIZE,
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
        )
        .await?
        .0;
    }
    let stats = stats(db, organisation_id).await?;
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
                user_type: UserType::from_code(&u.user_type).unwrap_or(UserType::Viewer),
                status: UserStatus::from_code(&u.status).unwrap_or(UserStatus::Suspended),
                first_name: u.first_name,
                last_name: u.last_name,
                email: u.email,
                roles: user_roles,
                last_sign_in: u.last_login_at.map(|at| Moment::new(at, generated_at)),
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
