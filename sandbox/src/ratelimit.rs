//! Per-client fixed-window rate limiting, with the headers SnapTrade sends.

use dashmap::DashMap;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
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
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            windows: DashMap::new(),
        }
    }

    /// Counts one request for `client`; `None` when limiting is off.
    pub fn check(&self, client: &str) -> Option<RateDecision> {
        if self.per_minute == 0 {
            return None;
        }
        let now = Instant::now();
        let mut window = self.windows.entry(client.to_owned()).or_insert((now, 0));
        if now.duration_since(window.0) >= WINDOW {
            *window = (now, 0);
        }
        let allowed = window.1 < self.per_minute;
        if allowed {
            window.1 += 1;
        }
        let elapsed = now.duration_since(window.0);
        Some(RateDecision {
            allowed,
            limit: self.per_minute,
            remaining: self.per_minute - window.1,
            reset_after: (WINDOW - elapsed).as_secs_f64().ceil() as u64,
        })
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
        let limiter = RateLimiter::new(2);
        assert_eq!(limiter.check("a").map(|d| (d.allowed, d.remaining)), Some((true, 1)));
        assert_eq!(limiter.check("a").map(|d| (d.allowed, d.remaining)), Some((true, 0)));
        let third = limiter.check("a").unwrap();
        assert!(!third.allowed);
        assert!(third.reset_after > 0 && third.reset_after <= 60);
        assert!(limiter.check("b").unwrap().allowed);
        assert!(RateLimiter::new(0).check("a").is_none());
    }
}
