//! A SCIM filter (RFC 7644 §3.4.2.2, parsed by `scim_v2`) as a condition on the `users` table, so
//! the database finds the matches however many people the organisation has; and the attributes a
//! list may be sorted by.
//!
//! Strings compare as SCIM says for each attribute: case-insensitively, except `id` and
//! `externalId` (case-exact). An attribute Tenantry does not keep is an `invalidFilter` naming it.

use super::invalid_filter;
use crate::{entities::user, model::UserStatus, msg, services::ServiceResult};
use chrono::{DateTime, Utc};
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter, ValFilter};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, Func, LikeExpr, SimpleExpr},
    Condition,
};

/// Where an attribute lives in the `users` table.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// A text column, compared ignoring case.
    Text(user::Column),
    /// A text column compared exactly (identifiers).
    Exact(user::Column),
    /// The account's id.
    Id,
    /// `userName`: the directory's name for the person, else their address.
    UserName,
    /// `active`: not suspended.
    Active,
    /// A moment (`meta.created`, `meta.lastModified`).
    Instant(user::Column),
    /// A constant every element of a multi-valued attribute has (`type` is `work`, `primary` is
    /// true): Tenantry keeps one address and one number.
    Constant(&'static str),
}

/// The target of attribute `name` (with `sub`), inside multi-valued attribute `parent` when the
/// filter is a value path.
fn target(parent: Option<&str>, path: &AttrPath) -> Option<Target> {
    let name = path.name.to_ascii_lowercase();
    let sub = path.sub_attr.as_deref().map(str::to_ascii_lowercase);
    let (attribute, sub) = match parent {
        Some(parent) => (parent.to_ascii_lowercase(), Some(name)),
        None => (name, sub),
    };
    use user::Column as C;
    Some(match (attribute.as_str(), sub.as_deref()) {
        ("id", None) => Target::Id,
        ("externalid", None) => Target::Exact(C::ExternalId),
        ("username", None) => Target::UserName,
        ("emails", None | Some("value")) => Target::Text(C::Email),
        ("phonenumbers", None | Some("value")) => Target::Text(C::Phone),
        ("emails" | "phonenumbers", Some("type")) => Target::Constant("work"),
        ("emails" | "phonenumbers", Some("primary")) => Target::Constant("true"),
        ("name", Some("givenname")) => Target::Text(C::FirstName),
        ("name", Some("familyname")) => Target::Text(C::LastName),
        ("title", None) => Target::Text(C::Title),
        ("timezone", None) => Target::Text(C::Timezone),
        ("locale" | "preferredlanguage", None) => Target::Text(C::Locale),
        ("usertype", None) => Target::Text(C::UserType),
        ("active", None) => Target::Active,
        ("meta", Some("created")) => Target::Instant(C::CreatedAt),
        ("meta", Some("lastmodified")) => Target::Instant(C::UpdatedAt),
        _ => return None,
    })
}

fn always(yes: bool) -> Condition {
    Condition::all().add(Expr::cust(if yes { "1 = 1" } else { "1 = 0" }))
}

fn column(c: user::Column) -> Expr {
    Expr::col((user::Entity, c))
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

fn attribute(parent: Option<&str>, expression: &AttrExp) -> ServiceResult<Condition> {
    let path = match expression {
        AttrExp::Present(path) | AttrExp::Comparison(path, _, _) => path,
    };
    let named = || match parent {
        Some(parent) => format!("{parent}.{path}"),
        None => path.to_string(),
    };
    let Some(target) = target(parent, path) else {
        return Err(invalid_filter(msg!(
            "msg.scim.filter.unknown_attribute",
            attribute = named()
        )));
    };
    // Every account has an address and an id; these columns may be empty.
    let nullable = |c: user::Column| {
        matches!(
            c,
            user::Column::Phone
                | user::Column::Title
                | user::Column::Timezone
                | user::Column::ExternalId
        )
    };
    let (op, value) = match expression {
        AttrExp::Present(_) => {
            return Ok(match target {
                Target::Text(c) | Target::Exact(c) if nullable(c) => Condition::all()
                    .add(column(c).is_not_null())
                    .add(column(c).ne("")),
                // Multi-valued phone numbers exist when the number does.
                Target::Constant(_) if parent == Some("phoneNumbers") => {
                    Condition::all().add(column(user::Column::Phone).is_not_null())
                }
                _ => always(true),
            });
        }
        AttrExp::Comparison(_, op, value) => (op, value),
    };
    let Some(text) = text_of(value) else {
        // `eq null` is "not present"; other operators never match null.
        return Ok(match (op, target) {
            (CompareOp::Eq, Target::Text(c) | Target::Exact(c)) if nullable(c) => Condition::any()
                .add(column(c).is_null())
                .add(column(c).eq("")),
            (CompareOp::Ne, Target::Text(c) | Target::Exact(c)) if nullable(c) => Condition::all()
                .add(column(c).is_not_null())
                .add(column(c).ne("")),
            (CompareOp::Ne, _) => always(true),
            _ => always(false),
        });
    };
    Ok(match target {
        Target::Text(c) => compare_text(
            Func::lower(column(c)).into(),
            op,
            text.to_lowercase(),
            nullable(c),
        ),
        Target::Exact(c) => compare_text(column(c), op, text, nullable(c)),
        Target::UserName => compare_text(super::user_name_expr(), op, text.to_lowercase(), false),
        Target::Id => match (op, Uuid::parse_str(&text)) {
            (CompareOp::Eq, Ok(id)) => Condition::all().add(column(user::Column::Id).eq(id)),
            (CompareOp::Ne, Ok(id)) => Condition::all().add(column(user::Column::Id).ne(id)),
            (CompareOp::Eq, Err(_)) => always(false),
            (CompareOp::Ne, Err(_)) => always(true),
            _ => {
                return Err(invalid_filter(msg!(
                    "msg.scim.filter.operator",
                    attribute = named()
                )))
            }
        },
        Target::Active => {
            let wanted = match value {
                CompValue::True => true,
                CompValue::False => false,
                _ => {
                    return Err(invalid_filter(msg!(
                        "msg.scim.filter.boolean",
                        attribute = named()
                    )))
                }
            };
            let active = match op {
                CompareOp::Eq => wanted,
                CompareOp::Ne => !wanted,
                _ => {
                    return Err(invalid_filter(msg!(
                        "msg.scim.filter.operator",
                        attribute = named()
                    )))
                }
            };
            let status = column(user::Column::Status);
            Condition::all().add(if active {
                status.ne(UserStatus::Suspended.code())
            } else {
                status.eq(UserStatus::Suspended.code())
            })
        }
        Target::Instant(c) => {
            let Ok(at) = DateTime::parse_from_rfc3339(&text).map(|t| t.with_timezone(&Utc)) else {
                return Err(invalid_filter(msg!(
                    "msg.scim.filter.date",
                    attribute = named()
                )));
            };
            let subject = column(c);
            Condition::all().add(match op {
                CompareOp::Eq => subject.eq(at),
                CompareOp::Ne => subject.ne(at),
                CompareOp::Gt => subject.gt(at),
                CompareOp::Ge => subject.gte(at),
                CompareOp::Lt => subject.lt(at),
                CompareOp::Le => subject.lte(at),
                _ => {
                    return Err(invalid_filter(msg!(
                        "msg.scim.filter.operator",
                        attribute = named()
                    )))
                }
            })
        }
        Target::Constant(constant) => always(compare_constant(constant, op, &text)),
    })
}

fn value_filter(parent: &str, filter: &ValFilter) -> ServiceResult<Condition> {
    Ok(match filter {
        ValFilter::Attr(expression) => attribute(Some(parent), expression)?,
        ValFilter::Not(inner) => value_filter(parent, inner)?.not(),
        ValFilter::And(items) => items
            .as_slice()
            .iter()
            .try_fold(Condition::all(), |all, f| {
                ServiceResult::Ok(all.add(value_filter(parent, f)?))
            })?,
        ValFilter::Or(items) => items
            .as_slice()
            .iter()
            .try_fold(Condition::any(), |any, f| {
                ServiceResult::Ok(any.add(value_filter(parent, f)?))
            })?,
    })
}

/// The condition on `users` that `filter` stands for.
pub fn condition(filter: &Filter) -> ServiceResult<Condition> {
    Ok(match filter {
        Filter::Attr(expression) => attribute(None, expression)?,
        Filter::ValuePath(path) => {
            let parent = canonical_multi(&path.attr.name).ok_or_else(|| {
                invalid_filter(msg!(
                    "msg.scim.filter.unknown_attribute",
                    attribute = path.attr.name.clone()
                ))
            })?;
            value_filter(parent, &path.filter)?
        }
        Filter::Not(inner) => condition(inner)?.not(),
        Filter::And(items) => items
            .as_slice()
            .iter()
            .try_fold(Condition::all(), |all, f| {
                ServiceResult::Ok(all.add(condition(f)?))
            })?,
        Filter::Or(items) => items
            .as_slice()
            .iter()
            .try_fold(Condition::any(), |any, f| {
                ServiceResult::Ok(any.add(condition(f)?))
            })?,
    })
}

/// The multi-valued attributes a value path may name, as they are spelt.
fn canonical_multi(name: &str) -> Option<&'static str> {
    ["emails", "phoneNumbers"]
        .into_iter()
        .find(|m| m.eq_ignore_ascii_case(name))
}

/// What a list is sorted by for `sortBy` (RFC 7644 §3.4.2.3); `None` when Tenantry cannot sort
/// by it (the list then keeps its own order, as the RFC allows).
pub fn sort_key(sort_by: &str) -> Option<SimpleExpr> {
    let path: AttrPath = match format!("{sort_by} pr").parse::<Filter>() {
        Ok(Filter::Attr(AttrExp::Present(path))) => path,
        _ => return None,
    };
    Some(match target(None, &path)? {
        Target::Text(c) => Func::lower(column(c)).into(),
        Target::Exact(c) | Target::Instant(c) => column(c),
        Target::Id => column(user::Column::Id),
        Target::UserName => super::user_name_expr(),
        Target::Active => column(user::Column::Status),
        Target::Constant(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    fn sql(filter: &str) -> String {
        let filter: Filter = filter.parse().unwrap();
        user::Entity::find()
            .filter(condition(&filter).unwrap())
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
            assert!(condition(&filter).is_err(), "{bad}");
        }
        assert!(sort_key("name.familyName").is_some());
        assert!(sort_key("meta.lastModified").is_some());
        assert!(sort_key("emails.type").is_none());
    }
}
