// The language-neutral JSON forms of tests/conformance/rust/src/canonical.rs, from the Kotlin
// bindings' types. Enum values are their `toString()`, which is the core's own string.
package brokerlink.conformance

import brokerlink.Account
import brokerlink.BrokerlinkException
import brokerlink.Connection
import brokerlink.PortalLink
import brokerlink.PortalResult
import brokerlink.SandboxConnection
import brokerlink.Session
import brokerlink.UserCredentials
import brokerlink.WebhookEvent
import brokerlink.WebhookEventType
import brokerlink.WebhookSubscription
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.time.Duration
import java.time.Instant

private fun time(t: Instant?): String? = t?.toString()

internal fun user(u: UserCredentials): JsonElement = buildJsonObject {
    put("user_id", u.userId)
    put("user_secret", u.userSecret?.expose())
}

internal fun session(s: Session): JsonElement = buildJsonObject {
    put("id", s.id.expose())
    put("company_id", s.companyId)
    put("status", s.status.toString())
    put("expires_at", time(s.expiresAt))
    put("user_id", s.userId)
}

internal fun sandboxConnection(c: SandboxConnection): JsonElement = buildJsonObject {
    put("id", c.id)
    put("user_id", c.userId)
    put("broker", c.broker)
    put("status", c.status)
    put("permission", c.permission)
    put("created_at", c.createdAt)
    put("updated_at", c.updatedAt)
    put("disabled_at", c.disabledAt)
    put("accounts", kotlinx.serialization.json.JsonArray(c.accounts.map { kotlinx.serialization.json.JsonPrimitive(it) }))
}

internal fun link(l: PortalLink): JsonElement = buildJsonObject {
    put("url", l.url.expose())
    put("session_id", l.sessionId.expose())
    put("expires_at", time(l.expiresAt))
}

internal fun connection(c: Connection): JsonElement = buildJsonObject {
    put("id", c.id)
    put(
        "broker",
        buildJsonObject {
            put("slug", c.broker.slug)
            put("name", c.broker.name)
            put("display_name", c.broker.displayName)
            put("allows_trading", c.broker.allowsTrading)
        },
    )
    put("status", c.status.toString())
    put("raw_status", c.rawStatus)
    put("permission", c.permission.toString())
    put("name", c.name)
    put("created_at", time(c.createdAt))
    put("updated_at", time(c.updatedAt))
    put("disabled_at", time(c.disabledAt))
}

internal fun webhookEventType(t: WebhookEventType): JsonElement = buildJsonObject {
    put("event_type", t.eventType)
    put("category", t.category)
    put("description", t.description)
}

internal fun webhookSubscription(s: WebhookSubscription): JsonElement = buildJsonObject {
    put("id", s.id)
    put("url", s.url)
    put("event_types", kotlinx.serialization.json.JsonArray(s.eventTypes.map { kotlinx.serialization.json.JsonPrimitive(it) }))
    put("status", s.status.toString())
    put("raw_status", s.rawStatus)
    put("description", s.description)
    put("created_at", time(s.createdAt))
    put("updated_at", time(s.updatedAt))
    put("has_secret", s.secret != null)
}

internal fun account(a: Account): JsonElement = buildJsonObject {
    put("id", a.id)
    put("connection_id", a.connectionId)
    put("name", a.name)
    put("number", a.number)
    put("institution_name", a.institutionName)
    val balance = a.balance
    if (balance == null) {
        put("balance", JsonNull)
    } else {
        put(
            "balance",
            buildJsonObject {
                put("amount", balance.amount.toPlainString())
                put("currency", balance.currency)
            },
        )
    }
    put("is_paper", a.isPaper)
    put("raw_status", a.rawStatus)
    put("created_at", time(a.createdAt))
    put("synced", a.synced)
}

internal fun portalResult(r: PortalResult): JsonElement = buildJsonObject {
    when (r) {
        is PortalResult.Success -> {
            put("type", "success")
            put("connection_id", r.connectionId)
            put("user_id", r.userId)
        }
        is PortalResult.Error -> {
            put("type", "error")
            put("code", r.code)
            put("message", r.message)
            put("status_code", r.statusCode?.toInt())
        }
        is PortalResult.Closed -> put("type", "closed")
        is PortalResult.Abandoned -> put("type", "abandoned")
        is PortalResult.Resize -> {
            put("type", "resize")
            put("height", r.height.toLong())
        }
    }
}

private fun secondsOf(d: Duration): Double = d.seconds + d.nano / 1e9

/** Errors are compared by kind and structured fields, never by message text. */
internal fun canonicalError(e: BrokerlinkException): JsonObject {
    val d = e.details()
    return buildJsonObject {
        put("kind", d.kind.toString())
        put("field", d.field)
        put("status", d.status?.toInt())
        put("provider_code", d.providerCode)
        put("request_id", d.requestId)
        put("retry_after", d.retryAfter?.let(::secondsOf))
        put("attempts", d.attempts.toLong())
        put("reason", d.reason)
    }
}

internal fun webhookEvent(e: WebhookEvent): JsonElement = buildJsonObject {
    put("id", e.id)
    put("provider", e.provider.toString())
    put("kind", e.kind.toString())
    put("event_type", e.eventType)
    put("user_id", e.userId)
    put("connection_id", e.connectionId)
    put("account_id", e.accountId)
    put("broker", e.broker)
    put("result", e.result)
    put("occurred_at", time(e.occurredAt))
    put("schema_version", e.schemaVersion)
    put("oauth_client_id", e.oauthClientId)
}
