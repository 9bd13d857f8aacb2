//! `wait_for_connection`: bounded polling, with backoff, until a new or repaired connection
//! is active and usable.

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::portal::PORTAL_LINK_LIFETIME;
use crate::types::{Connection, ConnectionStatus, UserCredentials};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// What to wait for, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up with `timeout` after this long (default 2 minutes).
    pub timeout: Duration,
    /// First pause between polls; grows by half each time up to `max_poll_interval`.
    pub poll_interval: Duration,
    pub max_poll_interval: Duration,
    /// Connections created at or after this instant count as new, even if they already
    /// existed at the first poll (the portal may finish before the wait starts). Unset means
    /// one portal-link lifetime (5 minutes) before the call.
    pub since: Option<DateTime<Utc>>,
    /// Wait for this connection (e.g. the one being reconnected) instead of any new one.
    pub connection_id: Option<String>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(120),
            poll_interval: Duration::from_millis(500),
            max_poll_interval: Duration::from_secs(5),
            since: None,
            connection_id: None,
        }
    }
}

impl Client {
    /// Polls the user's connections until one that is new since the call (or since
    /// `options.since`), or repaired since then, or the one named by `connection_id`, is
    /// active and its first sync is done. Returns it; fails with `timeout` otherwise.
    pub async fn wait_for_connection(
        &self,
        user: impl Into<Option<&UserCredentials>>,
        options: &WaitOptions,
    ) -> Result<Connection> {
        let user: Option<&UserCredentials> = user.into();
        if options.poll_interval.is_zero() || options.max_poll_interval < options.poll_interval {
            return Err(Error::invalid_input(
                "poll_interval",
                "must be greater than zero and not above max_poll_interval",
            ));
        }
        crate::validate::checked_duration("timeout", options.timeout)?;
        crate::validate::checked_duration("max_poll_interval", options.max_poll_interval)?;
        let deadline = Instant::now() + options.timeout;
        let since = options.since.unwrap_or_else(|| Utc::now() - PORTAL_LINK_LIFETIME);
        let mut interval = options.poll_interval;
        let mut first_seen: Option<HashMap<String, ConnectionStatus>> = None;
        let mut polls = 0u32;
        let mut last_problem: Option<Error> = None;
        loop {
            polls += 1;
            // One poll never runs past the deadline, and a passing failure (a 5xx, a reset, a
            // 429 past the retry budget) only means "not yet".
            let poll = tokio::time::timeout_at(deadline, self.poll_once(user, options, since, &mut first_seen)).await;
            match poll {
                Ok(Ok(Some(connection))) => return Ok(connection),
                Ok(Ok(None)) | Err(_) => {}
                Ok(Err(e)) if is_passing(&e) => last_problem = Some(e),
                Ok(Err(e)) => return Err(e),
            }
            let now = Instant::now();
            if now >= deadline {
                let why = last_problem.map(|e| format!("; last problem: {e}")).unwrap_or_default();
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "no new active connection after {:.1}s ({polls} polls){why}",
                        options.timeout.as_secs_f64()
                    ),
                ));
            }
            tokio::time::sleep(interval.min(deadline - now)).await;
            interval = (interval + interval / 2).min(options.max_poll_interval);
        }
    }
}

/// New (absent at the first poll, or created since `since`), or not active at the first poll
/// (being repaired or activated), or the one asked for.
/// Failures worth polling through until the deadline.
fn is_passing(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Server | ErrorKind::Network | ErrorKind::Timeout | ErrorKind::RateLimited | ErrorKind::NotFound
    )
}

impl Client {
    /// One look at the user's connections: the first candidate that is active and usable.
    async fn poll_once(
        &self,
        user: Option<&UserCredentials>,
        options: &WaitOptions,
        since: DateTime<Utc>,
        first_seen: &mut Option<HashMap<String, ConnectionStatus>>,
    ) -> Result<Option<Connection>> {
        let connections = self.connections(user).await?;
        let baseline = first_seen.get_or_insert_with(|| connections.iter().map(|c| (c.id.clone(), c.status)).collect());
        for connection in connections
            .iter()
            .filter(|c| is_candidate(c, baseline, since, options.connection_id.as_deref()))
        {
            if connection.status == ConnectionStatus::Active && self.is_ready(user, connection).await? {
                return Ok(Some(connection.clone()));
            }
        }
        Ok(None)
    }
}

fn is_candidate(
    c: &Connection,
    baseline: &HashMap<String, ConnectionStatus>,
    since: DateTime<Utc>,
    wanted: Option<&str>,
) -> bool {
    if let Some(id) = wanted {
        return c.id == id;
    }
    match baseline.get(&c.id) {
        None => true,
        // Active at the first poll: new if created since, or repaired since (a reconnect keeps
        // the id and creation time; the portal may have finished before the wait began).
        Some(first) => {
            *first != ConnectionStatus::Active
                || c.created_at.is_some_and(|created| created >= since)
                || c.updated_at.is_some_and(|updated| updated >= since)
        }
    }
}
