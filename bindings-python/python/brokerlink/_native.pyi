"""Type stubs of the native module ``brokerlink._native`` (re-exported by ``brokerlink``)."""

from asyncio import Future
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, final

from typing_extensions import disjoint_base

__version__: str

class ConnectionStatus(str, Enum):
    """A connection's state, normalised across providers (the provider's word is in raw_status)."""

    ACTIVE = "active"
    PENDING = "pending"
    DISABLED = "disabled"
    EXPIRED = "expired"
    REMOVED = "removed"
    UNKNOWN = "unknown"

class WebhookSubscriptionStatus(str, Enum):
    """Whether a webhook subscription is delivered to (the provider's word is in raw_status)."""

    ACTIVE = "active"
    DISABLED = "disabled"
    REVOKED = "revoked"
    UNKNOWN = "unknown"

class Permission(str, Enum):
    """What the end user allowed the app to do with a connection."""

    READ = "read"
    TRADE = "trade"

class SessionStatus(str, Enum):
    """Where a Finatic session is in its life."""

    PENDING = "pending"
    AUTHENTICATING = "authenticating"
    ACTIVE = "active"
    COMPLETED = "completed"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

class ErrorKind(str, Enum):
    """The stable kind of every BrokerlinkError."""

    INVALID_INPUT = "invalid_input"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    PORTAL_EXPIRED = "portal_expired"
    SERVER = "server"
    NETWORK = "network"
    TIMEOUT = "timeout"
    DECODE = "decode"
    WEBHOOK_INVALID = "webhook_invalid"
    INTERNAL = "internal"

class ProviderKind(str, Enum):
    """Which aggregator protocol a client speaks."""

    SNAPTRADE = "snaptrade"
    FINATIC = "finatic"

class ConnectionType(str, Enum):
    """Permission the portal asks the end user for."""

    READ = "read"
    TRADE = "trade"
    TRADE_IF_AVAILABLE = "trade-if-available"

class PortalMode(str, Enum):
    """The portal's colour scheme."""

    LIGHT = "light"
    DARK = "dark"

class ConnectionChange(str, Enum):
    """What happens to a connection at the broker, for Sandbox.change_connection."""

    DISABLE = "disable"
    EXPIRE = "expire"
    REMOVE = "remove"

class Environment(str, Enum):
    """Which Finatic environment a key works in."""

    LIVE = "live"
    SANDBOX = "sandbox"

class WebhookEventKind(str, Enum):
    """What a webhook event means, both providers on one scale (unknown for new types)."""

    USER_REGISTERED = "user_registered"
    USER_DELETED = "user_deleted"
    CONNECTION_ATTEMPTED = "connection_attempted"
    CONNECTION_ADDED = "connection_added"
    CONNECTION_DELETED = "connection_deleted"
    CONNECTION_BROKEN = "connection_broken"
    CONNECTION_FIXED = "connection_fixed"
    CONNECTION_UPDATED = "connection_updated"
    CONNECTION_FAILED = "connection_failed"
    NEW_ACCOUNT_AVAILABLE = "new_account_available"
    ACCOUNT_TRANSACTIONS_INITIAL_UPDATE = "account_transactions_initial_update"
    ACCOUNT_TRANSACTIONS_UPDATED = "account_transactions_updated"
    ACCOUNT_REMOVED = "account_removed"
    ACCOUNT_HOLDINGS_UPDATED = "account_holdings_updated"
    UNKNOWN = "unknown"

class BrokerlinkError(Exception):
    """Base of every brokerlink error; ``kind`` says which. Picklable; never holds a secret."""

    kind: ErrorKind
    message: str
    field: str | None
    status: int | None
    request_id: str | None
    retry_after: float | None
    attempts: int
    provider_code: str | None
    provider_category: str | None
    reason: str | None
    """Why a webhook failed verification (only for ``webhook_invalid``)."""

class InvalidInputError(BrokerlinkError):
    """Rejected before any request was sent (or refused as bad input); ``field`` names it."""

class UnauthorizedError(BrokerlinkError):
    """Bad credentials or signature (HTTP 401/403)."""

class NotFoundError(BrokerlinkError):
    """The user, connection or account does not exist."""

class ConflictError(BrokerlinkError):
    """The user already exists, or the connection's state does not allow the call."""

class RateLimitedError(BrokerlinkError):
    """HTTP 429 after retries; ``retry_after`` says how long to wait."""

class PortalExpiredError(BrokerlinkError):
    """The portal link or session is past its lifetime."""

class ServerError(BrokerlinkError):
    """HTTP 5xx after retries."""

class NetworkError(BrokerlinkError):
    """Transport failure (connect, reset, TLS) after retries."""

class BrokerlinkTimeoutError(BrokerlinkError):
    """No answer within the timeout after retries (kind ``timeout``)."""

class DecodeError(BrokerlinkError):
    """The response was not in the documented shape."""

class WebhookInvalidError(BrokerlinkError):
    """A webhook delivery failed verification; ``reason`` says how."""

class InternalError(BrokerlinkError):
    """A bug in brokerlink (a caught panic or a broken invariant); please report it."""

@final
class UserCredentials:
    """An end user; ``user_secret`` is the credential SnapTrade issued (``repr`` hides it)."""

    def __new__(cls, user_id: str, user_secret: str | None = None) -> UserCredentials: ...
    @property
    def user_id(self) -> str: ...
    @property
    def user_secret(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class PortalLink:
    """A connection-portal link. ``url`` logs the user in: treat it as a secret."""

    @property
    def url(self) -> str: ...
    @property
    def session_id(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Session:
    """A Finatic session; build one from stored values with ``Session(id, company_id)``."""

    def __new__(
        cls,
        id: str,
        company_id: str,
        status: SessionStatus | str = "active",
        expires_at: datetime | None = None,
        user_id: str | None = None,
    ) -> Session: ...
    @property
    def id(self) -> str: ...
    @property
    def company_id(self) -> str: ...
    @property
    def status(self) -> SessionStatus: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def user_id(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Broker:
    """The brokerage behind a connection."""

    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def display_name(self) -> str | None: ...
    @property
    def allows_trading(self) -> bool | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Connection:
    """One brokerage login of one user; it may hold several accounts."""

    @property
    def id(self) -> str: ...
    @property
    def broker(self) -> Broker: ...
    @property
    def status(self) -> ConnectionStatus: ...
    @property
    def raw_status(self) -> str: ...
    @property
    def permission(self) -> Permission: ...
    @property
    def name(self) -> str | None: ...
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def disabled_at(self) -> datetime | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Money:
    """An amount of money as the provider reported it."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Account:
    """A brokerage account behind a connection."""

    @property
    def id(self) -> str: ...
    @property
    def connection_id(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def number(self) -> str | None: ...
    @property
    def institution_name(self) -> str | None: ...
    @property
    def balance(self) -> Money | None: ...
    @property
    def is_paper(self) -> bool | None: ...
    @property
    def raw_status(self) -> str | None: ...
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def synced(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class WebhookEventType:
    """One event type a provider can send to a webhook subscription."""

    @property
    def event_type(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class WebhookSubscription:
    """A URL that receives the provider's webhook events; ``repr`` hides ``secret``."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def event_types(self) -> list[str]: ...
    @property
    def status(self) -> WebhookSubscriptionStatus: ...
    @property
    def raw_status(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def secret(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@disjoint_base
class PortalResult:
    """What the portal reported: one class per variant, usable with ``match``."""

    @property
    def type(self) -> Literal["success", "error", "closed", "abandoned", "resize"]: ...
    def to_dict(self) -> dict[str, Any]: ...
    @final
    class Success(PortalResult):
        __match_args__ = ("connection_id", "user_id")
        def __new__(cls, connection_id: str | None, user_id: str | None) -> PortalResult.Success: ...
        @property
        def connection_id(self) -> str | None: ...
        @property
        def user_id(self) -> str | None: ...

    @final
    class Error(PortalResult):
        __match_args__ = ("code", "message", "status_code")
        def __new__(cls, code: str, message: str | None, status_code: int | None) -> PortalResult.Error: ...
        @property
        def code(self) -> str: ...
        @property
        def message(self) -> str | None: ...
        @property
        def status_code(self) -> int | None: ...

    @final
    class Closed(PortalResult):
        __match_args__ = ()
        def __new__(cls) -> PortalResult.Closed: ...

    @final
    class Abandoned(PortalResult):
        __match_args__ = ()
        def __new__(cls) -> PortalResult.Abandoned: ...

    @final
    class Resize(PortalResult):
        __match_args__ = ("height",)
        def __new__(cls, height: int) -> PortalResult.Resize: ...
        @property
        def height(self) -> int: ...

@final
class RetryPolicy:
    """When and how often a failed request is tried again; durations in seconds."""

    def __new__(
        cls,
        *,
        max_attempts: int | None = None,
        initial_backoff: float | None = None,
        max_backoff: float | None = None,
        max_retry_after: float | None = None,
    ) -> RetryPolicy: ...
    @staticmethod
    def none() -> RetryPolicy:
        """One attempt only."""

    @property
    def max_attempts(self) -> int: ...
    @property
    def initial_backoff(self) -> float: ...
    @property
    def max_backoff(self) -> float: ...
    @property
    def max_retry_after(self) -> float: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Client:
    """A blocking client: each call waits with the GIL released."""

    @staticmethod
    def snaptrade(
        *,
        client_id: str,
        consumer_key: str,
        base_url: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
    ) -> Client:
        """A SnapTrade client; the consumer key only signs requests and is never sent."""

    @staticmethod
    def finatic(
        *,
        api_key: str,
        base_url: str | None = None,
        environment: Environment | str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
    ) -> Client:
        """A Finatic client with the company API key (server side only)."""

    @property
    def provider(self) -> ProviderKind: ...
    @property
    def base_url(self) -> str: ...
    def register_user(self, user_id: str) -> UserCredentials:
        """Registers an end user; store the returned ``user_secret``."""

    def delete_user(self, user: UserCredentials) -> None: ...
    def list_users(self) -> list[str]: ...
    def rotate_user_secret(self, user: UserCredentials) -> UserCredentials:
        """Issues a new user secret; the old one stops working at once."""

    def portal_url(
        self,
        user: UserCredentials,
        *,
        broker: str | None = None,
        connection_type: ConnectionType | str | None = None,
        mode: PortalMode | str | None = None,
        locale: str | None = None,
        redirect_url: str | None = None,
        immediate_redirect: bool | None = None,
        reconnect: str | None = None,
        show_close_button: bool | None = None,
        portal_version: str | None = None,
        brokers: Sequence[str] | None = None,
        email: str | None = None,
        theme: str | dict[str, Any] | None = None,
        broker_type: str | None = None,
        capabilities: Sequence[str] | None = None,
        stages: Sequence[str] | None = None,
    ) -> PortalLink:
        """A connection-portal link for the user; it expires after five minutes."""

    def start_session(self, user_id: str | None = None) -> Session:
        """Starts a Finatic session, for a saved user or (``None``) for a new one."""

    def session_portal_url(
        self,
        session: Session,
        *,
        broker: str | None = None,
        connection_type: ConnectionType | str | None = None,
        mode: PortalMode | str | None = None,
        locale: str | None = None,
        redirect_url: str | None = None,
        immediate_redirect: bool | None = None,
        reconnect: str | None = None,
        show_close_button: bool | None = None,
        portal_version: str | None = None,
        brokers: Sequence[str] | None = None,
        email: str | None = None,
        theme: str | dict[str, Any] | None = None,
        broker_type: str | None = None,
        capabilities: Sequence[str] | None = None,
        stages: Sequence[str] | None = None,
    ) -> PortalLink: ...
    def session_user(self, session: Session) -> UserCredentials: ...
    def connections(self, user: UserCredentials) -> list[Connection]: ...
    def connection(self, user: UserCredentials, connection_id: str) -> Connection: ...
    def remove_connection(self, user: UserCredentials, connection_id: str) -> None: ...
    def refresh_connection(self, user: UserCredentials, connection_id: str) -> None: ...
    def disable_connection(self, user: UserCredentials, connection_id: str) -> None: ...
    def accounts(self, user: UserCredentials) -> list[Account]: ...
    def account(self, user: UserCredentials, account_id: str) -> Account: ...
    def connection_accounts(self, user: UserCredentials, connection_id: str) -> list[Account]: ...
    def webhook_catalog(self) -> list[WebhookEventType]: ...
    def webhook_subscriptions(self) -> list[WebhookSubscription]: ...
    def create_webhook_subscription(
        self, *, url: str, event_types: Sequence[str], description: str | None = None
    ) -> WebhookSubscription: ...
    def update_webhook_subscription(
        self,
        subscription_id: str,
        *,
        url: str | None = None,
        event_types: Sequence[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookSubscription: ...
    def revoke_webhook_subscription(self, subscription_id: str) -> WebhookSubscription: ...
    def wait_for_connection(
        self,
        user: UserCredentials,
        *,
        timeout: float = 120.0,
        poll_interval: float = 0.5,
        max_poll_interval: float = 5.0,
        since: datetime | None = None,
        connection_id: str | None = None,
    ) -> Connection:
        """Polls until a new (or repaired, or the named) connection is active and synced."""

@final
class AsyncClient:
    """An asyncio client: each call returns an awaitable; calls share one connection pool."""

    @staticmethod
    def snaptrade(
        *,
        client_id: str,
        consumer_key: str,
        base_url: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
    ) -> AsyncClient:
        """A SnapTrade client; the consumer key only signs requests and is never sent."""

    @staticmethod
    def finatic(
        *,
        api_key: str,
        base_url: str | None = None,
        environment: Environment | str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
    ) -> AsyncClient:
        """A Finatic client with the company API key (server side only)."""

    @property
    def provider(self) -> ProviderKind: ...
    @property
    def base_url(self) -> str: ...
    def register_user(self, user_id: str) -> Future[UserCredentials]:
        """Registers an end user; store the returned ``user_secret``."""

    def delete_user(self, user: UserCredentials) -> Future[None]: ...
    def list_users(self) -> Future[list[str]]: ...
    def rotate_user_secret(self, user: UserCredentials) -> Future[UserCredentials]:
        """Issues a new user secret; the old one stops working at once."""

    def portal_url(
        self,
        user: UserCredentials,
        *,
        broker: str | None = None,
        connection_type: ConnectionType | str | None = None,
        mode: PortalMode | str | None = None,
        locale: str | None = None,
        redirect_url: str | None = None,
        immediate_redirect: bool | None = None,
        reconnect: str | None = None,
        show_close_button: bool | None = None,
        portal_version: str | None = None,
        brokers: Sequence[str] | None = None,
        email: str | None = None,
        theme: str | dict[str, Any] | None = None,
        broker_type: str | None = None,
        capabilities: Sequence[str] | None = None,
        stages: Sequence[str] | None = None,
    ) -> Future[PortalLink]:
        """A connection-portal link for the user; it expires after five minutes."""

    def start_session(self, user_id: str | None = None) -> Future[Session]:
        """Starts a Finatic session, for a saved user or (``None``) for a new one."""

    def session_portal_url(
        self,
        session: Session,
        *,
        broker: str | None = None,
        connection_type: ConnectionType | str | None = None,
        mode: PortalMode | str | None = None,
        locale: str | None = None,
        redirect_url: str | None = None,
        immediate_redirect: bool | None = None,
        reconnect: str | None = None,
        show_close_button: bool | None = None,
        portal_version: str | None = None,
        brokers: Sequence[str] | None = None,
        email: str | None = None,
        theme: str | dict[str, Any] | None = None,
        broker_type: str | None = None,
        capabilities: Sequence[str] | None = None,
        stages: Sequence[str] | None = None,
    ) -> Future[PortalLink]: ...
    def session_user(self, session: Session) -> Future[UserCredentials]: ...
    def connections(self, user: UserCredentials) -> Future[list[Connection]]: ...
    def connection(self, user: UserCredentials, connection_id: str) -> Future[Connection]: ...
    def remove_connection(self, user: UserCredentials, connection_id: str) -> Future[None]: ...
    def refresh_connection(self, user: UserCredentials, connection_id: str) -> Future[None]: ...
    def disable_connection(self, user: UserCredentials, connection_id: str) -> Future[None]: ...
    def accounts(self, user: UserCredentials) -> Future[list[Account]]: ...
    def account(self, user: UserCredentials, account_id: str) -> Future[Account]: ...
    def connection_accounts(self, user: UserCredentials, connection_id: str) -> Future[list[Account]]: ...
    def webhook_catalog(self) -> Future[list[WebhookEventType]]: ...
    def webhook_subscriptions(self) -> Future[list[WebhookSubscription]]: ...
    def create_webhook_subscription(
        self, *, url: str, event_types: Sequence[str], description: str | None = None
    ) -> Future[WebhookSubscription]: ...
    def update_webhook_subscription(
        self,
        subscription_id: str,
        *,
        url: str | None = None,
        event_types: Sequence[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> Future[WebhookSubscription]: ...
    def revoke_webhook_subscription(self, subscription_id: str) -> Future[WebhookSubscription]: ...
    def wait_for_connection(
        self,
        user: UserCredentials,
        *,
        timeout: float = 120.0,
        poll_interval: float = 0.5,
        max_poll_interval: float = 5.0,
        since: datetime | None = None,
        connection_id: str | None = None,
    ) -> Future[Connection]:
        """Polls until a new (or repaired, or the named) connection is active and synced."""

@final
class Sandbox:
    """A local SnapTrade/Finatic sandbox running in this process, on a free loopback port."""

    def __new__(
        cls,
        *,
        rate_limit_per_minute: int = 250,
        pending_activation: float | None = None,
        expiring_after: float | None = None,
        portal_link_lifetime: float | None = None,
        client_id: str | None = None,
        consumer_key: str | None = None,
        api_key: str | None = None,
        webhook_retry_delays: Sequence[float] | None = None,
    ) -> Sandbox: ...
    def start(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Sandbox: ...
    def __exit__(self, *args: object) -> bool: ...
    def __aenter__(self) -> Future[Sandbox]: ...
    def __aexit__(self, *args: object) -> Future[bool]: ...
    @property
    def url(self) -> str: ...
    @property
    def running(self) -> bool: ...
    @property
    def client_id(self) -> str: ...
    @property
    def consumer_key(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    def complete_portal(
        self,
        url: str,
        username: str,
        password: str,
        mfa_code: str | None = None,
        broker: str | None = None,
        connection_type: str | None = None,
    ) -> PortalResult: ...
    def inject_fault(
        self,
        fault: dict[str, Any],
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        path: str | None = None,
        count: int = 1,
    ) -> str: ...
    def clear_faults(self) -> None: ...
    def armed_faults(self) -> int: ...
    def change_connection(
        self, connection_id: str, action: ConnectionChange | Literal["disable", "expire", "remove"]
    ) -> SandboxConnection: ...
    def reset(self) -> None: ...
    def state(self) -> SandboxState: ...
    def add_webhook(
        self, url: str, *, provider: str | None = None, event_types: Sequence[str] | None = None
    ) -> SandboxWebhook: ...
    def remove_webhook(self, endpoint_id: str) -> bool: ...
    def rotate_webhook_secret(self, endpoint_id: str, *, grace: float = 3600.0) -> str: ...
    def webhook_deliveries(self) -> list[SandboxDelivery]: ...
    def replay_delivery(self, delivery_id: str) -> str: ...

@final
class SandboxState:
    """What the sandbox holds."""

    @property
    def users(self) -> int: ...
    @property
    def sessions(self) -> int: ...
    @property
    def connections(self) -> int: ...
    @property
    def accounts(self) -> int: ...
    @property
    def faults(self) -> int: ...
    @property
    def requests_served(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class SandboxConnection:
    """A connection as the sandbox stores it."""

    @property
    def id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def broker(self) -> str: ...
    @property
    def status(self) -> Literal["active", "pending", "disabled", "expired", "removed"]: ...
    @property
    def permission(self) -> Literal["read", "trade"]: ...
    @property
    def created_at(self) -> str: ...
    @property
    def updated_at(self) -> str: ...
    @property
    def disabled_at(self) -> str | None: ...
    @property
    def accounts(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class SandboxWebhook:
    """A webhook endpoint of the sandbox; ``secret`` (its ``whsec_`` key) shows as ``***`` in repr."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def provider(self) -> str | None: ...
    @property
    def event_types(self) -> list[str] | None: ...
    @property
    def secret(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def created_at(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class SandboxDelivery:
    """One entry of the sandbox's webhook delivery log."""

    @property
    def id(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def event_type(self) -> str: ...
    @property
    def endpoint_id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def status(self) -> Literal["pending", "delivered", "failed"]: ...
    @property
    def attempts(self) -> int: ...
    @property
    def response_code(self) -> int | None: ...
    @property
    def last_error(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class WebhookEvent:
    """A verified webhook event; ``kind`` is brokerlink's name, ``event_type`` the provider's."""

    @property
    def id(self) -> str: ...
    @property
    def provider(self) -> ProviderKind: ...
    @property
    def kind(self) -> WebhookEventKind: ...
    @property
    def event_type(self) -> str: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def connection_id(self) -> str | None: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def broker(self) -> str | None: ...
    @property
    def result(self) -> str | None: ...
    @property
    def occurred_at(self) -> datetime | None: ...
    @property
    def schema_version(self) -> str | None: ...
    @property
    def oauth_client_id(self) -> str | None: ...
    @property
    def raw(self) -> Any: ...
    def to_dict(self) -> dict[str, Any]: ...

def verify_webhook(
    body: bytes | str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    secrets: Sequence[str],
    *,
    tolerance: float = 300.0,
    max_event_age: float | None = None,
    now: datetime | None = None,
) -> WebhookEvent:
    """Verifies a webhook delivery from its raw body and headers; raises WebhookInvalidError."""

def sign_webhook(body: bytes | str, signer: Mapping[str, Any]) -> dict[str, str]:
    """The headers of a valid delivery of ``body`` (for tests); ``signer["type"]`` is
    ``snaptrade`` (``consumer_key``), ``standard`` (``secret``, ``id``, ``timestamp``) or
    ``finatic`` (``secret``)."""

def parse_portal_result(input: str) -> PortalResult:
    """Parses a portal redirect URL, its query, or a portal window message."""

def _shutdown() -> None: ...
def _force_panic(mode: str = "boundary") -> Any: ...
