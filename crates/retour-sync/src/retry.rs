//! When to try a request again, and after how long: exponential backoff with jitter, sans-IO.
//!
//! Connection errors, timeouts, 5xx, 408 and 429 are worth another try (after their
//! `Retry-After` if they give one), and so is any answer that is not the server's own: a 4xx
//! without a problem document (a proxy's page) or with a code this version does not know. Only a
//! problem document with a known final code is a definitive answer, never retried: so a request
//! the server committed is never taken for refused because a proxy or a timeout answered.
//! The delay is computed from the attempt number and a random number given by the caller, so the
//! rule is tested without clocks or randomness.

use std::time::Duration;

use retour_domain::ErrorCode;

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

/// Classifies an error: only the server's problem documents with a known final code give up.
pub fn verdict(error: &ApiError) -> Verdict {
    match error {
        ApiError::Unreachable(_) => Verdict::Retry(None),
        ApiError::Status {
            status,
            retry_after,
            problem,
            from_problem_document,
        } => {
            let code = problem.error_code();
            let transient = *status >= 500
                || matches!(*status, 408 | 429)
                || !*from_problem_document
                || matches!(code, ErrorCode::Other(_))
                || matches!(
                    code,
                    ErrorCode::RequestTimeout
                        | ErrorCode::TooManyRequests
                        | ErrorCode::ServiceUnavailable
                        | ErrorCode::InternalError
                );
            if transient {
                Verdict::Retry(*retry_after)
            } else {
                Verdict::GiveUp
            }
        }
        ApiError::Decode(_) | ApiError::LocalStorage(_) => Verdict::GiveUp,
    }
}

/// Whether an error is the server's definitive refusal (not a session problem): what is
/// recorded as "refused" and never sent again.
pub fn is_final_refusal(error: &ApiError) -> bool {
    matches!(error, ApiError::Status { status, .. } if *status != 401)
        && verdict(error) == Verdict::GiveUp
}

#[cfg(test)]
mod tests {
    use super::*;
    use retour_domain::api::Problem;

    fn status(code: u16, retry_after: Option<u64>) -> ApiError {
        problem(code, ErrorCode::for_status(code).as_str(), retry_after)
    }

    fn problem(code: u16, wire: &str, retry_after: Option<u64>) -> ApiError {
        ApiError::Status {
            status: code,
            problem: Box::new(Problem::new(code, wire, "x")),
            retry_after: retry_after.map(Duration::from_secs),
            from_problem_document: true,
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
        assert_eq!(verdict(&status(408, None)), Verdict::Retry(None));
        for code in [400, 401, 403, 404, 413] {
            assert_eq!(verdict(&status(code, None)), Verdict::GiveUp, "{code}");
        }
        for (code, wire) in [
            (409, "quantity_exceeded"),
            (422, "reason_required"),
            (423, "account_locked"),
        ] {
            assert_eq!(
                verdict(&problem(code, wire, None)),
                Verdict::GiveUp,
                "{wire}"
            );
        }
        assert_eq!(verdict(&ApiError::Decode("bad".into())), Verdict::GiveUp);
    }

    #[test]
    fn only_the_servers_known_refusals_are_final() {
        let proxy_page = ApiError::Status {
            status: 403,
            problem: Box::new(Problem::new(403, "forbidden", "x")),
            retry_after: None,
            from_problem_document: false,
        };
        assert_eq!(verdict(&proxy_page), Verdict::Retry(None));
        assert!(!is_final_refusal(&proxy_page));
        assert_eq!(
            verdict(&problem(422, "photo_too_blurry", None)),
            Verdict::Retry(None)
        );
        assert!(!is_final_refusal(&status(429, Some(2))));
        assert!(!is_final_refusal(&status(408, None)));
        assert!(!is_final_refusal(&status(401, None)));
        assert!(is_final_refusal(&problem(422, "reason_required", None)));
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
