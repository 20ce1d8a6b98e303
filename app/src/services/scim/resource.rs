//! An account as a SCIM 2.0 User resource (RFC 7643 §4.1), and what a directory's User body asks
//! an account to be.
//!
//! Tenantry keeps one address per account, which `emails` shows once (`work`), and the
//! name the directory knows the person by (`userName`), which is the address unless the
//! directory gave another.

use super::{invalid, SCHEMA_USER};
use crate::{
    entities::user,
    i18n::Locale,
    model::UserStatus,
    msg,
    services::{messages::Refusal, ServiceResult},
};
use serde_json::{json, Map, Value};

/// The resource of `user`, with its address under `base` (the server's public URL).
pub fn to_json(user: &user::Model, base: &str) -> Value {
    let mut resource = Map::new();
    resource.insert("schemas".into(), json!([SCHEMA_USER]));
    resource.insert("id".into(), json!(user.id));
    if let Some(external) = &user.external_id {
        resource.insert("externalId".into(), json!(external));
    }
    resource.insert(
        "userName".into(),
        json!(user.user_name.as_deref().unwrap_or(&user.email)),
    );
    resource.insert(
        "name".into(),
        json!({ "givenName": user.first_name, "familyName": user.last_name }),
    );
    resource.insert("displayName".into(), json!(user.display_name()));
    resource.insert(
        "emails".into(),
        json!([{ "value": user.email, "type": "work" }]),
    );
    if let Some(phone) = &user.phone {
        resource.insert(
            "phoneNumbers".into(),
            json!([{ "value": phone, "type": "work" }]),
        );
    }
    if let Some(title) = &user.title {
        resource.insert("title".into(), json!(title));
    }
    resource.insert("userType".into(), json!(user.user_type.code()));
    if let Some(zone) = &user.timezone {
        resource.insert("timezone".into(), json!(zone));
    }
    resource.insert("locale".into(), json!(user.locale.code()));
    resource.insert("active".into(), json!(user.status != UserStatus::Suspended));
    resource.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": user.created_at.to_rfc3339(),
            "lastModified": user.updated_at.to_rfc3339(),
            "location": format!("{base}/scim/v2/Users/{}", user.id),
            "version": version_tag(user.version),
        }),
    );
    Value::Object(resource)
}

/// The entity tag of an account's `version`: weak, as the representation may vary (the
/// attributes asked for) while the account does not.
pub fn version_tag(version: i32) -> String {
    format!("W/\"{version}\"")
}

/// What a directory asks an account to be: the attributes Tenantry keeps, read from a User
/// resource. `None` is "not given" (left as is when changing, the default when creating).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Desired {
    pub user_name: String,
    /// The address: the primary email, or `userName` when it is one; none keeps the account's.
    pub email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub external_id: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub timezone: Option<String>,
    pub locale: Option<Locale>,
    pub active: bool,
}

/// A string attribute of `body`: absent and null are none, anything but a string is refused.
pub(super) fn text(body: &Map<String, Value>, name: &'static str) -> ServiceResult<Option<String>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(invalid(name, msg!("msg.scim.value.not_text", attribute = name)).into()),
    }
}

/// The elements of multi-valued attribute `name` of `body`: absent and null are none, anything
/// but a list is refused.
pub(super) fn list<'b>(
    body: &'b Map<String, Value>,
    name: &'static str,
) -> ServiceResult<&'b [Value]> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(name, msg!("msg.scim.value.not_list", attribute = name)).into()),
    }
}

/// The `value` of the primary element of multi-valued attribute `name` (or of its only one, or
/// its first).
fn primary_value(body: &Map<String, Value>, name: &'static str) -> ServiceResult<Option<String>> {
    let items = list(body, name)?;
    let chosen = items
        .iter()
        .find(|item| item.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| items.first());
    match chosen.map(|item| item.get("value")) {
        None | Some(None | Some(Value::Null)) => Ok(None),
        Some(Some(Value::String(s))) if s.trim().is_empty() => Ok(None),
        Some(Some(Value::String(s))) => Ok(Some(s.trim().to_string())),
        Some(Some(_)) => {
            Err(invalid(name, msg!("msg.scim.value.not_text", attribute = name)).into())
        }
    }
}

impl Desired {
    /// Reads a User resource.
    pub fn from_json(body: &Value) -> ServiceResult<Self> {
        let Some(body) = body.as_object() else {
            return Err(Refusal::Invalid {
                message: msg!("msg.scim.value.not_object"),
                fields: Vec::new(),
            }
            .into());
        };
        let (user_name, email) = match (text(body, "userName")?, primary_value(body, "emails")?) {
            (Some(name), Some(email)) => (name, Some(email)),
            (Some(name), None) => {
                let email = name.contains('@').then(|| name.clone());
                (name, email)
            }
            (None, Some(email)) => (email.clone(), Some(email)),
            (None, None) => {
                return Err(invalid("userName", msg!("msg.scim.value.user_name_required")).into())
            }
        };
        let name = match body.get("name") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(name)) => name.clone(),
            Some(_) => return Err(invalid("name", msg!("msg.scim.value.not_object_field")).into()),
        };
        let formatted = text(&name, "formatted")?
            .or(text(body, "displayName")?)
            .unwrap_or_default();
        let mut split = formatted.splitn(2, ' ');
        let (first_guess, last_guess) = (
            split.next().unwrap_or_default().to_string(),
            split.next().unwrap_or_default().to_string(),
        );
        let first_name = text(&name, "givenName")?.unwrap_or(first_guess);
        let last_name = text(&name, "familyName")?.unwrap_or(last_guess);
        let active = match body.get("active") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(active)) => *active,
            // Some directories send booleans as text.
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
            Some(_) => return Err(invalid("active", msg!("msg.scim.value.not_boolean")).into()),
        };
        let locale = text(body, "locale")?
            .or(text(body, "preferredLanguage")?)
            .and_then(|code| Locale::from_code(&code));
        Ok(Desired {
            user_name,
            email,
            first_name,
            last_name,
            external_id: text(body, "externalId")?,
            phone: primary_value(body, "phoneNumbers")?,
            title: text(body, "title")?,
            timezone: text(body, "timezone")?,
            locale,
            active,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_body_reads_into_what_an_account_keeps() {
        let body = json!({
            "schemas": [SCHEMA_USER],
            "userName": "bjensen@example.com",
            "name": { "givenName": "Barbara", "familyName": "Jensen" },
            "emails": [{ "value": "other@example.com", "type": "home" },
                       { "value": "bjensen@example.com", "type": "work", "primary": true }],
            "phoneNumbers": [{ "value": "+33 1 23 45 67 89" }],
            "active": "False",
            "locale": "fr-CA",
            "title": "Tour guide",
        });
        let desired = Desired::from_json(&body).unwrap();
        assert_eq!(desired.email.as_deref(), Some("bjensen@example.com"));
        assert_eq!(
            (desired.first_name.as_str(), desired.last_name.as_str()),
            ("Barbara", "Jensen")
        );
        assert_eq!(desired.phone.as_deref(), Some("+33 1 23 45 67 89"));
        assert!(!desired.active);
        assert_eq!(desired.locale, Some(Locale::Fr));
        assert_eq!(desired.title.as_deref(), Some("Tour guide"));
    }

    #[test]
    fn the_address_is_the_primary_email_or_a_user_name_that_is_one() {
        let named = json!({ "userName": "bjensen", "emails": [{ "value": "b@example.com" }] });
        let desired = Desired::from_json(&named).unwrap();
        assert_eq!(
            (desired.user_name.as_str(), desired.email.as_deref()),
            ("bjensen", Some("b@example.com"))
        );
        let address = Desired::from_json(&json!({ "userName": "b@example.com" })).unwrap();
        assert_eq!(address.email.as_deref(), Some("b@example.com"));
        assert_eq!(
            Desired::from_json(&json!({ "userName": "bjensen" }))
                .unwrap()
                .email,
            None
        );
        assert!(Desired::from_json(&json!({ "name": { "givenName": "X" } })).is_err());
        assert!(Desired::from_json(&json!({ "userName": 7 })).is_err());
    }
}
