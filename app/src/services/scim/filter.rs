//! A SCIM filter (RFC 7644 §3.4.2.2, parsed by `scim_v2`) as a condition on the `users` table, so
//! the database finds the matches however many people the organisation has; and the attributes a
//! list may be sorted by.
//!
//! Strings compare as SCIM says for each attribute: case-insensitively, except `id` and
//! `externalId` (case-exact). An attribute Tenantry does not keep is an `invalidFilter` naming it.

use super::invalid_filter;
use crate::{
    entities::{team, team_member, user},
    model::UserStatus,
    msg,
    services::ServiceResult,
};
use chrono::{DateTime, Utc};
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter, ValFilter};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, Func, LikeExpr, SimpleExpr},
    Condition,
};

/// The resource a filter is about, each with its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// People (`users`).
    User,
    /// Teams (`teams`), as SCIM Groups.
    Group,
}

/// Where an attribute lives in the resource's table.
#[derive(Debug, Clone)]
enum Target {
    /// A text expression, compared ignoring case; `nullable` when it may be absent.
    Text { expr: Expr, nullable: bool },
    /// A text expression compared exactly (identifiers).
    Exact { expr: Expr, nullable: bool },
    /// The resource's id.
    Id(Expr),
    /// `active`: not suspended.
    Active,
    /// A moment (`meta.created`, `meta.lastModified`).
    Instant(Expr),
    /// A constant every element of a multi-valued attribute has (`type` is `work`, `primary` is
    /// true): Tenantry keeps one address and one number.
    Constant(&'static str),
    /// A member of a group, by the person's id.
    Member,
}

/// The target of attribute `name` (with `sub`) of a `kind`, inside multi-valued attribute
/// `parent` when the filter is a value path.
fn target(kind: Kind, parent: Option<&str>, path: &AttrPath) -> Option<Target> {
    let name = path.name.to_ascii_lowercase();
    let sub = path.sub_attr.as_deref().map(str::to_ascii_lowercase);
    let (attribute, sub) = match parent {
        Some(parent) => (parent.to_ascii_lowercase(), Some(name)),
        None => (name, sub),
    };
    let text = |expr: Expr, nullable| Some(Target::Text { expr, nullable });
    match kind {
        Kind::User => {
            use user::Column as C;
            let col = |c: C| Expr::col((user::Entity, c));
            match (attribute.as_str(), sub.as_deref()) {
                ("id", None) => Some(Target::Id(col(C::Id))),
                ("externalid", None) => Some(Target::Exact {
                    expr: col(C::ExternalId),
                    nullable: true,
                }),
                ("username", None) => text(super::user_name_expr(), false),
                ("emails", None | Some("value")) => text(col(C::Email), false),
                ("phonenumbers", None | Some("value")) => text(col(C::Phone), true),
                ("emails" | "phonenumbers", Some("type")) => Some(Target::Constant("work")),
                ("emails" | "phonenumbers", Some("primary")) => Some(Target::Constant("true")),
                ("name", Some("givenname")) => text(col(C::FirstName), false),
                ("name", Some("familyname")) => text(col(C::LastName), false),
                ("title", None) => text(col(C::Title), true),
                ("timezone", None) => text(col(C::Timezone), true),
                ("locale" | "preferredlanguage", None) => text(col(C::Locale), false),
                ("usertype", None) => text(col(C::UserType), false),
                ("active", None) => Some(Target::Active),
                ("meta", Some("created")) => Some(Target::Instant(col(C::CreatedAt))),
                ("meta", Some("lastmodified")) => Some(Target::Instant(col(C::UpdatedAt))),
                _ => None,
            }
        }
        Kind::Group => {
            use team::Column as C;
            let col = |c: C| Expr::col((team::Entity, c));
            match (attribute.as_str(), sub.as_deref()) {
                ("id", None) => Some(Target::Id(col(C::Id))),
                ("displayname", None) => text(col(C::Name), false),
                ("members", None | Some("value")) => Some(Target::Member),
                ("meta", Some("created")) => Some(Target::Instant(col(C::CreatedAt))),
                ("meta", Some("lastmodified")) => Some(Target::Instant(col(C::UpdatedAt))),
                _ => None,
            }
        }
    }
}

/// The teams with a member (`person`, when named).
fn with_member(person: Option<Uuid>) -> Condition {
    let mut members = sea_orm::sea_query::Query::select();
    members
        .column(team_member::Column::TeamId)
        .from(team_member::Entity);
    if let Some(person) = person {
        members.and_where(Expr::col(team_member::Column::UserId).eq(person));
    }
    Condition::all().add(Expr::col((team::Entity, team::Column::Id)).in_subquery(members))
}

/// An optional text attribute that holds something (neither null nor empty).
fn present(expr: Expr) -> Condition {
    Condition::all()
        .add(expr.clone().is_not_null())
        .add(expr.ne(""))
}

/// `eq` or `ne` on an identifier, `equal(id)` being the condition of `eq`: text that is no
/// identifier equals nothing. Other operators: `None`.
fn compare_id(
    op: &CompareOp,
    text: &str,
    equal: impl FnOnce(Uuid) -> Condition,
) -> Option<Condition> {
    let id = Uuid::parse_str(text).ok();
    match op {
        CompareOp::Eq => Some(id.map_or_else(|| always(false), equal)),
        CompareOp::Ne => Some(id.map_or_else(|| always(true), |id| equal(id).not())),
        _ => None,
    }
}

fn always(yes: bool) -> Condition {
    Condition::all().add(Expr::cust(if yes { "1 = 1" } else { "1 = 0" }))
}

/// `%`, `_` and the escape itself stand for themselves in a LIKE pattern.
fn like_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// The value compared with, as text: SCIM sends strings, but a directory may send `true` or a
/// number for text.
fn text_of(value: &CompValue) -> Option<String> {
    match value {
        CompValue::Str(s) => Some(s.clone()),
        CompValue::True => Some("true".into()),
        CompValue::False => Some("false".into()),
        CompValue::Number(n) => Some(n.to_string()),
        CompValue::Null => None,
    }
}

/// `op value` on a text expression `subject` (already lowered when comparing without case).
fn compare_text(subject: SimpleExpr, op: &CompareOp, value: String, nullable: bool) -> Condition {
    let like = |pattern: String| subject.clone().like(LikeExpr::new(pattern).escape('\\'));
    let cond = match op {
        CompareOp::Eq => subject.clone().eq(value),
        CompareOp::Ne => {
            let differs = subject.clone().ne(value);
            return if nullable {
                Condition::any().add(subject.is_null()).add(differs)
            } else {
                Condition::all().add(differs)
            };
        }
        CompareOp::Co => like(format!("%{}%", like_escaped(&value))),
        CompareOp::Sw => like(format!("{}%", like_escaped(&value))),
        CompareOp::Ew => like(format!("%{}", like_escaped(&value))),
        CompareOp::Gt => subject.clone().gt(value),
        CompareOp::Ge => subject.clone().gte(value),
        CompareOp::Lt => subject.clone().lt(value),
        CompareOp::Le => subject.clone().lte(value),
    };
    Condition::all().add(cond)
}

/// A comparison of a constant attribute (`type`, `primary`) with `value`.
fn compare_constant(constant: &str, op: &CompareOp, value: &str) -> bool {
    let (a, b) = (constant.to_ascii_lowercase(), value.to_ascii_lowercase());
    match op {
        CompareOp::Eq => a == b,
        CompareOp::Ne => a != b,
        CompareOp::Co => a.contains(&b),
        CompareOp::Sw => a.starts_with(&b),
        CompareOp::Ew => a.ends_with(&b),
        CompareOp::Gt => a > b,
        CompareOp::Ge => a >= b,
        CompareOp::Lt => a < b,
        CompareOp::Le => a <= b,
    }
}

/// How a filter treats an attribute the resource does not have: refused (a list of one resource
/// type), or absent (a search across types, RFC 7644 §3.4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    Refused,
    Absent,
}

fn attribute(
    kind: Kind,
    unknown: Unknown,
    parent: Option<&str>,
    expression: &AttrExp,
) -> ServiceResult<Condition> {
    let path = match expression {
        AttrExp::Present(path) | AttrExp::Comparison(path, _, _) => path,
    };
    let named = || match parent {
        Some(parent) => format!("{parent}.{path}"),
        None => path.to_string(),
    };
    let refuse = |message: crate::services::messages::Message| Err(invalid_filter(message));
    let Some(target) = target(kind, parent, path) else {
        if unknown == Unknown::Absent {
            // Only `ne` holds of what is not there.
            let ne = matches!(expression, AttrExp::Comparison(_, CompareOp::Ne, _));
            return Ok(always(ne));
        }
        return refuse(msg!(
            "msg.scim.filter.unknown_attribute",
            attribute = named()
        ));
    };
    let (op, value) = match expression {
        AttrExp::Present(_) => {
            return Ok(match target {
                Target::Text {
                    expr,
                    nullable: true,
                }
                | Target::Exact {
                    expr,
                    nullable: true,
                } => present(expr),
                // Multi-valued phone numbers exist when the number does.
                Target::Constant(_) if parent == Some("phoneNumbers") => Condition::all()
                    .add(Expr::col((user::Entity, user::Column::Phone)).is_not_null()),
                // A group has members when someone is in it.
                Target::Member => with_member(None),
                _ => always(true),
            });
        }
        AttrExp::Comparison(_, op, value) => (op, value),
    };
    let Some(text) = text_of(value) else {
        // `eq null` is "not present"; other operators never match null.
        return Ok(match (op, target) {
            (
                CompareOp::Eq,
                Target::Text {
                    expr,
                    nullable: true,
                }
                | Target::Exact {
                    expr,
                    nullable: true,
                },
            ) => present(expr).not(),
            (
                CompareOp::Ne,
                Target::Text {
                    expr,
                    nullable: true,
                }
                | Target::Exact {
                    expr,
                    nullable: true,
                },
            ) => present(expr),
            (CompareOp::Ne, _) => always(true),
            _ => always(false),
        });
    };
    Ok(match target {
        Target::Text { expr, nullable } => {
            compare_text(Func::lower(expr).into(), op, text.to_lowercase(), nullable)
        }
        Target::Exact { expr, nullable } => compare_text(expr, op, text, nullable),
        Target::Id(expr) => match compare_id(op, &text, |id| Condition::all().add(expr.eq(id))) {
            Some(condition) => condition,
            None => return refuse(msg!("msg.scim.filter.operator", attribute = named())),
        },
        Target::Member => match compare_id(op, &text, |id| with_member(Some(id))) {
            Some(condition) => condition,
            None => return refuse(msg!("msg.scim.filter.operator", attribute = named())),
        },
        Target::Active => {
            let wanted = match value {
                CompValue::True => true,
                CompValue::False => false,
                _ => return refuse(msg!("msg.scim.filter.boolean", attribute = named())),
            };
            let active = match op {
                CompareOp::Eq => wanted,
                CompareOp::Ne => !wanted,
                _ => return refuse(msg!("msg.scim.filter.operator", attribute = named())),
            };
            let status = Expr::col((user::Entity, user::Column::Status));
            Condition::all().add(if active {
                status.ne(UserStatus::Suspended.code())
            } else {
                status.eq(UserStatus::Suspended.code())
            })
        }
        Target::Instant(subject) => {
            let Ok(at) = DateTime::parse_from_rfc3339(&text).map(|t| t.with_timezone(&Utc)) else {
                return refuse(msg!("msg.scim.filter.date", attribute = named()));
            };
            Condition::all().add(match op {
                CompareOp::Eq => subject.eq(at),
                CompareOp::Ne => subject.ne(at),
                CompareOp::Gt => subject.gt(at),
                CompareOp::Ge => subject.gte(at),
                CompareOp::Lt => subject.lt(at),
                CompareOp::Le => subject.lte(at),
                _ => return refuse(msg!("msg.scim.filter.operator", attribute = named())),
            })
        }
        Target::Constant(constant) => always(compare_constant(constant, op, &text)),
    })
}

fn value_filter(
    kind: Kind,
    unknown: Unknown,
    parent: &str,
    filter: &ValFilter,
) -> ServiceResult<Condition> {
    Ok(match filter {
        ValFilter::Attr(expression) => attribute(kind, unknown, Some(parent), expression)?,
        ValFilter::Not(inner) => value_filter(kind, unknown, parent, inner)?.not(),
        ValFilter::And(items) => items
            .as_slice()
            .iter()
            .try_fold(Condition::all(), |all, f| {
                ServiceResult::Ok(all.add(value_filter(kind, unknown, parent, f)?))
            })?,
        ValFilter::Or(items) => items
            .as_slice()
            .iter()
            .try_fold(Condition::any(), |any, f| {
                ServiceResult::Ok(any.add(value_filter(kind, unknown, parent, f)?))
            })?,
    })
}

/// The condition on the table of `kind` that `filter` stands for.
pub fn condition(kind: Kind, unknown: Unknown, filter: &Filter) -> ServiceResult<Condition> {
    Ok(match filter {
        Filter::Attr(expression) => attribute(kind, unknown, None, expression)?,
        Filter::ValuePath(path) => {
            let Some(parent) = canonical_multi(kind, &path.attr.name) else {
                if unknown == Unknown::Absent {
                    return Ok(always(false));
                }
                return Err(invalid_filter(msg!(
                    "msg.scim.filter.unknown_attribute",
                    attribute = path.attr.name.clone()
                )));
            };
            value_filter(kind, unknown, parent, &path.filter)?
        }
        Filter::Not(inner) => condition(kind, unknown, inner)?.not(),
        Filter::And(items) => items
            .as_slice()
            .iter()
            .try_fold(Condition::all(), |all, f| {
                ServiceResult::Ok(all.add(condition(kind, unknown, f)?))
            })?,
        Filter::Or(items) => items
            .as_slice()
            .iter()
            .try_fold(Condition::any(), |any, f| {
                ServiceResult::Ok(any.add(condition(kind, unknown, f)?))
            })?,
    })
}

/// The multi-valued attributes of `kind` a value path may name, as they are spelt.
fn canonical_multi(kind: Kind, name: &str) -> Option<&'static str> {
    let multi: &[&'static str] = match kind {
        Kind::User => &["emails", "phoneNumbers"],
        Kind::Group => &["members"],
    };
    multi.iter().copied().find(|m| m.eq_ignore_ascii_case(name))
}

/// What a list is sorted by for `sortBy` (RFC 7644 §3.4.2.3); `None` when Tenantry cannot sort
/// by it (the list then keeps its own order, as the RFC allows).
pub fn sort_key(kind: Kind, sort_by: &str) -> Option<SimpleExpr> {
    let path: AttrPath = match format!("{sort_by} pr").parse::<Filter>() {
        Ok(Filter::Attr(AttrExp::Present(path))) => path,
        _ => return None,
    };
    Some(match target(kind, None, &path)? {
        Target::Text { expr, .. } => Func::lower(expr).into(),
        Target::Exact { expr, .. } | Target::Instant(expr) | Target::Id(expr) => expr,
        Target::Active => Expr::col((user::Entity, user::Column::Status)),
        Target::Constant(_) | Target::Member => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    fn sql(filter: &str) -> String {
        let filter: Filter = filter.parse().unwrap();
        user::Entity::find()
            .filter(condition(Kind::User, Unknown::Refused, &filter).unwrap())
            .build(DbBackend::Sqlite)
            .to_string()
    }

    #[test]
    fn filters_become_conditions_on_the_columns() {
        assert!(sql(r#"userName eq "Bjensen@Example.com""#).contains(
            "LOWER(COALESCE(\"users\".\"user_name\", \"users\".\"email\")) = 'bjensen@example.com'"
        ));
        assert!(sql(r#"name.familyName co "O'Ma_l""#).contains("LIKE '%o''ma\\_l%' ESCAPE '\\'"));
        assert!(sql(r#"externalId sw "AB""#).contains("\"external_id\" LIKE 'AB%'"));
        assert!(sql(r#"active eq false"#).contains("\"status\" = 'suspended'"));
        assert!(sql(r#"emails[type eq "work" and value ew "@example.com"]"#)
            .contains("LIKE '%@example.com'"));
        assert!(sql(r#"emails[type eq "home"]"#).contains("1 = 0"));
        assert!(sql(r#"title pr"#).contains("\"title\" IS NOT NULL"));
        assert!(sql(r#"meta.lastModified gt "2026-01-01T00:00:00Z""#).contains("\"updated_at\" >"));
        assert!(
            sql(r#"not (userName eq "a") or (title eq "b" and locale eq "fr")"#).contains("NOT")
        );
    }

    #[test]
    fn unknown_attributes_and_wrong_values_are_named() {
        for bad in [
            r#"nickName eq "x""#,
            r#"active gt true"#,
            r#"meta.lastModified gt "yesterday""#,
            r#"addresses[type eq "work"]"#,
        ] {
            let filter: Filter = bad.parse().unwrap();
            assert!(
                condition(Kind::User, Unknown::Refused, &filter).is_err(),
                "{bad}"
            );
            assert!(
                condition(Kind::User, Unknown::Absent, &filter).is_ok()
                    || !bad.contains("nickName"),
                "{bad}"
            );
        }
        assert!(sort_key(Kind::User, "name.familyName").is_some());
        assert!(sort_key(Kind::User, "meta.lastModified").is_some());
        assert!(sort_key(Kind::User, "emails.type").is_none());
    }
}
