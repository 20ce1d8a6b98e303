//! Text people type, made safe to store, show and compare: names are NFKC-normalised, on one line,
//! without invisible characters (so "Ａｄｍｉｎ" is "Admin" and "Ad\u{200B}min" is refused);
//! longer texts keep their line breaks and lose every other control character.

use crate::{
    msg,
    services::messages::{Message, Refusal},
};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// A line break, tab, NUL, escape or another control character.
    Control,
    /// A character that shows nothing: a zero-width space, a text-direction mark, a filler.
    Invisible,
    /// Far longer than any name or text the console keeps (refused before it is normalised, which
    /// can multiply a text's length).
    TooLong,
}

/// The most characters a name may arrive with; names are kept to 100.
const NAME_MAX_RAW: usize = 1_000;
/// The most characters a text of several lines may arrive with; signatures are kept to 2,000.
const LINES_MAX_RAW: usize = 20_000;

/// What a person reads when a text is refused for `problem`: a text of several lines when
/// `lines` (see [`lines`]), a name otherwise (see [`name`]).
pub fn refusal(problem: TextProblem, lines: bool) -> Message {
    match (problem, lines) {
        (TextProblem::Control, true) => msg!("msg.text.control_in_lines"),
        (TextProblem::Control, false) => msg!("msg.text.control_in_line"),
        (TextProblem::Invisible, _) => msg!("msg.text.invisible"),
        (TextProblem::TooLong, _) => msg!("msg.text.too_long"),
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
            | '\u{FFA0}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Whether `c` belongs to a script written with Latin letters (or is ASCII), where a joiner has no
/// use and can only hide a look-alike ("Ad\u{200D}min").
fn latin(c: char) -> bool {
    matches!(c, '\0'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{2C60}'..='\u{2C7F}' | '\u{A720}'..='\u{A7FF}')
}

/// Whether the invisible `c`, between `before` and `after`, does a job there: the zero-width
/// (non-)joiner inside a word of a script that needs it (Persian, Indic scripts) or an emoji
/// sequence, a variation selector after a symbol (❤️).
fn needed_there(c: char, before: Option<char>, after: Option<char>) -> bool {
    match c {
        '\u{200C}' | '\u{200D}' => {
            matches!((before, after), (Some(b), Some(a)) if !latin(b) && !latin(a) && !b.is_whitespace() && !a.is_whitespace())
        }
        '\u{FE0E}' | '\u{FE0F}' => before.is_some_and(|b| {
            matches!(
                b.general_category(),
                GeneralCategory::OtherSymbol | GeneralCategory::MathSymbol
            )
        }),
        _ => false,
    }
}

/// The first problem of `text`, allowing line breaks when `lines`.
fn first_problem(text: &str, lines: bool) -> Option<TextProblem> {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        if lines && c == '\n' {
            return None;
        }
        match c.general_category() {
            GeneralCategory::Control
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator => Some(TextProblem::Control),
            _ if needed_there(
                c,
                i.checked_sub(1).map(|j| chars[j]),
                chars.get(i + 1).copied(),
            ) =>
            {
                None
            }
            _ if c.general_category_group() == GeneralCategoryGroup::Other
                || blank_lookalike(c)
                || ('\u{FE00}'..='\u{FE0F}').contains(&c) =>
            {
                Some(TextProblem::Invisible)
            }
            _ => None,
        }
    })
}

/// A name (of a person, role, team, organisation, key) as it is stored and compared: NFKC, trimmed,
/// runs of spaces made one.
pub fn name(raw: &str) -> Result<String, TextProblem> {
    if raw.chars().count() > NAME_MAX_RAW {
        return Err(TextProblem::TooLong);
    }
    let normalised: String = raw.nfkc().collect();
    if let Some(found) = first_problem(&normalised, false) {
        return Err(found);
    }
    Ok(normalised.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A text of several lines (a signature): NFC, line endings made `\n`, trailing space removed.
/// Nothing else changes, so a text in any script reads as it was typed.
pub fn lines(raw: &str) -> Result<String, TextProblem> {
    if raw.chars().count() > LINES_MAX_RAW {
        return Err(TextProblem::TooLong);
    }
    let text: String = raw.replace("\r\n", "\n").nfc().collect();
    if let Some(found) = first_problem(&text, true) {
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
pub fn check_email(field: &'static str, address: &str) -> Result<(), Refusal> {
    if plain_email(address.trim()) {
        Ok(())
    } else {
        Err(Refusal::field(field, msg!("msg.auth.email_invalid")))
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
        // Joiners and variation selectors where a script or an emoji needs them.
        assert_eq!(name("محمد\u{200C}رضا"), Ok("محمد\u{200C}رضا".into()));
        assert_eq!(name("क्\u{200D}ष"), Ok("क्\u{200D}ष".into()));
        assert_eq!(name("Team ❤\u{FE0F}"), Ok("Team ❤\u{FE0F}".into()));
        assert_eq!(name("👩\u{200D}💻 crew"), Ok("👩\u{200D}💻 crew".into()));
        // …and not where they only hide a look-alike.
        assert_eq!(name("Ad\u{200D}min"), Err(TextProblem::Invisible));
        assert_eq!(name("Ad\u{200C}min"), Err(TextProblem::Invisible));
        assert_eq!(name("\u{200D}Admin"), Err(TextProblem::Invisible));
        assert_eq!(name("Admin\u{FE0F}"), Err(TextProblem::Invisible));
        assert_eq!(name("Ad\u{AD}min"), Err(TextProblem::Invisible));
        // A text that normalising would multiply is refused before it is.
        assert_eq!(name(&"\u{FDFA}".repeat(1_001)), Err(TextProblem::TooLong));
        assert!(name(&"\u{FDFA}".repeat(5)).is_ok());
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
