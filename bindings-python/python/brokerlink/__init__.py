"""brokerlink: connect your users' brokerage accounts through an aggregator's hosted
connection portal (SnapTrade or Finatic), with the same typed API as the Rust core.

``Client`` blocks (releasing the GIL while it waits); ``AsyncClient`` returns asyncio
awaitables. ``Sandbox`` runs a local aggregator in-process for tests. Every error is a
``BrokerlinkError`` subclass with a stable ``kind``.
"""

import atexit as _atexit

from brokerlink import _native
from brokerlink._native import (
    Account,
    AsyncClient,
    Broker,
    BrokerlinkError,
    BrokerlinkTimeoutError,
    Client,
    ConflictError,
    Connection,
    ConnectionChange,
    ConnectionStatus,
    ConnectionType,
    DecodeError,
    Environment,
    ErrorKind,
    InternalError,
    InvalidInputError,
    Money,
    NetworkError,
    NotFoundError,
    Permission,
    PortalExpiredError,
    PortalLink,
    PortalMode,
    PortalResult,
    ProviderKind,
    RateLimitedError,
    RetryPolicy,
    Sandbox,
    SandboxConnection,
    SandboxDelivery,
    SandboxState,
    SandboxWebhook,
    ServerError,
    Session,
    SessionStatus,
    UnauthorizedError,
    UserCredentials,
    WebhookEvent,
    WebhookEventKind,
    WebhookInvalidError,
    parse_portal_result,
    sign_webhook,
    verify_webhook,
)

__version__: str = _native.__version__

# Stop the runtime's worker threads before the interpreter finalizes.
_atexit.register(_native._shutdown)

__all__ = [
    "Account",
    "AsyncClient",
    "Broker",
    "BrokerlinkError",
    "BrokerlinkTimeoutError",
    "Client",
    "ConflictError",
    "Connection",
    "ConnectionChange",
    "ConnectionStatus",
    "ConnectionType",
    "DecodeError",
    "Environment",
    "ErrorKind",
    "InternalError",
    "InvalidInputError",
    "Money",
    "NetworkError",
    "NotFoundError",
    "Permission",
    "PortalExpiredError",
    "PortalLink",
    "PortalMode",
    "PortalResult",
    "ProviderKind",
    "RateLimitedError",
    "RetryPolicy",
    "Sandbox",
    "SandboxConnection",
    "SandboxDelivery",
    "SandboxState",
    "SandboxWebhook",
    "ServerError",
    "Session",
    "SessionStatus",
    "UnauthorizedError",
    "UserCredentials",
    "WebhookEvent",
    "WebhookEventKind",
    "WebhookInvalidError",
    "__version__",
    "parse_portal_result",
    "sign_webhook",
    "verify_webhook",
]
