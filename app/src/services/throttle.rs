//! Sign-in throttling. Counters live in the database so every app process shares them, and each
//! attempt is claimed with a compare-and-set before the password is checked, so parallel guesses
//! cannot slip past the limit.

use super::{ServiceError, ServiceResult};
use crate::entities::login_throttle as lt;
use crate::{msg, services::messages::Refusal};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, OnConflict},
    ActiveValue::Set,
};

/// How many attempts one key (an account or an address) gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Attempts allowed back to back.
    pub free_attempts: i32,
    /// After the free attempts, each further attempt waits this many seconds more than the last.
    pub delay_step_secs: i64,
    /// Attempts after which the key is locked out.
    pub max_attempts: i32,
    /// How long a lock-out lasts; also how long after the last attempt the count starts afresh.
    pub lockout_secs: i64,
}

impl ThrottlePolicy {
    /// One account: five tries, then slowed, locked for 15 minutes after ten.
    pub const ACCOUNT: Self = Self {
        free_attempts: 5,
        delay_step_secs: 2,
        max_attempts: 10,
        lockout_secs: 15 * 60,
    };
    /// One address: room for an office behind one NAT, not for a password-spraying run.
    pub const IP: Self = Self {
        free_attempts: 50,
        delay_step_secs: 1,
        max_attempts: 200,
        lockout_secs: 15 * 60,
    };
}

/// A key's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    pub attempts: i32,
    pub last_attempt_at: i64,
    pub next_allowed_at: i64,
}

/// What to do with an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow(Counter),
    Refuse { retry_after_secs: i64 },
}

/// The rule itself, without the database: whether an attempt at `now` (unix seconds) may go ahead
/// and what the counters become if it does.
pub fn decide(policy: &ThrottlePolicy, counter: Counter, now: i64) -> Decision {
    let counter = if now - counter.last_attempt_at >= policy.lockout_secs {
        Counter::default()
    } else {
        counter
    };
    if counter.next_allowed_at > now {
        return Decision::Refuse {
            retry_after_secs: counter.next_allowed_at - now,
        };
    }
    let attempts = counter.attempts + 1;
    let next_allowed_at = if attempts >= policy.max_attempts {
        now + policy.lockout_secs
    } else if attempts >= policy.free_attempts {
        now + i64::from(attempts - policy.free_attempts + 1) * policy.delay_step_secs
    } else {
        0
    };
    Decision::Allow(Counter {
        attempts,
        last_attempt_at: now,
        next_allowed_at,
    })
}

/// What the attempts counted are, which the refusal names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempts {
    /// Signing in with an email address and password.
    SignIn,
    /// Typing one's current password to change it or one's address.
    CurrentPassword,
    /// Asking for a password reset link ("Forgot your password?").
    ResetRequest,
}

/// The refusal a person sees.
pub fn refusal(attempts: Attempts, retry_after_secs: i64) -> Refusal {
    let minutes = (retry_after_secs + 59) / 60;
    let seconds = retry_after_secs;
    let message = match (attempts, retry_after_secs > 90) {
        (Attempts::SignIn, true) => msg!("msg.auth.throttled_minutes", minutes = minutes),
        (Attempts::SignIn, false) => msg!("msg.auth.throttled_seconds", seconds = seconds),
        (Attempts::CurrentPassword, true) => {
            msg!("msg.auth.password_throttled_minutes", minutes = minutes)
        }
        (Attempts::CurrentPassword, false) => {
            msg!("msg.auth.password_throttled_seconds", seconds = seconds)
        }
        (Attempts::ResetRequest, true) => {
            msg!("msg.auth.reset_throttled_minutes", minutes = minutes)
        }
        (Attempts::ResetRequest, false) => {
            msg!("msg.auth.reset_throttled_seconds", seconds = seconds)
        }
    };
    Refusal::Throttled {
        message,
        retry_after_secs: u64::try_from(retry_after_secs).unwrap_or(0),
    }
}

impl From<lt::Model> for Counter {
    fn from(row: lt::Model) -> Self {
        Counter {
            attempts: row.attempts,
            last_attempt_at: row.last_attempt_at,
            next_allowed_at: row.next_allowed_at,
        }
    }
}

/// Claims one attempt of `attempts` for each key under its policy, in order: refused as soon as
/// one key is slowed down or locked out.
pub async fn claim(
    db: &impl ConnectionTrait,
    attempts: Attempts,
    keys: &[(&str, &ThrottlePolicy)],
    now: i64,
) -> ServiceResult<()> {
    let names: Vec<String> = keys.iter().map(|(key, _)| String::from(*key)).collect();
    let mut known: Vec<lt::Model> = lt::Entity::find()
        .filter(lt::Column::Key.is_in(names))
        .all(db)
        .await?;
    for (key, policy) in keys {
        let seen = match known.iter().position(|row| row.key == *key) {
            Some(index) => Counter::from(known.swap_remove(index)),
            None => {
                lt::Entity::insert(lt::ActiveModel {
                    key: Set(String::from(*key)),
                    attempts: Set(0),
                    last_attempt_at: Set(0),
                    next_allowed_at: Set(0),
                })
                .on_conflict(OnConflict::column(lt::Column::Key).do_nothing().to_owned())
                .exec_without_returning(db)
                .await?;
                Counter::default()
            }
        };
        claim_one(db, policy, key, seen, now)
            .await?
            .map_err(|retry_after_secs| refusal(attempts, retry_after_secs))?;
    }
    Ok(())
}

/// Compare-and-set from the counters last `seen`: another process may claim between our read and
/// our write; then we read again. Bounded, so a pathological race refuses rather than spins. A
/// refusal carries the seconds to wait.
async fn claim_one(
    db: &impl ConnectionTrait,
    policy: &ThrottlePolicy,
    key: &str,
    mut seen: Counter,
    now: i64,
) -> ServiceResult<Result<(), i64>> {
    for _ in 0..50 {
        match decide(policy, seen, now) {
            Decision::Refuse { retry_after_secs } => return Ok(Err(retry_after_secs)),
            Decision::Allow(next) => {
                let updated = lt::Entity::update_many()
                    .col_expr(lt::Column::Attempts, Expr::value(next.attempts))
                    .col_expr(lt::Column::LastAttemptAt, Expr::value(next.last_attempt_at))
                    .col_expr(lt::Column::NextAllowedAt, Expr::value(next.next_allowed_at))
                    .filter(lt::Column::Key.eq(key))
                    .filter(lt::Column::Attempts.eq(seen.attempts))
                    .filter(lt::Column::LastAttemptAt.eq(seen.last_attempt_at))
                    .filter(lt::Column::NextAllowedAt.eq(seen.next_allowed_at))
                    .exec(db)
                    .await?;
                if updated.rows_affected == 1 {
                    return Ok(Ok(()));
                }
            }
        }
        seen = lt::Entity::find_by_id(key.to_string())
            .one(db)
            .await?
            .map(Counter::from)
            .ok_or_else(|| ServiceError::Internal(format!("throttle row {key} vanished")))?;
    }
    Ok(Err(1))
}

/// After a successful sign-in: forgets the account's attempts and gives the address back the one
/// it claimed, so legitimate traffic from one address never adds up. One statement.
pub async fn settle_success(
    db: &impl ConnectionTrait,
    account_key: &str,
    ip_key: &str,
) -> ServiceResult<()> {
    let is_account = Expr::col(lt::Column::Key).eq(account_key);
    lt::Entity::update_many()
        .col_expr(
            lt::Column::Attempts,
            Expr::case(is_account.clone(), 0)
                .case(
                    Expr::col(lt::Column::Attempts).gt(0),
                    Expr::col(lt::Column::Attempts).sub(1),
                )
                .finally(0)
                .into(),
        )
        .col_expr(
            lt::Column::NextAllowedAt,
            Expr::case(is_account, 0)
                .finally(Expr::col(lt::Column::NextAllowedAt))
                .into(),
        )
        .filter(lt::Column::Key.is_in([account_key, ip_key]))
        .exec(db)
        .await?;
    Ok(())
}

/// The key that counts checks of `user_id`'s current password made from inside a session
/// (changing the password, changing the address): one counter for both, so someone holding a
/// borrowed session gets no more guesses by switching forms.
pub fn current_password_key(user_id: uuid::Uuid) -> String {
    format!("current-password:{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: ThrottlePolicy = ThrottlePolicy::ACCOUNT;

    fn run(attempts: usize, now: i64) -> (Counter, Vec<Decision>) {
        let mut counter = Counter::default();
        let mut decisions = Vec::new();
        for _ in 0..attempts {
            let decision = decide(&POLICY, counter, now);
            if let Decision::Allow(next) = decision {
                counter = next;
            }
            decisions.push(decision);
        }
        (counter, decisions)
    }

    #[test]
    fn free_attempts_then_slowed() {
        let (counter, decisions) = run(7, 1_000);
        assert!(decisions[..5]
            .iter()
            .all(|d| matches!(d, Decision::Allow(_))));
        assert_eq!(
            decisions[5],
            Decision::Refuse {
                retry_after_secs: 2
            }
        );
        assert_eq!(counter.attempts, 5);
        // Waiting the delay lets exactly one more attempt through, and the next wait is longer.
        let Decision::Allow(after) = decide(&POLICY, counter, 1_002) else {
            panic!("the delay has passed");
        };
        assert_eq!(after.next_allowed_at, 1_002 + 4);
    }

    #[test]
    fn locked_out_after_the_maximum_then_forgotten() {
        let mut counter = Counter::default();
        let mut now = 0;
        for _ in 0..POLICY.max_attempts {
            match decide(&POLICY, counter, now) {
                Decision::Allow(next) => counter = next,
                Decision::Refuse { retry_after_secs } => {
                    now += retry_after_secs;
                    let Decision::Allow(next) = decide(&POLICY, counter, now) else {
                        panic!("allowed after waiting");
                    };
                    counter = next;
                }
            }
        }
        assert_eq!(
            decide(&POLICY, counter, now + 60),
            Decision::Refuse {
                retry_after_secs: POLICY.lockout_secs - 60
            }
        );
        assert!(matches!(
            decide(&POLICY, counter, now + POLICY.lockout_secs),
            Decision::Allow(Counter { attempts: 1, .. })
        ));
    }

    #[test]
    fn refusals_say_how_long_to_wait() {
        assert!(refusal(Attempts::SignIn, 4)
            .to_string()
            .contains("Wait 4 seconds"));
        assert!(refusal(Attempts::SignIn, 900)
            .to_string()
            .contains("locked for 15 minutes"));
        let reset = refusal(Attempts::ResetRequest, 3600).to_string();
        assert!(
            reset.contains("reset") && !reset.contains("sign-in"),
            "{reset}"
        );
        let current = refusal(Attempts::CurrentPassword, 30).to_string();
        assert!(current.contains("current password"), "{current}");
    }
}
