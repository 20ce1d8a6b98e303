//! How many requests each API key may make, counted in each process (governor): a key over its
//! rate is refused, in words, until it has waited.

use super::messages::Refusal;
use crate::msg;
use std::num::NonZeroU32;
use uuid::Uuid;

/// How many requests an API key may make: `per_minute` on average, `burst` at once.
#[derive(Debug, Clone, Copy)]
pub struct ApiRate {
    pub per_minute: u32,
    pub burst: u32,
}

impl ApiRate {
    /// Enough for a directory syncing thousands of people and their teams (a full sync pages
    /// through them and patches the changed ones), not for a runaway loop.
    pub const DEFAULT: ApiRate = ApiRate {
        per_minute: 3_000,
        burst: 1_000,
    };
}

/// The rate each API key has used in this process.
pub struct ApiLimits {
    limiter: governor::DefaultKeyedRateLimiter<Uuid>,
}

impl ApiLimits {
    pub fn new(rate: ApiRate) -> Self {
        let per_minute = NonZeroU32::new(rate.per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(rate.burst).unwrap_or(per_minute);
        Self {
            limiter: governor::RateLimiter::keyed(
                governor::Quota::per_minute(per_minute).allow_burst(burst),
            ),
        }
    }

    /// Counts one request of key `key_id`, refused in words when the key is over its rate.
    pub fn check(&self, key_id: Uuid) -> Result<(), Refusal> {
        use governor::clock::{Clock, DefaultClock};
        self.limiter.check_key(&key_id).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            Refusal::Throttled {
                message: msg!("msg.api.throttled", seconds = seconds),
                retry_after_secs: seconds,
            }
        })
    }
}
