//! What the client knows of the provider's rate-limit buckets, from the headers of the answers
//! it got: the customer bucket (`X-RateLimit-*`, per client id) and SnapTrade's account
//! bucket (`X-RateLimit-Account-*`, shared by every data call on one account).
//!
//! A request that would find its bucket empty waits for the reset instead of being sent for a
//! certain 429: bulk work over many accounts then stays within both buckets, and concurrent
//! calls on one account share its remaining requests instead of all spending the last one.
//! A wait longer than `RetryPolicy::max_retry_after` is not taken: the call fails at once as
//! `rate_limited` with `retry_after`, without a request, as a 429 asking that long would.

use reqwest::header::HeaderMap;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Two answers whose resets are further apart than this came from different windows (the
/// reset header counts whole seconds, rounded up, so one window's answers differ by at most
/// a second, plus the time on the wire).
const SAME_WINDOW_SLACK: Duration = Duration::from_millis(1500);
/// Accounts whose bucket is remembered; past this, buckets whose window has ended go first.
const ACCOUNTS_REMEMBERED: usize = 10_000;
/// Times one call waits for a reset before it is sent regardless (the server then decides).
const MAX_WAITS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bucket {
    Customer,
    Account,
}

impl Bucket {
    fn headers(self) -> [&'static str; 3] {
        match self {
            Bucket::Customer => ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"],
            Bucket::Account => [
                "x-ratelimit-account-limit",
                "x-ratelimit-account-remaining",
                "x-ratelimit-account-reset",
            ],
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Bucket::Customer => "the client id's rate limit",
            Bucket::Account => "the account's rate limit",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    limit: u32,
    remaining: u32,
    reset_at: Instant,
    /// The longest reset seen: the window's length, for guessing when a new one ends.
    period: Duration,
}

impl Window {
    fn from_headers(headers: &HeaderMap, bucket: Bucket, now: Instant) -> Option<Window> {
        let [limit, remaining, reset] = bucket.headers().map(|name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
        let limit = u32::try_from(limit?).ok()?;
        let remaining = u32::try_from(remaining?).ok()?.min(limit);
        // A day at most, whatever a server says: a bucket is never trusted to block for longer.
        let period = Duration::from_secs(reset?.min(86_400)).max(Duration::from_secs(1));
        Some(Window {
            limit,
            remaining,
            reset_at: now + period,
            period,
        })
    }

    /// Folds in what a newer answer says.
    fn observe(&mut self, seen: Window, now: Instant) {
        self.limit = seen.limit;
        self.period = self.period.max(seen.period);
        if now >= self.reset_at || seen.reset_at > self.reset_at + SAME_WINDOW_SLACK {
            self.remaining = seen.remaining;
            self.reset_at = seen.reset_at;
        } else {
            // Answers to concurrent requests arrive in any order: the lowest count is the
            // latest, and the later reset the safe one.
            self.remaining = self.remaining.min(seen.remaining);
            self.reset_at = self.reset_at.max(seen.reset_at);
        }
    }

    /// Takes one request from the bucket, or says how long until it refills.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        if now >= self.reset_at {
            self.remaining = self.limit;
            self.reset_at = now + self.period;
        }
        if self.remaining == 0 {
            return Err(self.reset_at - now);
        }
        self.remaining -= 1;
        Ok(())
    }

    fn would_wait(&self, now: Instant) -> Option<Duration> {
        (self.remaining == 0 && now < self.reset_at).then(|| self.reset_at - now)
    }
}

/// A call the buckets refuse for longer than the caller will wait.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exhausted {
    pub bucket: Bucket,
    pub wait: Duration,
}

#[derive(Debug, Default)]
pub(crate) struct RateBudget {
    state: Mutex<Buckets>,
}

#[derive(Debug, Default)]
struct Buckets {
    customer: Option<Window>,
    accounts: HashMap<String, Window>,
}

impl RateBudget {
    /// Waits until both buckets the request counts against have room (at most `max_wait` per
    /// wait), and takes a request from each.
    pub async fn admit(&self, account: Option<&str>, max_wait: Duration) -> Result<(), Exhausted> {
        for _ in 0..MAX_WAITS {
            match self.try_take(account, Instant::now()) {
                Ok(()) => return Ok(()),
                Err(exhausted) if exhausted.wait > max_wait => return Err(exhausted),
                Err(exhausted) => tokio::time::sleep(exhausted.wait).await,
            }
        }
        Ok(())
    }

    fn try_take(&self, account: Option<&str>, now: Instant) -> Result<(), Exhausted> {
        let mut buckets = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Buckets { customer, accounts } = &mut *buckets;
        let account = account.and_then(|id| accounts.get_mut(id));
        // Both are checked before either is taken from, so a refusal spends nothing.
        let waits = [
            customer
                .as_ref()
                .and_then(|w| w.would_wait(now))
                .map(|wait| (Bucket::Customer, wait)),
            account
                .as_ref()
                .and_then(|w| w.would_wait(now))
                .map(|wait| (Bucket::Account, wait)),
        ];
        if let Some((bucket, wait)) = waits.into_iter().flatten().max_by_key(|(_, wait)| *wait) {
            return Err(Exhausted { bucket, wait });
        }
        let windows = [(Bucket::Customer, customer.as_mut()), (Bucket::Account, account)];
        for (bucket, window) in windows {
            if let Some(window) = window {
                window.take(now).map_err(|wait| Exhausted { bucket, wait })?;
            }
        }
        Ok(())
    }

    /// Learns from an answer's headers (any status: a 429 says the bucket is empty).
    pub fn observe(&self, account: Option<&str>, headers: &HeaderMap) {
        let now = Instant::now();
        let customer = Window::from_headers(headers, Bucket::Customer, now);
        let per_account = account.zip(Window::from_headers(headers, Bucket::Account, now));
        if customer.is_none() && per_account.is_none() {
            return;
        }
        let mut buckets = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(seen) = customer {
            match &mut buckets.customer {
                Some(window) => window.observe(seen, now),
                empty => *empty = Some(seen),
            }
        }
        if let Some((id, seen)) = per_account {
            if let Some(window) = buckets.accounts.get_mut(id) {
                window.observe(seen, now);
                return;
            }
            if buckets.accounts.len() >= ACCOUNTS_REMEMBERED {
                buckets.accounts.retain(|_, window| now < window.reset_at);
            }
            if buckets.accounts.len() < ACCOUNTS_REMEMBERED {
                buckets.accounts.insert(id.to_owned(), seen);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(bucket: Bucket, limit: u32, remaining: u32, reset: u64) -> HeaderMap {
        let mut map = HeaderMap::new();
        let [l, r, s] = bucket.headers();
        map.insert(l, HeaderValue::from(limit));
        map.insert(r, HeaderValue::from(remaining));
        map.insert(s, HeaderValue::from(reset));
        map
    }

    #[test]
    fn an_unknown_bucket_never_holds_a_request_back() {
        let budget = RateBudget::default();
        for _ in 0..100 {
            assert!(budget.try_take(Some("acct"), Instant::now()).is_ok());
        }
    }

    #[test]
    fn an_empty_account_bucket_makes_its_calls_wait_and_leaves_other_accounts_alone() {
        let budget = RateBudget::default();
        budget.observe(Some("a"), &headers(Bucket::Account, 10, 1, 42));
        let now = Instant::now();
        assert!(
            budget.try_take(Some("a"), now).is_ok(),
            "the last request of the window"
        );
        let refused = budget.try_take(Some("a"), now).unwrap_err();
        assert_eq!(refused.bucket, Bucket::Account);
        assert!(refused.wait > Duration::from_secs(40) && refused.wait <= Duration::from_secs(42));
        assert!(budget.try_take(Some("b"), now).is_ok());
        assert!(
            budget.try_take(None, now).is_ok(),
            "a call on no account uses the customer bucket only"
        );
    }

    #[test]
    fn the_customer_bucket_holds_back_every_call() {
        let budget = RateBudget::default();
        budget.observe(None, &headers(Bucket::Customer, 250, 0, 30));
        let refused = budget.try_take(Some("a"), Instant::now()).unwrap_err();
        assert_eq!(refused.bucket, Bucket::Customer);
    }

    #[test]
    fn a_window_refills_at_its_reset_with_the_limit_last_seen() {
        let budget = RateBudget::default();
        budget.observe(Some("a"), &headers(Bucket::Account, 2, 0, 5));
        let later = Instant::now() + Duration::from_secs(6);
        assert!(budget.try_take(Some("a"), later).is_ok());
        assert!(budget.try_take(Some("a"), later).is_ok());
        assert!(
            budget.try_take(Some("a"), later).is_err(),
            "two a window, as the server said"
        );
    }

    #[test]
    fn answers_out_of_order_keep_the_lowest_count_and_a_new_window_replaces_it() {
        let budget = RateBudget::default();
        budget.observe(Some("a"), &headers(Bucket::Account, 10, 3, 50));
        budget.observe(Some("a"), &headers(Bucket::Account, 10, 5, 50));
        let now = Instant::now();
        for _ in 0..3 {
            assert!(budget.try_take(Some("a"), now).is_ok());
        }
        assert!(budget.try_take(Some("a"), now).is_err());
        // The server's next window: its reset is a whole window later.
        budget.observe(Some("a"), &headers(Bucket::Account, 10, 9, 110));
        assert!(budget.try_take(Some("a"), Instant::now()).is_ok());
    }

    #[test]
    fn nonsense_headers_are_ignored_and_huge_resets_are_capped() {
        let budget = RateBudget::default();
        let mut map = headers(Bucket::Customer, 10, 0, 5);
        map.insert("x-ratelimit-remaining", HeaderValue::from_static("lots"));
        budget.observe(None, &map);
        assert!(budget.try_take(None, Instant::now()).is_ok());
        budget.observe(None, &headers(Bucket::Customer, 10, 0, u64::MAX));
        let refused = budget.try_take(None, Instant::now()).unwrap_err();
        assert!(refused.wait <= Duration::from_secs(86_400));
    }

    #[test]
    fn the_accounts_remembered_are_bounded() {
        let budget = RateBudget::default();
        for n in 0..ACCOUNTS_REMEMBERED + 50 {
            budget.observe(Some(&format!("acct-{n}")), &headers(Bucket::Account, 10, 9, 60));
        }
        assert_eq!(budget.state.lock().unwrap().accounts.len(), ACCOUNTS_REMEMBERED);
    }

    #[tokio::test]
    async fn admit_waits_within_the_limit_and_refuses_beyond_it() {
        let budget = RateBudget::default();
        budget.observe(Some("a"), &headers(Bucket::Account, 1, 0, 1));
        let refused = budget.admit(Some("a"), Duration::from_millis(100)).await.unwrap_err();
        assert_eq!(refused.bucket, Bucket::Account);
        let started = Instant::now();
        budget.admit(Some("a"), Duration::from_secs(5)).await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(500),
            "it waited for the reset"
        );
    }
}
