//! How much the sandbox keeps, at most. Users point long-running dev servers and whole test
//! suites at it; everything that grows with traffic has a bound here (or an expiry), so its
//! memory stays flat however long it runs (`scripts/soak --churn` checks).

use std::time::Duration;

/// Portal links and Finatic sessions alive or recently ended (an ended one still answers
/// "expired" with its app's redirect); past this, the ones that ended first go first.
pub const PORTAL_SESSIONS: usize = 10_000;
pub const FINATIC_SESSIONS: usize = 10_000;
/// Finatic one-time tokens, spent or not.
pub const ONE_TIME_TOKENS: usize = 10_000;
/// How long an ended session or token is kept for its "expired" answer (within the bounds).
pub const ENDED_KEPT_FOR: Duration = Duration::from_secs(3600);
/// How often housekeeping enforces the bounds.
pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(1);
/// Armed fault rules; arming more is refused until some are used up or cleared.
pub const ARMED_FAULTS: usize = 1_000;
/// Webhook endpoints (and Finatic subscriptions); registering more is refused.
pub const WEBHOOK_ENDPOINTS: usize = 1_000;
/// Deliveries each receiver of `/_sandbox/sink/{name}` keeps (the newest), and receivers.
pub const SINK_DELIVERIES: usize = 1_000;
pub const SINKS: usize = 100;

/// The longest history `user_history` can be given (a bench's 10,000 rows, and room to spare).
pub const HISTORY_ACTIVITIES: usize = 1_000_000;

/// Rate-limit buckets (one per client id, one per account called); past this, the buckets
/// whose window has ended are dropped.
pub const RATE_BUCKETS: usize = 10_000;
