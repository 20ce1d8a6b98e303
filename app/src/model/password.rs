//! The password policy's rules that need no server: length. The breached-password list is
//! checked on the server.

/// Fewest characters a password may have.
pub const MIN_LENGTH: usize = 12;
/// Most characters a password may have.
pub const MAX_LENGTH: usize = 256;

/// Why a new password is refused, in words for the person choosing it; `None` when acceptable.
pub fn length_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        Some(format!(
            "Use at least {MIN_LENGTH} characters; a short phrase of several words is easy to remember."
        ))
    } else if chars > MAX_LENGTH {
        Some(format!("Use at most {MAX_LENGTH} characters."))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_overlong_passwords_are_refused() {
        assert!(length_problem("short").is_some());
        assert!(length_problem(&"x".repeat(MAX_LENGTH + 1)).is_some());
        assert!(length_problem("correct horse battery").is_none());
        assert!(length_problem(&"é".repeat(MIN_LENGTH)).is_none());
    }
}
