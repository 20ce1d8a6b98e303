//! The password policy (what a new password may be) and temporary passwords.

use crate::model::password::{MAX_LENGTH, MIN_LENGTH};
use crate::msg;
use crate::services::{messages::Refusal, ServiceError};
use rand::{rngs::OsRng, Rng};
use std::{collections::HashSet, sync::LazyLock};

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Whether `password` is one character or one short pattern over and over ("            ",
/// "aaaaaaaaaaaa", "abcabcabcabc").
fn repetitive(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    (1..=4).any(|period| {
        chars.len() > period
            && chars
                .iter()
                .enumerate()
                .all(|(i, c)| *c == chars[i % period])
    })
}

/// Whether `password` is a run along the digits, the alphabet or a keyboard row, either way
/// ("123456789012", "lkjihgfedcba", "qwertyuiop[]" is not, "asdfghjkl" is).
fn sequential(password: &str) -> bool {
    const RUNS: [&str; 5] = [
        "0123456789",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
    ];
    let lower = password.to_lowercase();
    let reversed: String = lower.chars().rev().collect();
    RUNS.iter().any(|run| {
        // A run may wrap around (…7890123…), so look in it written out several times.
        let long = run.repeat(password.len() / run.len() + 2);
        long.contains(&lower) || long.contains(&reversed)
    })
}

/// Whether `password` is, or contains, the account's address, or is its part before the `@`
/// with only digits or punctuation added.
fn about_the_address(password: &str, email: &str) -> bool {
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    let base = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    (!email.is_empty() && lower.contains(&email)) || (local.chars().count() >= 4 && base == local)
}

/// Refuses a new password for the account with address `email` that breaks the policy: too
/// short, too long, one character or pattern repeated, a run of the keyboard or alphabet, the
/// address itself, or a well-known breached password. The password is taken as typed: nothing is
/// trimmed.
pub fn check_policy(field: &'static str, password: &str, email: &str) -> Result<(), Refusal> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(Refusal::field(
            field,
            msg!("msg.passwords.too_short", min = MIN_LENGTH),
        ));
    }
    if length > MAX_LENGTH {
        return Err(Refusal::field(
            field,
            msg!("msg.passwords.too_long", max = MAX_LENGTH),
        ));
    }
    if repetitive(password) {
        return Err(Refusal::field(field, msg!("msg.passwords.repetitive")));
    }
    if sequential(password) {
        return Err(Refusal::field(field, msg!("msg.passwords.sequential")));
    }
    if about_the_address(password, email) {
        return Err(Refusal::field(field, msg!("msg.passwords.address")));
    }
    let lower = password.to_lowercase();
    // "Password1234!" is "password" with decoration: attackers try those first.
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if COMMON_PASSWORDS.contains(lower.as_str())
        || (base.chars().count() >= 4 && COMMON_PASSWORDS.contains(base))
    {
        return Err(Refusal::field(field, msg!("msg.passwords.breached")));
    }
    Ok(())
}

/// The refusal of a `field` that does not hold the person's current password.
pub fn not_current(field: &'static str) -> ServiceError {
    Refusal::field(field, msg!("msg.passwords.not_current")).into()
}

/// The refusal of a new password whose confirmation differs.
pub fn mismatch() -> ServiceError {
    Refusal::field("confirmation", msg!("msg.passwords.mismatch")).into()
}

/// A random temporary password: 20 characters that are hard to confuse when read aloud.
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    let chars: String = (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!(
        "{}-{}-{}-{}",
        &chars[0..5],
        &chars[5..10],
        &chars[10..15],
        &chars[15..20]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "ada.lovelace@example.com";

    #[test]
    fn breached_passwords_are_refused_whatever_their_case() {
        assert!(check_policy("password", "Password1234", EMAIL).is_err());
        assert!(check_policy("password", "QWERTY123456", EMAIL).is_err());
        assert!(check_policy("password", "letmein!!!!!!!", EMAIL).is_err());
        assert!(check_policy("password", "a fresh and private phrase", EMAIL).is_ok());
    }

    #[test]
    fn repeated_sequential_and_address_passwords_are_refused_and_nothing_is_trimmed() {
        let refused = |password: &str| {
            check_policy("password", password, EMAIL)
                .expect_err(password)
                .in_(crate::i18n::Locale::En)
                .field_message("password")
                .unwrap_or_default()
        };
        for repeated in [
            "            ",
            "aaaaaaaaaaaa",
            "ééééééééééééé",
            "abcabcabcabc",
            "12121212121212",
        ] {
            assert!(refused(repeated).contains("repeated"), "{repeated}");
        }
        for run in [
            "123456789012",
            "abcdefghijklm",
            "210987654321",
            "ZYXWVUTSRQPO",
            "asdfghjklasd",
        ] {
            assert!(refused(run).contains("run"), "{run}");
        }
        for address in [
            EMAIL,
            "ADA.LOVELACE@EXAMPLE.COM",
            "my ada.lovelace@example.com!",
            "ada.lovelace2024!",
        ] {
            assert!(refused(address).contains("address"), "{address}");
        }
        // Spaces are characters like any other: a phrase padded with them is taken as typed.
        assert!(check_policy("password", "  a fresh and private phrase  ", EMAIL).is_ok());
        assert!(check_policy("password", "1234 five six seven", EMAIL).is_ok());
    }

    #[test]
    fn length_refusals_say_what_the_model_says() {
        use crate::model::password::length_problem;
        for password in ["short", &"x".repeat(MAX_LENGTH + 1)] {
            let refused = check_policy("password", password, EMAIL).expect_err(password);
            assert_eq!(
                refused
                    .in_(crate::i18n::Locale::En)
                    .field_message("password"),
                length_problem(password),
                "{password}"
            );
        }
    }

    #[test]
    fn temporary_passwords_meet_the_policy() {
        let password = temporary_password();
        assert!(check_policy("password", &password, EMAIL).is_ok());
        assert_ne!(password, temporary_password());
    }
}
