// The language-neutral JSON forms of tests/conformance/rust/src/canonical.rs, from the Kotlin
// bindings' types. Enum values are their `toString()`, which is the core's own string.
package brokerlink.conformance

import brokerlink.Account
import brokerlink.Activity
import brokerlink.AuthorizationRequest
import brokerlink.Balance
import brokerlink.BalanceHistory
import brokerlink.BrokerlinkException
import brokerlink.Instrument
import brokerlink.OAuthTokens
import brokerlink.Order
import brokerlink.Position
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
import java.math.BigDecimal
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

internal fun oauthTokens(t: OAuthTokens): JsonElement = buildJsonObject {
    put("access_token", t.accessToken.expose())
    put("refresh_token", t.refreshToken.expose())
    put("expires_at", time(t.expiresAt))
    put("scope", t.scope)
    put("user_id", t.userId)
    put("email", t.email)
}

internal fun authorizationRequest(r: AuthorizationRequest): JsonElement = buildJsonObject {
    put("url", r.url)
    put("redirect_uri", r.redirectUri)
    put("state", r.state.expose())
    put("code_verifier", r.codeVerifier.expose())
    put("nonce", r.nonce.expose())
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
    val sync = a.sync
    if (sync == null) {
        put("sync", JsonNull)
    } else {
        put(
            "sync",
            buildJsonObject {
                put("holdings_ready", sync.holdingsReady)
                put("transactions_ready", sync.transactionsReady)
                put("holdings_synced_at", time(sync.holdingsSyncedAt))
                put("transactions_synced_at", time(sync.transactionsSyncedAt))
                put("first_transaction_date", sync.firstTransactionDate?.toString())
                put("raw_status", sync.rawStatus)
            },
        )
    }
}

/** An exact decimal as the text of its digits and scale (never an exponent). */
private fun amount(d: BigDecimal?): String? = d?.toPlainString()

internal fun instrument(i: Instrument?): JsonElement = if (i == null) JsonNull else buildJsonObject {
    put("symbol", i.symbol)
    put("name", i.name)
    put("kind", i.kind.toString())
    put("raw_kind", i.rawKind)
    put("currency", i.currency)
    put("exchange", i.exchange)
    val o = i.option
    if (o == null) {
        put("option", JsonNull)
    } else {
        put(
            "option",
            buildJsonObject {
                put("underlying", o.underlying)
                put("strike", amount(o.strike))
                put("expiry", o.expiry.toString())
                put("right", o.right.toString())
                put("multiplier", amount(o.multiplier))
            },
        )
    }
}

internal fun position(p: Position): JsonElement = buildJsonObject {
    put("account_id", p.accountId)
    put("instrument", instrument(p.instrument))
    put("quantity", amount(p.quantity))
    put("average_cost", amount(p.averageCost))
    put("price", amount(p.price))
    put("market_value", amount(p.marketValue))
    put("open_pnl", amount(p.openPnl))
    put("currency", p.currency)
    put("cash_equivalent", p.cashEquivalent)
}

internal fun balance(b: Balance): JsonElement = buildJsonObject {
    put("currency", b.currency)
    put("cash", amount(b.cash))
    put("buying_power", amount(b.buyingPower))
}

internal fun order(o: Order): JsonElement = buildJsonObject {
    put("id", o.id)
    put("account_id", o.accountId)
    put("status", o.status.toString())
    put("raw_status", o.rawStatus)
    put("side", o.side.toString())
    put("raw_action", o.rawAction)
    put("instrument", instrument(o.instrument))
    put("order_type", o.orderType)
    put("time_in_force", o.timeInForce)
    put("quantity", amount(o.quantity))
    put("filled_quantity", amount(o.filledQuantity))
    put("limit_price", amount(o.limitPrice))
    put("stop_price", amount(o.stopPrice))
    put("execution_price", amount(o.executionPrice))
    put("placed_at", time(o.placedAt))
    put("updated_at", time(o.updatedAt))
    put("executed_at", time(o.executedAt))
}

internal fun activity(a: Activity): JsonElement = buildJsonObject {
    put("id", a.id)
    put("account_id", a.accountId)
    put("kind", a.kind.toString())
    put("raw_type", a.rawType)
    put("instrument", instrument(a.instrument))
    put("description", a.description)
    put("quantity", amount(a.quantity))
    put("price", amount(a.price))
    put("amount", amount(a.amount))
    put("fee", amount(a.fee))
    put("currency", a.currency)
    put("trade_date", a.tradeDate?.toString())
    put("settlement_date", a.settlementDate?.toString())
    put("external_reference_id", a.externalReferenceId)
}

internal fun balanceHistory(h: BalanceHistory): JsonElement = buildJsonObject {
    put("currency", h.currency)
    put(
        "points",
        kotlinx.serialization.json.JsonArray(
            h.points.map { p ->
                buildJsonObject {
                    put("date", p.date.toString())
                    put("total", amount(p.total))
                }
            },
        ),
    )
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
