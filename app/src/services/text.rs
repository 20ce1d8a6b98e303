//! Text people type, made safe to store, show and compare: names are NFKC-normalised, on one line,
//! without invisible characters (so "Ａｄｍｉｎ" is "Admin" and "Ad\u{200B}min" is refused);
//! longer texts keep their line breaks and lose every other control character.

use crate::{i18n::request_locale, tr};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// A line break, tab, NUL, escape or another control character.
    Control,
    /// A character that shows nothing: a zero-width space, a text-direction mark, a filler.
    Invisible,
}

/// What a person reads when a text is refused for `problem`: a text of several lines when
/// `lines` (see [`lines`]), a name otherwise (see [`name`]).
pub fn refusal(problem: TextProblem, lines: bool) -> String {
    let l = request_locale();
    match (problem, lines) {
        (TextProblem::Control, true) => tr!(l, "msg.text.control_in_lines"),
        (TextProblem::Control, false) => tr!(l, "msg.text.control_in_line"),
        (TextProblem::Invisible, _) => tr!(l, "msg.text.invisible"),
    }
}

/// Characters that render as nothing although their category does not say so (Unicode's
/// default-ignorable code points outside the format category, and blank look-alikes).
fn blank_lookalike(c: char) -> bool {
    matches!(
        c,
        '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// The problem with one character of a text, allowing line breaks when `lines`.
fn problem(c: char, lines: bool) -> Option<TextProblem> {
    if lines && c == '\n' {
        return None;
    }
    match c.general_category() {
        GeneralCategory::Control
        | GeneralCategory::LineSeparator
        | GeneralCategory::ParagraphSeparator => Some(TextProblem::Control),
        _ if c.general_category_group() == GeneralCategoryGroup::Other || blank_lookalike(c) => {
            Some(TextProblem::Invisible)
        }
        _ => None,
    }
}

/// A name (of a person, role, team, organisation, key) as it is stored and compared: NFKC, trimmed,
/// runs of spaces made one.
pub fn name(raw: &str) -> Result<String, TextProblem> {
    let normalised: String = raw.nfkc().collect();
    if let Some(found) = normalised.chars().find_map(|c| problem(c, false)) {
        return Err(found);
    }
    Ok(normalised.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A text of several lines (a signature): NFC, line endings made `\n`, trailing space removed.
/// Nothing else changes, so a text in any script reads as it was typed.
pub fn lines(raw: &str) -> Result<String, TextProblem> {
    let text: String = raw.replace("\r\n", "\n").nfc().collect();
    if let Some(found) = text.chars().find_map(|c| problem(c, true)) {
        return Err(found);
    }
    Ok(text.trim_end().to_string())
}

/// Whether `address` is a plain `local@domain` address as a browser's email field accepts it:
/// ASCII, no display name, quotes, comments or IP literal, a domain of at least two labels. Anything
/// looser (`Boss<boss@evil.test>`, `"a,b"@x.test`) could send mail elsewhere than it reads, or
/// dodge the uniqueness of addresses.
pub fn plain_email(address: &str) -> bool {
    const LOCAL_SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    address.len() <= 254
        && (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels.len() >= 2
        && labels.iter().all(|label| label_ok(label))
        && labels
            .last()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()))
        && address.parse::<lettre::Address>().is_ok()
}

/// Refuses `address` in `field` unless it is a plain address (see [`plain_email`]).
pub fn check_email(field: &str, address: &str) -> Result<(), crate::model::AppError> {
    if plain_email(address.trim()) {
        Ok(())
    } else {
        let l = request_locale();
        Err(crate::model::AppError::field(
            field,
            tr!(l, "msg.auth.email_invalid"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_only_look_alike_become_one_or_are_refused() {
        assert_eq!(name("  Ａｄｍｉｎ "), Ok("Admin".into()));
        assert_eq!(name("Ad\u{200B}min"), Err(TextProblem::Invisible));
        assert_eq!(name("Admin\u{202E}"), Err(TextProblem::Invisible));
        assert_eq!(name("\u{3164}"), Err(TextProblem::Invisible));
        assert_eq!(name("a\u{FEFF}"), Err(TextProblem::Invisible));
        assert_eq!(name("Ada\nLovelace"), Err(TextProblem::Control));
        assert_eq!(name("Ada\tLovelace"), Err(TextProblem::Control));
        assert_eq!(name("nul\0"), Err(TextProblem::Control));
        assert_eq!(name("Ada   Lovelace"), Ok("Ada Lovelace".into()));
        assert_eq!(name("Zoë Ångström"), Ok("Zoë Ångström".into()));
        assert_eq!(name("Jose\u{0301}"), Ok("Jos\u{E9}".into()));
        assert_eq!(name("山田 太郎"), Ok("山田 太郎".into()));
    }

    #[test]
    fn only_plain_addresses_are_accepted() {
        for good in [
            "a@b.co",
            "first.last+tag@example.com",
            "o'brien@mail.example.org",
            "x@sub-domain.example.co.uk",
        ] {
            assert!(plain_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a b@c.d",
            "@b.co",
            "a@b@c.co",
            "a@.co",
            "a@b.",
            "Boss<mailsink@evil.test>",
            "Alice<alice@acme.test>",
            "alice@acme.test>",
            "\"a,b\"@acme.test",
            "a,b@acme.test",
            "nul\0@acme.test",
            "a..b@acme.test",
            ".a@acme.test",
            "a@[127.0.0.1]",
            "a@127.0.0.1",
            "zoë@acme.test",
            "a@-acme.test",
            "a@acme.test (comment)",
        ] {
            assert!(!plain_email(bad), "{bad}");
        }
    }

    #[test]
    fn texts_keep_their_lines_and_lose_control_characters() {
        assert_eq!(lines("Best,\r\nAda  \n"), Ok("Best,\nAda".into()));
        assert_eq!(lines("bell\u{7}"), Err(TextProblem::Control));
        assert_eq!(lines("esc\u{1b}[31m"), Err(TextProblem::Control));
        assert_eq!(lines("nul\0"), Err(TextProblem::Control));
        assert_eq!(lines("tab\there"), Err(TextProblem::Control));
        assert_eq!(lines("rtl\u{202E}"), Err(TextProblem::Invisible));
        assert_eq!(lines("Ｗｉｄｅ"), Ok("Ｗｉｄｅ".into()));
    }
}
