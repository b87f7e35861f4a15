//! When to try a request again, and after how long: exponential backoff with jitter, sans-IO.
//!
//! Connection errors, timeouts, 5xx and 429 are worth another try (429 and 503 after their
//! `Retry-After` if they give one); any other 4xx is a definitive answer and is never retried.
//! The delay is computed from the attempt number and a random number given by the caller, so the
//! rule is tested without clocks or randomness.

use std::time::Duration;

use crate::client::ApiError;

/// How many times and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
    /// How many attempts in all (the first one included).
    pub attempts: u32,
}

impl Backoff {
    /// For a user waiting on a screen: a few quick tries.
    pub const INTERACTIVE: Backoff = Backoff {
        base: Duration::from_millis(200),
        max: Duration::from_secs(2),
        attempts: 4,
    };

    /// For a background sync: more patient.
    pub const BACKGROUND: Backoff = Backoff {
        base: Duration::from_millis(500),
        max: Duration::from_secs(60),
        attempts: 6,
    };

    /// The delay before attempt `attempt + 1`, after attempt `attempt` (0-based) failed:
    /// `base × 2^attempt`, capped at `max`, scaled by a jitter in `[0.5, 1.0)` drawn from
    /// `unit_random` (in `[0, 1)`); never shorter than the server's `Retry-After`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, unit_random: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
            .min(self.max);
        let jitter = 0.5 + 0.5 * unit_random.clamp(0.0, 1.0);
        let jittered = exp.mul_f64(jitter);
        match retry_after {
            Some(wait) => jittered.max(wait),
            None => jittered,
        }
    }
}

/// What to do after a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Try again, no sooner than the given `Retry-After` if any.
    Retry(Option<Duration>),
    /// The answer is definitive.
    GiveUp,
}

/// Classifies an error: transient failures are retried, other 4xx never.
pub fn verdict(error: &ApiError) -> Verdict {
    match error {
        ApiError::Unreachable(_) => Verdict::Retry(None),
        ApiError::Status {
            status,
            retry_after,
            ..
        } if *status >= 500 || *status == 429 => Verdict::Retry(*retry_after),
        _ => Verdict::GiveUp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retour_domain::api::Problem;

    fn status(code: u16, retry_after: Option<u64>) -> ApiError {
        ApiError::Status {
            status: code,
            problem: Box::new(Problem::new(code, "x", "x")),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    #[test]
    fn retries_transient_failures_only() {
        assert_eq!(
            verdict(&ApiError::Unreachable("refused".into())),
            Verdict::Retry(None)
        );
        assert_eq!(verdict(&status(500, None)), Verdict::Retry(None));
        assert_eq!(
            verdict(&status(503, Some(3))),
            Verdict::Retry(Some(Duration::from_secs(3)))
        );
        assert_eq!(
            verdict(&status(429, Some(1))),
            Verdict::Retry(Some(Duration::from_secs(1)))
        );
        for code in [400, 401, 403, 404, 409, 413, 422, 423] {
            assert_eq!(verdict(&status(code, None)), Verdict::GiveUp, "{code}");
        }
        assert_eq!(verdict(&ApiError::Decode("bad".into())), Verdict::GiveUp);
    }

    #[test]
    fn delays_grow_exponentially_with_jitter_and_honour_retry_after() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
            attempts: 10,
        };
        assert_eq!(b.delay(0, None, 0.0), Duration::from_millis(50));
        assert_eq!(b.delay(0, None, 0.999_999).as_millis(), 99);
        assert_eq!(b.delay(1, None, 0.0), Duration::from_millis(100));
        assert_eq!(b.delay(3, None, 0.0), Duration::from_millis(400));
        assert_eq!(b.delay(10, None, 0.0), Duration::from_millis(500));
        assert_eq!(b.delay(63, None, 0.0), Duration::from_millis(500));
        assert_eq!(
            b.delay(0, Some(Duration::from_secs(5)), 0.5),
            Duration::from_secs(5)
        );
    }
}
