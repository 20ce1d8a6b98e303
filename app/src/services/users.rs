//! People's accounts.

use super::{now, ServiceResult};
use crate::{
    entities::{organisation_user_count, user, user_role},
    model::{
        users::{
            Moment, StatusFilter, UserList, UserQuery, UserRow, UserSort, UserStats, COUNT_CAP,
            PAGE_SIZE,
        },
        PlatformRole, UserStatus, UserType,
    },
};
use sea_orm::{
    prelude::*,
    sea_query::{Asterisk, ExprTrait, Func, LikeExpr, NullOrdering, Query},
    ActiveValue::Set,
    Condition, DbBackend, Order, QueryOrder, QuerySelect, QueryTrait, Select,
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
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// The smallest string above every string that starts with `prefix` (its last character
/// incremented), comparing bytewise as SQLite does; `None` when there is none.
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=0x10FFFF).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Escapes `%`, `_` and `\` so a search term matches literally in `LIKE … ESCAPE '\'`.
fn like_prefix(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len() + 1);
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

fn lower(column: user::Column) -> Expr {
    Expr::expr(Func::lower(Expr::col((user::Entity, column))))
}

/// The filters of `query` for organisation `organisation_id`, without paging or sorting.
fn matching(backend: DbBackend, organisation_id: Uuid, query: &UserQuery) -> Condition {
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
    if let Some(role) = query.role {
        condition = condition.add(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(user_role::Column::UserId)
                    .from(user_role::Entity)
                    .and_where(Expr::col(user_role::Column::RoleId).eq(role))
                    .to_owned(),
            ),
        );
    }
    // Every word must begin the first name, the last name or the email address. SQLite uses its
    // expression indexes only for ranges; PostgreSQL turns LIKE 'prefix%' into an index range.
    for term in query.search.to_lowercase().split_whitespace().take(5) {
        let starts = |column| match backend {
            DbBackend::Sqlite => {
                let below = Expr::expr(lower(column)).gte(term);
                match prefix_upper_bound(term) {
                    Some(bound) => below.and(Expr::expr(lower(column)).lt(bound)),
                    None => below,
                }
            }
            _ => Expr::expr(lower(column)).like(LikeExpr::new(like_prefix(term)).escape('\\')),
        };
        condition = condition.add(
            Condition::any()
                .add(starts(user::Column::FirstName))
                .add(starts(user::Column::LastName))
                .add(starts(user::Column::Email)),
        );
    }
    condition
}

/// The query of one page of users: filters, sorting, offset and limit.
pub(crate) fn page_select(
    backend: DbBackend,
    organisation_id: Uuid,
    query: &UserQuery,
) -> Select<user::Entity> {
    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let select = user::Entity::find().filter(matching(backend, organisation_id, query));
    let select = match query.sort {
        UserSort::Name => select
            .order_by(lower(user::Column::LastName), order.clone())
            .order_by(lower(user::Column::FirstName), order.clone()),
        // Unique within the organisation: no tie-breaker needed, and none keeps the index usable.
        UserSort::Email => {
            return select
                .order_by(lower(user::Column::Email), order)
                .offset((Ord::max(query.page, 1) - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
        }
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
    let page = Ord::max(query.page, 1);
    select
        .order_by(user::Column::Id, order)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
}

/// The SQL of one page of users, for the benchmark's query plans.
pub fn list_statement(backend: DbBackend, organisation_id: Uuid, query: &UserQuery) -> String {
    page_select(backend, organisation_id, query)
        .build(backend)
        .to_string()
}

/// One page of the organisation's users matching `query`, with the stat-card counts.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    query: &UserQuery,
) -> ServiceResult<UserList> {
    let backend = db.get_database_backend();
    let filter = matching(backend, organisation_id, query);
    let page = Ord::max(query.page, 1);
    let users = page_select(backend, organisation_id, query).all(db).await?;
    let matching = count_capped(db, filter).await?;
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

/// How many users match `filter`, counting no further than [`COUNT_CAP`]: beyond that a person
/// refines the search rather than pages, and the count stays cheap on huge organisations.
async fn count_capped(db: &impl ConnectionTrait, filter: Condition) -> ServiceResult<u64> {
    let limited = user::Entity::find()
        .select_only()
        .expr(Expr::val(1))
        .filter(filter)
        .limit(COUNT_CAP + 1)
        .into_query();
    let count = Query::select()
        .expr_as(Expr::col(Asterisk).count(), "count")
        .from_subquery(limited, "limited")
        .to_owned();
    let row = db.query_one(&count).await?;
    let count: i64 = match row {
        Some(row) => row.try_get("", "count")?,
        None => 0,
    };
    Ok(u64::try_from(count).unwrap_or(0))
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
    use super::{like_prefix, prefix_upper_bound};

    #[test]
    fn prefix_ranges_cover_exactly_the_prefix() {
        assert_eq!(prefix_upper_bound("gra").as_deref(), Some("grb"));
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        let upper = prefix_upper_bound("zoë").unwrap();
        for inside in ["zoë", "zoëlla", "zoë\u{10FFFF}"] {
            assert!(inside >= "zoë" && inside < upper.as_str(), "{inside}");
        }
        for outside in ["zof", "zoe", "zoì"] {
            assert!(!(outside >= "zoë" && outside < upper.as_str()), "{outside}");
        }
    }

    #[test]
    fn search_terms_match_literally() {
        assert_eq!(like_prefix("ada"), "ada%");
        assert_eq!(like_prefix("100%_a\\b"), "100\\%\\_a\\\\b%");
    }
}
