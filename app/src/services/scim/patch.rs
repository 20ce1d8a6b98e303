//! SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: the patched resource then goes the
//! way of a PUT, so both are checked and saved alike. Paths and value paths
//! (`emails[type eq "work"].value`) are parsed by `scim_v2`.

use super::{invalid_path, no_target, read_only};
use crate::services::ServiceResult;
use scim_v2::{
    filter::{AttrExp, AttrPath, CompValue, CompareOp, PatchPath, ValFilter},
    models::others::{OperationTarget, PatchOperation},
};
use serde_json::{Map, Value};

/// What a PATCH of one kind of resource may name.
pub struct Shape {
    /// The attributes of its schema a path may name (Tenantry keeps some of them; the others are
    /// accepted and not kept).
    attributes: &'static [&'static str],
    /// What Tenantry works out or decides itself: a PATCH may not change it (RFC 7644 §3.5.2,
    /// `mutability`). A PUT that sends it is not refused: its values are ignored.
    read_only: &'static [&'static str],
    /// The schemas whose attributes a path may carry as its prefix: its own first, then
    /// extensions (accepted, not kept).
    schemas: &'static [&'static str],
}

/// A User (RFC 7643 §4.1).
pub const USER: Shape = Shape {
    attributes: USER_ATTRIBUTES,
    read_only: &["id", "meta", "displayName", "userType", "groups"],
    schemas: &[
        super::SCHEMA_USER,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
};

/// A Group (RFC 7643 §4.2): a team.
pub const GROUP: Shape = Shape {
    attributes: &["displayName", "members", "externalId"],
    read_only: &["id", "meta"],
    schemas: &[super::SCHEMA_GROUP],
};

const USER_ATTRIBUTES: &[&str] = &[
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "externalId",
];

/// Where `path` points in the resource: the attribute's name as the resource spells it, or
/// `None` for an attribute of an extension (accepted, not kept).
fn attribute_name(shape: &Shape, path: &AttrPath) -> ServiceResult<Option<&'static str>> {
    if let Some(uri) = &path.uri {
        match shape
            .schemas
            .iter()
            .position(|s| s.eq_ignore_ascii_case(uri))
        {
            Some(0) => {}
            Some(_) => return Ok(None),
            None => return Err(invalid_path(&path.to_string())),
        }
    }
    if let Some(fixed) = shape
        .read_only
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&path.name))
    {
        return Err(read_only(fixed));
    }
    shape
        .attributes
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&path.name))
        .map(|a| Some(*a))
        .ok_or_else(|| invalid_path(&path.to_string()))
}

/// The key of `object` spelt like `name` ignoring case, if any.
fn key_of(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

fn set(object: &mut Map<String, Value>, name: &str, value: Value) {
    let key = key_of(object, name).unwrap_or_else(|| name.to_string());
    object.insert(key, value);
}

/// Whether element `item` of a multi-valued attribute matches `filter`.
fn matches(item: &Value, filter: &ValFilter) -> bool {
    match filter {
        ValFilter::Attr(AttrExp::Present(path)) => {
            field(item, path).is_some_and(|v| !v.is_null() && v != &Value::String(String::new()))
        }
        ValFilter::Attr(AttrExp::Comparison(path, op, wanted)) => {
            let Some(value) = field(item, path) else {
                return matches!(op, CompareOp::Ne);
            };
            compare(value, op, wanted)
        }
        ValFilter::Not(inner) => !matches(item, inner),
        ValFilter::And(items) => items.as_slice().iter().all(|f| matches(item, f)),
        ValFilter::Or(items) => items.as_slice().iter().any(|f| matches(item, f)),
    }
}

fn field<'v>(item: &'v Value, path: &AttrPath) -> Option<&'v Value> {
    let object = item.as_object()?;
    object.get(&key_of(object, &path.name)?)
}

fn compare(value: &Value, op: &CompareOp, wanted: &CompValue) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let wanted = match wanted {
        CompValue::Str(s) => s.to_lowercase(),
        CompValue::True => "true".into(),
        CompValue::False => "false".into(),
        CompValue::Number(n) => n.to_string(),
        CompValue::Null => return matches!(op, CompareOp::Eq) && value.is_null(),
    };
    let Some(have) = text(value) else {
        return matches!(op, CompareOp::Ne);
    };
    match op {
        CompareOp::Eq => have == wanted,
        CompareOp::Ne => have != wanted,
        CompareOp::Co => have.contains(&wanted),
        CompareOp::Sw => have.starts_with(&wanted),
        CompareOp::Ew => have.ends_with(&wanted),
        CompareOp::Gt => have > wanted,
        CompareOp::Ge => have >= wanted,
        CompareOp::Lt => have < wanted,
        CompareOp::Le => have <= wanted,
    }
}

/// Sets `value` at `path` of `resource`: `add` appends to a multi-valued attribute and merges
/// into a complex one; `replace` puts it in place.
fn put(
    shape: &Shape,
    resource: &mut Map<String, Value>,
    path: &PatchPath,
    value: Value,
    add: bool,
) -> ServiceResult<()> {
    match path {
        PatchPath::Attr(path) => {
            let Some(name) = attribute_name(shape, path)? else {
                return Ok(());
            };
            let key = key_of(resource, name).unwrap_or_else(|| name.to_string());
            match &path.sub_attr {
                Some(sub) => {
                    let entry = resource
                        .entry(key)
                        .or_insert_with(|| Value::Object(Map::new()));
                    let Value::Object(inner) = entry else {
                        return Err(invalid_path(&path.to_string()));
                    };
                    set(inner, sub, value);
                }
                None => {
                    let merged = match (resource.remove(&key), value, add) {
                        (Some(Value::Array(mut old)), Value::Array(new), true) => {
                            old.extend(new);
                            Value::Array(old)
                        }
                        (Some(Value::Object(mut old)), Value::Object(new), _) => {
                            for (k, v) in new {
                                set(&mut old, &k, v);
                            }
                            Value::Object(old)
                        }
                        (_, value, _) => value,
                    };
                    resource.insert(key, merged);
                }
            }
        }
        PatchPath::Value(path) => {
            let target = path.attr.to_string();
            let Some(name) = attribute_name(shape, &path.attr)? else {
                return Ok(());
            };
            let Some(Value::Array(items)) = resource.get_mut(name) else {
                return Err(no_target(&target));
            };
            let mut found = false;
            for item in items.iter_mut().filter(|item| matches(item, &path.filter)) {
                found = true;
                match (&path.sub_attr, item) {
                    (Some(sub), Value::Object(object)) => set(object, sub, value.clone()),
                    (None, Value::Object(object)) => match &value {
                        Value::Object(new) => {
                            for (k, v) in new {
                                set(object, k, v.clone());
                            }
                        }
                        _ => return Err(invalid_path(&target)),
                    },
                    _ => return Err(invalid_path(&target)),
                }
            }
            if !found {
                return Err(no_target(&target));
            }
        }
    }
    Ok(())
}

/// Removes what `path` names; `value`, for a whole multi-valued attribute, names which of its
/// values go (`{"op": "remove", "path": "members", "value": [{"value": "…"}]}`).
fn remove(
    shape: &Shape,
    resource: &mut Map<String, Value>,
    path: &PatchPath,
    value: Option<&Value>,
) -> ServiceResult<()> {
    match path {
        PatchPath::Attr(path) => {
            let Some(name) = attribute_name(shape, path)? else {
                return Ok(());
            };
            let Some(key) = key_of(resource, name) else {
                return Ok(());
            };
            match &path.sub_attr {
                Some(sub) => {
                    if let Some(Value::Object(inner)) = resource.get_mut(&key) {
                        if let Some(k) = key_of(inner, sub) {
                            inner.remove(&k);
                        }
                    }
                }
                None => match (resource.get_mut(&key), value) {
                    (Some(Value::Array(items)), Some(Value::Array(gone))) => {
                        let gone: Vec<&Value> =
                            gone.iter().filter_map(|g| g.get("value")).collect();
                        items.retain(|i| i.get("value").is_none_or(|v| !gone.contains(&v)));
                    }
                    _ => {
                        resource.remove(&key);
                    }
                },
            }
        }
        PatchPath::Value(path) => {
            let Some(name) = attribute_name(shape, &path.attr)? else {
                return Ok(());
            };
            if let Some(Value::Array(items)) = resource.get_mut(name) {
                match &path.sub_attr {
                    Some(sub) => {
                        for item in items.iter_mut().filter(|i| matches(i, &path.filter)) {
                            if let Value::Object(object) = item {
                                if let Some(k) = key_of(object, sub) {
                                    object.remove(&k);
                                }
                            }
                        }
                    }
                    None => items.retain(|i| !matches(i, &path.filter)),
                }
            }
        }
    }
    Ok(())
}

/// `resource` (of `shape`) with `operations` applied in order; the first that cannot be is
/// refused, naming its path.
pub fn apply(
    shape: &Shape,
    mut resource: Value,
    operations: &[PatchOperation],
) -> ServiceResult<Value> {
    let Value::Object(object) = &mut resource else {
        return Ok(resource);
    };
    for operation in operations {
        match operation {
            PatchOperation::Add(target) | PatchOperation::Replace(target) => {
                let add = matches!(operation, PatchOperation::Add(_));
                match target {
                    OperationTarget::WithPath { path, value } => {
                        put(
                            shape,
                            object,
                            path,
                            value.clone().unwrap_or(Value::Null),
                            add,
                        )?;
                    }
                    OperationTarget::WithoutPath { value } => {
                        for (name, value) in value {
                            // An extension's attributes come as one object under its URI.
                            if shape.schemas[1..]
                                .iter()
                                .any(|s| s.eq_ignore_ascii_case(name))
                            {
                                continue;
                            }
                            let path: PatchPath = name.parse().map_err(|_| invalid_path(name))?;
                            put(shape, object, &path, value.clone(), add)?;
                        }
                    }
                }
            }
            PatchOperation::Remove { path, value } => remove(shape, object, path, value.as_ref())?,
        }
    }
    Ok(resource)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patched(operations: Value) -> ServiceResult<Value> {
        let ops: Vec<PatchOperation> = serde_json::from_value(operations).unwrap();
        apply(
            &USER,
            json!({
                "userName": "b@example.com",
                "name": { "givenName": "Barbara", "familyName": "Jensen" },
                "emails": [{ "value": "b@example.com", "type": "work", "primary": true }],
                "active": true,
            }),
            &ops,
        )
    }

    #[test]
    fn operations_change_the_resource_they_name() {
        let out = patched(json!([
            { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "n@example.com" },
            { "op": "Replace", "value": { "active": false, "name.familyName": "Doe" } },
            { "op": "add", "path": "title", "value": "Guide" },
            { "op": "remove", "path": "name.givenName" },
            { "op": "add", "value": { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "X" } } },
        ]))
        .unwrap();
        assert_eq!(out["emails"][0]["value"], "n@example.com");
        assert_eq!(out["active"], false);
        assert_eq!(out["name"]["familyName"], "Doe");
        assert_eq!(out["title"], "Guide");
        assert!(out["name"].get("givenName").is_none());
    }

    #[test]
    fn a_path_that_leads_nowhere_is_refused() {
        assert!(patched(
            json!([{ "op": "replace", "path": "emails[type eq \"home\"].value", "value": "x" }])
        )
        .is_err());
        assert!(patched(json!([{ "op": "replace", "path": "shoeSize", "value": 44 }])).is_err());
        assert!(patched(json!([{ "op": "replace", "path": "userType", "value": "x" }])).is_err());
        assert!(patched(json!([{ "op": "remove", "path": "meta.version" }])).is_err());
    }
}
