//! Fixed-window rate limiting, with the headers SnapTrade sends: one bucket per client id
//! (`X-RateLimit-*`) and one per account for data calls (`X-RateLimit-Account-*`).

use dashmap::DashMap;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RateLimiter {
    /// Requests per window; 0 turns the limiter off.
    per_window: u32,
    /// A minute, as SnapTrade counts; shorter only in tests that must see a reset.
    window: Duration,
    windows: DashMap<String, (Instant, u32)>,
}

#[derive(Debug, Clone, Copy)]
pub struct RateDecision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_after: u64,
}

impl RateLimiter {
    pub fn new(per_window: u32, window: Duration) -> Self {
        RateLimiter {
            per_window,
            window,
            windows: DashMap::new(),
        }
    }

    /// Counts one request against `key`'s bucket; `None` when limiting is off.
    pub fn check(&self, key: &str) -> Option<RateDecision> {
        if self.per_window == 0 {
            return None;
        }
        let now = Instant::now();
        let mut window = match self.windows.get_mut(key) {
            Some(window) => window,
            None => {
                self.forget_ended(now);
                self.windows.entry(key.to_owned()).or_insert((now, 0))
            }
        };
        if now.duration_since(window.0) >= self.window {
            *window = (now, 0);
        }
        let allowed = window.1 < self.per_window;
        if allowed {
            window.1 += 1;
        }
        let elapsed = now.duration_since(window.0);
        Some(RateDecision {
            allowed,
            limit: self.per_window,
            remaining: self.per_window - window.1,
            reset_after: self.window.saturating_sub(elapsed).as_secs_f64().ceil() as u64,
        })
    }

    /// Keeps the map from growing with every account ever called: a bucket whose window has
    /// ended counts nothing, so dropping it changes no answer.
    fn forget_ended(&self, now: Instant) {
        if self.windows.len() >= crate::limits::RATE_BUCKETS {
            self.windows
                .retain(|_, (started, _)| now.duration_since(*started) < self.window);
        }
    }

    pub fn clear(&self) {
        self.windows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_client_and_reports_remaining() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert_eq!(limiter.check("a").map(|d| (d.allowed, d.remaining)), Some((true, 1)));
        assert_eq!(limiter.check("a").map(|d| (d.allowed, d.remaining)), Some((true, 0)));
        let third = limiter.check("a").unwrap();
        assert!(!third.allowed);
        assert!(third.reset_after > 0 && third.reset_after <= 60);
        assert!(limiter.check("b").unwrap().allowed);
        assert!(RateLimiter::new(0, Duration::from_secs(60)).check("a").is_none());
    }

    #[test]
    fn a_bucket_refills_when_its_window_ends() {
        let limiter = RateLimiter::new(1, Duration::from_millis(50));
        assert!(limiter.check("acct").unwrap().allowed);
        let refused = limiter.check("acct").unwrap();
        assert!(!refused.allowed);
        assert_eq!(
            refused.reset_after, 1,
            "a part of a second is reported as a whole second"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(limiter.check("acct").map(|d| (d.allowed, d.remaining)), Some((true, 0)));
    }

    #[test]
    fn ended_buckets_are_dropped_once_there_are_many() {
        let limiter = RateLimiter::new(5, Duration::from_millis(1));
        for n in 0..crate::limits::RATE_BUCKETS + 10 {
            limiter.check(&format!("acct-{n}"));
            if n == crate::limits::RATE_BUCKETS / 2 {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        assert!(limiter.windows.len() < crate::limits::RATE_BUCKETS);
    }
}
