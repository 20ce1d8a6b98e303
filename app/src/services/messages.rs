//! Words for a person, kept as a stable key and its values until an edge says them in a language:
//! a service refuses with a [`Refusal`] of [`Message`]s (made with [`msg!`](crate::msg)); the
//! server functions say it in the caller's language, the HTTP API too and gives the key as the
//! error's `code`. Emails are edges of their own: they are written in the recipient's language.
//! A building block.

use crate::{
    i18n::Locale,
    model::{api_keys::ApiScope, AppError, Feature, FieldError, Permission, UserStatus, UserType},
};

/// A message: a key of `app/locales` and the values of its `%{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// Makes a [`Message`]: `msg!("msg.roles.changed_meanwhile")`, or with values for its
/// placeholders: `msg!("msg.accounts.cannot_give_role", role = name, permission = lower(p))`.
#[macro_export]
macro_rules! msg {
    ($key:literal) => {
        $crate::services::messages::Message::new($key)
    };
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        use $crate::services::messages::ToArg as _;
        $crate::services::messages::Message::new($key)
            $(.with(stringify!($name), ($value).to_arg()))+
    }};
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// The message with `value` for placeholder `name`.
    pub fn with(mut self, name: &'static str, value: Arg) -> Self {
        self.args.push((name, value));
        self
    }

    /// Words that have no translation (what the command line tells the operator, in English).
    pub fn untranslated(text: impl Into<String>) -> Self {
        Message::new("msg.text.untranslated").with("text", Arg::Text(text.into()))
    }

    /// The stable key, without the `msg.` every service message starts with: what the HTTP API
    /// gives as an error's `code`.
    pub fn code(&self) -> &'static str {
        self.key.strip_prefix("msg.").unwrap_or(self.key)
    }

    /// The message said in `l`.
    pub fn in_(&self, l: Locale) -> String {
        let template = crate::_rust_i18n_translate(l.code(), self.key);
        let names: Vec<&str> = self.args.iter().map(|(name, _)| *name).collect();
        let values: Vec<String> = self.args.iter().map(|(_, value)| value.in_(l)).collect();
        rust_i18n::replace_patterns(&template, &names, &values)
    }
}

/// A placeholder's value: text as it is, or words said in the message's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Permission(Permission),
    Feature(Feature),
    UserType(UserType),
    Status(UserStatus),
    Scope(ApiScope),
    Message(Box<Message>),
    /// A number in tenths, written with one decimal as the language writes it ("1.5", "1,5").
    Tenths(i64),
    /// Messages one after the other, as sentences.
    Sentences(Vec<Message>),
    /// The words of the value, in lower case ("you are not allowed to invite people").
    Lower(Box<Arg>),
}

impl Arg {
    fn in_(&self, l: Locale) -> String {
        match self {
            Arg::Text(text) => text.clone(),
            Arg::Permission(p) => p.description_in(l),
            Arg::Feature(f) => f.label_in(l),
            Arg::UserType(t) => t.label_in(l),
            Arg::Status(s) => s.label_in(l),
            Arg::Scope(s) => s.description_in(l),
            Arg::Tenths(tenths) => {
                let separator = match l {
                    Locale::En => '.',
                    Locale::Fr => ',',
                };
                format!("{}{separator}{}", tenths / 10, tenths % 10)
            }
            Arg::Message(m) => m.in_(l),
            Arg::Sentences(list) => list.iter().map(|m| m.in_(l)).collect::<Vec<_>>().join(" "),
            Arg::Lower(arg) => arg.in_(l).to_lowercase(),
        }
    }
}

/// What can fill a placeholder: [`msg!`](crate::msg) borrows each value it is given.
pub trait ToArg {
    fn to_arg(&self) -> Arg;
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn to_arg(&self) -> Arg {
        (**self).to_arg()
    }
}

impl ToArg for Arg {
    fn to_arg(&self) -> Arg {
        self.clone()
    }
}

macro_rules! text_args {
    ($($t:ty),+) => {
        $(impl ToArg for $t {
            fn to_arg(&self) -> Arg {
                Arg::Text(self.to_string())
            }
        })+
    };
}

text_args!(str, String, usize, u64, u32, i64, i32, chrono::NaiveDate);

macro_rules! said_args {
    ($($t:ty => $variant:ident),+) => {
        $(impl ToArg for $t {
            fn to_arg(&self) -> Arg {
                Arg::$variant(*self)
            }
        })+
    };
}

said_args!(
    Permission => Permission,
    Feature => Feature,
    UserType => UserType,
    UserStatus => Status,
    ApiScope => Scope
);

impl ToArg for Message {
    fn to_arg(&self) -> Arg {
        Arg::Message(Box::new(self.clone()))
    }
}

impl ToArg for Vec<Message> {
    fn to_arg(&self) -> Arg {
        Arg::Sentences(self.clone())
    }
}

/// `value` with one decimal, as the message's language writes it.
pub fn one_decimal(value: f64) -> Arg {
    // Sizes and counts: far inside i64, never negative.
    #[allow(clippy::cast_possible_truncation)]
    Arg::Tenths((value * 10.0).round() as i64)
}

/// `value`'s words in lower case.
pub fn lower(value: impl ToArg) -> Arg {
    Arg::Lower(Box::new(value.to_arg()))
}

/// A problem with one form field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: Message,
}

/// Why a service refused, in words still to be said: the edges turn it into an [`AppError`] in
/// the caller's language ([`Refusal::in_`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Unauthenticated,
    /// Not allowed to do what the message says ("invite people").
    Forbidden(Message),
    /// What was not found ("That person").
    NotFound(Message),
    Invalid {
        message: Message,
        fields: Vec<FieldProblem>,
    },
    Conflict(Message),
    Throttled {
        message: Message,
        retry_after_secs: u64,
    },
}

impl std::fmt::Display for Refusal {
    /// In English, for the server's log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.in_(Locale::En))
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// The refusal of someone who lacks `permission`: "You are not allowed to invite people."
    pub fn lacks(permission: Permission) -> Self {
        Refusal::Forbidden(crate::msg!(
            "msg.guard.lacks_permission",
            action = lower(permission)
        ))
    }

    /// A refusal of one form field's value.
    pub fn field(field: &'static str, message: Message) -> Self {
        Refusal::Invalid {
            message: message.clone(),
            fields: vec![FieldProblem { field, message }],
        }
    }

    /// The stable code of the refusal: its message's key.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unauthenticated => "unauthenticated",
            Refusal::Forbidden(m)
            | Refusal::NotFound(m)
            | Refusal::Conflict(m)
            | Refusal::Invalid { message: m, .. }
            | Refusal::Throttled { message: m, .. } => m.code(),
        }
    }

    /// The codes of the fields it names, by field.
    pub fn field_codes(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Refusal::Invalid { fields, .. } => {
                fields.iter().map(|p| (p.field, p.message.code())).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The refusal as one sentence ("You are not allowed to invite people."), to list among
    /// others.
    pub fn sentence(&self) -> Message {
        match self {
            Refusal::Unauthenticated => crate::msg!("msg.error.unauthenticated"),
            Refusal::Forbidden(m) => crate::msg!("msg.error.forbidden", action = m.clone()),
            Refusal::NotFound(m) => crate::msg!("msg.error.not_found", what = m.clone()),
            Refusal::Conflict(m)
            | Refusal::Invalid { message: m, .. }
            | Refusal::Throttled { message: m, .. } => m.clone(),
        }
    }

    /// The refusal said in `l`.
    pub fn in_(&self, l: Locale) -> AppError {
        match self {
            Refusal::Unauthenticated => AppError::Unauthenticated,
            Refusal::Forbidden(m) => AppError::Forbidden(m.in_(l)),
            Refusal::NotFound(m) => AppError::NotFound(m.in_(l)),
            Refusal::Conflict(m) => AppError::Conflict(m.in_(l)),
            Refusal::Invalid { message, fields } => AppError::Invalid {
                message: message.in_(l),
                fields: fields
                    .iter()
                    .map(|p| FieldError {
                        field: p.field.to_string(),
                        message: p.message.in_(l),
                    })
                    .collect(),
            },
            Refusal::Throttled {
                message,
                retry_after_secs,
            } => AppError::Throttled {
                message: message.in_(l),
                retry_after_secs: *retry_after_secs,
            },
        }
    }
}

/// At the edge: the refusal said in the request's language.
impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        refusal.in_(crate::i18n::request_locale())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_said_at_the_edge_in_the_language_asked() {
        let m = crate::msg!(
            "msg.guard.feature_missing",
            action = lower(Permission::UsersInvite),
            organisation = "Acme",
            feature = Feature::Helpdesk
        );
        assert_eq!(m.code(), "guard.feature_missing");
        let en = m.in_(Locale::En);
        assert!(en.contains("Acme") && en.contains("Helpdesk"), "{en}");
        assert!(en.contains(
            &Permission::UsersInvite
                .description_in(Locale::En)
                .to_lowercase()
        ));
        let fr = m.in_(Locale::Fr);
        assert_ne!(en, fr);
        assert!(fr.contains(
            &Permission::UsersInvite
                .description_in(Locale::Fr)
                .to_lowercase()
        ));
        let refusal = Refusal::field("name", crate::msg!("msg.roles.changed_meanwhile"));
        assert_eq!(
            refusal.field_codes(),
            vec![("name", "roles.changed_meanwhile")]
        );
        assert_eq!(refusal.in_(Locale::En).status_code(), 422);
    }
}
