//! Sign-in throttling. Counters live in the database so every app process shares them, and each
//! attempt is claimed with a compare-and-set before the password is checked, so parallel guesses
//! cannot slip past the limit.

use super::{ServiceError, ServiceResult};
use crate::{entities::login_throttle as lt, model::AppError};
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

/// The refusal a person sees.
pub fn refusal(retry_after_secs: i64) -> AppError {
    let message = if retry_after_secs > 90 {
        format!(
            "Too many failed sign-in attempts. Sign-in is locked for {} minutes; try again later or reset your password.",
            (retry_after_secs + 59) / 60
        )
    } else {
        format!(
            "Too many failed sign-in attempts. Wait {retry_after_secs} seconds before trying again."
        )
    };
    AppError::Throttled {
        message,
        retry_after_secs: u64::try_from(retry_after_secs).unwrap_or(0),
    }
}

/// Claims one attempt for `key`: refused when the key is slowed down or locked out.
pub async fn claim(
    db: &impl ConnectionTrait,
    policy: &ThrottlePolicy,
    key: &str,
    now: i64,
) -> ServiceResult<()> {
    lt::Entity::insert(lt::ActiveModel {
        key: Set(key.to_string()),
        attempts: Set(0),
        last_attempt_at: Set(0),
        next_allowed_at: Set(0),
    })
    .on_conflict(OnConflict::column(lt::Column::Key).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    // Compare-and-set: another process may claim between our read and our write; then we read
    // again. Bounded, so a pathological race refuses rather than spins.
    for _ in 0..50 {
        let row = lt::Entity::find_by_id(key.to_string())
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("throttle row {key} vanished")))?;
        let seen = Counter {
            attempts: row.attempts,
            last_attempt_at: row.last_attempt_at,
            next_allowed_at: row.next_allowed_at,
        };
        match decide(policy, seen, now) {
            Decision::Refuse { retry_after_secs } => return Err(refusal(retry_after_secs).into()),
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
                    return Ok(());
                }
            }
        }
    }
    Err(refusal(1).into())
}

/// Forgets the attempts of `key` (a successful sign-in of that account).
pub async fn reset(db: &impl ConnectionTrait, key: &str) -> ServiceResult<()> {
    lt::Entity::update_many()
        .col_expr(lt::Column::Attempts, Expr::value(0))
        .col_expr(lt::Column::NextAllowedAt, Expr::value(0))
        .filter(lt::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives back one attempt of `key` (a successful sign-in from that address).
pub async fn release(db: &impl ConnectionTrait, key: &str) -> ServiceResult<()> {
    lt::Entity::update_many()
        .col_expr(lt::Column::Attempts, Expr::col(lt::Column::Attempts).sub(1))
        .filter(lt::Column::Key.eq(key))
        .filter(lt::Column::Attempts.gt(0))
        .exec(db)
        .await?;
    Ok(())
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
        assert!(refusal(4).to_string().contains("Wait 4 seconds"));
        assert!(refusal(900).to_string().contains("locked for 15 minutes"));
    }
}
