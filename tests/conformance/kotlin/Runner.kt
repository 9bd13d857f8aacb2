// The Kotlin runner of the conformance suite (docs/design.md §7): executes every scenario of
// tests/conformance/scenarios against a fresh in-process Sandbox of the Kotlin bindings
// (bindings-swift/kotlin) and writes one raw transcript per scenario, `<name>.jsonl`, in the
// canonical snake_case forms of tests/conformance/rust/src/canonical.rs. It mirrors run.rs
// step for step; `conformance check DIR` then normalises and compares with the golden
// transcripts. Compiled as a test source of the Maven module and run by its ConformanceTest
// (bindings-swift/build.sh), or by `main(out, scenarios)`.
package brokerlink.conformance

import brokerlink.ActivityQuery
import brokerlink.AuthorizationRequest
import brokerlink.BrokerlinkException
import brokerlink.Client
import brokerlink.ClientOptions
import brokerlink.ConnectionChange
import brokerlink.Fault
import brokerlink.FaultOptions
import brokerlink.NewWebhookSubscription
import brokerlink.OAuthTokens
import brokerlink.OrderQuery
import brokerlink.OrderState
import brokerlink.PortalOptions
import brokerlink.PortalTheme
import brokerlink.RetryPolicy
import brokerlink.Sandbox
import brokerlink.SandboxOptions
import brokerlink.Secret
import brokerlink.Session
import brokerlink.UserCredentials
import brokerlink.WaitOptions
import brokerlink.WebhookOptions
import brokerlink.WebhookSubscriptionUpdate
import brokerlink.parseConnectionType
import brokerlink.parsePortalMode
import brokerlink.parsePortalResult
import brokerlink.parseSessionStatus
import brokerlink.verifyWebhook
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.Instant
import java.time.LocalDate

/** A step the runner itself could not carry out (recorded as `runner_error`). */
class RunnerError(message: String) : Exception(message)

/** A step lacks its user or session argument (run.rs reports it as an internal error). */
class Missing : Exception("scenario step lacks a user argument")

/** An error already in its canonical form. */
class Canonical(val value: JsonObject) : Exception()

private val INTERNAL_MISSING = buildJsonObject {
    put("kind", "internal")
    put("field", JsonNull)
    put("status", JsonNull)
    put("provider_code", JsonNull)
    put("request_id", JsonNull)
    put("retry_after", JsonNull)
    put("attempts", 0)
    put("reason", JsonNull)
}

// ---- scenario.rs -------------------------------------------------------------------------

fun loadAll(dir: File): List<JsonObject> =
    (dir.listFiles { f -> f.name.endsWith(".json") } ?: emptyArray()).sortedBy { it.name }.map { file ->
        val scenario = Json.parseToJsonElement(file.readText()).jsonObject
        val name = (scenario["name"] as? JsonPrimitive)?.content
        require(name == file.nameWithoutExtension) { "$file: name $name must equal the file name" }
        scenario
    }

/** Replaces `"$name"` / `"$name.path.to.field"` strings with saved results. */
fun resolve(args: JsonElement, saved: Map<String, JsonElement>): JsonElement = when {
    args is JsonPrimitive && args.isString && args.content.startsWith("$") -> {
        val parts = args.content.substring(1).split(".")
        var value: JsonElement = saved[parts[0]] ?: throw RunnerError("nothing saved as \"${parts[0]}\"")
        for (part in parts.drop(1)) {
            value = when (value) {
                is JsonArray -> part.toIntOrNull()?.takeIf { part.all(Char::isDigit) }?.let { value.getOrNull(it) }
                is JsonObject -> value[part]
                else -> null
            } ?: throw RunnerError("${args.content}: no field \"$part\"")
        }
        value
    }
    args is JsonArray -> JsonArray(args.map { resolve(it, saved) })
    args is JsonObject -> JsonObject(args.mapValues { resolve(it.value, saved) })
    else -> args
}

// ---- argument readers (serde_json's as_str / as_bool / as_u64 / as_i64 / as_f64) ----------

private fun JsonElement?.field(key: String): JsonElement? = (this as? JsonObject)?.get(key)

internal fun text(args: JsonElement?, key: String): String? =
    (args.field(key) as? JsonPrimitive)?.takeIf { it.isString }?.content

private fun flag(args: JsonElement?, key: String): Boolean? =
    (args.field(key) as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toBooleanStrictOrNull()

internal fun unsigned(args: JsonElement?, key: String): Long? =
    (args.field(key) as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toLongOrNull()?.takeIf { it >= 0 }

private fun integer(args: JsonElement?, key: String): Long? =
    (args.field(key) as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toLongOrNull()

private fun number(args: JsonElement?, key: String): Double? =
    (args.field(key) as? JsonPrimitive)?.takeIf { !it.isString && it.content != "true" && it.content != "false" }
        ?.doubleOrNull

private fun strings(args: JsonElement?, key: String): List<String> =
    (args.field(key) as? JsonArray)?.mapNotNull { (it as? JsonPrimitive)?.takeIf { p -> p.isString }?.content }
        ?: emptyList()

private fun seconds(value: Double): Duration = Duration.ofNanos((value * 1e9).toLong())

// ---- run.rs ------------------------------------------------------------------------------

private fun client(sandbox: Sandbox, provider: String, settings: JsonObject?): Client {
    val retry = settings.field("retry") as? JsonObject
    val options = ClientOptions(
        baseUrl = sandbox.url(),
        timeout = unsigned(settings, "timeout_ms")?.let(Duration::ofMillis),
        retry = retry?.let {
            RetryPolicy(
                maxAttempts = unsigned(it, "max_attempts")?.toUInt(),
                initialBackoff = unsigned(it, "initial_backoff_ms")?.let(Duration::ofMillis),
                maxBackoff = unsigned(it, "max_backoff_ms")?.let(Duration::ofMillis),
                maxRetryAfter = unsigned(it, "max_retry_after_ms")?.let(Duration::ofMillis),
            )
        },
    )
    val tokens = settings.field("oauth_tokens")
    if (settings.field("oauth")?.let { (it as? JsonPrimitive)?.content == "true" } == true || tokens != null) {
        val app = Client.snaptradeOauth(sandbox.oauthClientId(), sandbox.oauthClientSecret(), options)
        return if (tokens == null) app else app.withOauthTokens(tokensArg(tokens)).also { app.close() }
    }
    return if (settings.field("personal")?.let { (it as? JsonPrimitive)?.content == "true" } == true) {
        Client.snaptradePersonal(
            text(settings, "client_id") ?: sandbox.personalClientId(),
            text(settings, "consumer_key") ?: sandbox.personalConsumerKey(),
            options,
        )
    } else if (provider == "finatic") {
        val token = text(settings, "one_time_token")
        // A token client gets no API key unless the scenario gives one.
        val apiKey = if (token != null) text(settings, "api_key") else text(settings, "api_key") ?: sandbox.apiKey()
        Client.finatic(apiKey = apiKey, oneTimeToken = token, options = options)
    } else {
        Client.snaptrade(
            text(settings, "client_id") ?: sandbox.clientId(),
            text(settings, "consumer_key") ?: sandbox.consumerKey(),
            options,
        )
    }
}

/** `start`, `end` (`YYYY-MM-DD`) and `page_size`, as the client's query record. */
private fun activityQuery(args: JsonElement?): ActivityQuery = ActivityQuery(
    start = text(args, "start")?.let(LocalDate::parse),
    end = text(args, "end")?.let(LocalDate::parse),
    pageSize = unsigned(args, "page_size")?.toUInt(),
)

/** Tokens given back as their canonical form. */
private fun tokensArg(t: JsonElement?): OAuthTokens = OAuthTokens(
    accessToken = Secret(text(t, "access_token") ?: ""),
    refreshToken = Secret(text(t, "refresh_token") ?: ""),
    expiresAt = text(t, "expires_at")?.let { java.time.OffsetDateTime.parse(it).toInstant() } ?: java.time.Instant.now(),
    scope = text(t, "scope") ?: "",
    userId = text(t, "user_id"),
    email = text(t, "email"),
)

/** An authorization request given back as its canonical form. */
private fun requestArg(r: JsonElement?): AuthorizationRequest = AuthorizationRequest(
    url = text(r, "url") ?: "",
    redirectUri = text(r, "redirect_uri") ?: "",
    state = Secret(text(r, "state") ?: ""),
    codeVerifier = Secret(text(r, "code_verifier") ?: ""),
    nonce = Secret(text(r, "nonce") ?: ""),
)

/** The step's user; JSON `null` is the client's own user (a SnapTrade Personal key). */
private fun userArg(args: JsonElement?): UserCredentials? {
    val user = args.field("user") ?: throw Missing()
    if (user is JsonNull) return null
    return UserCredentials(text(user, "user_id") ?: "", text(user, "user_secret")?.let(::Secret))
}

/** A user for the user-management calls, which always name one. */
private fun namedUser(args: JsonElement?): UserCredentials = userArg(args) ?: UserCredentials("")

/** A session given back as its canonical form. */
private fun sessionArg(args: JsonElement?): Session {
    val s = args.field("session") ?: throw Missing()
    return Session(
        id = Secret(text(s, "id") ?: ""),
        companyId = text(s, "company_id") ?: "",
        status = parseSessionStatus(text(s, "status") ?: ""),
        expiresAt = null,
        userId = text(s, "user_id"),
    )
}

private fun portalOptions(args: JsonElement?): PortalOptions {
    val o = args.field("options")
    val theme = o.field("theme")
    return PortalOptions(
        broker = text(o, "broker"),
        // Scenarios spell enums as their stable strings; a word outside the enum fails here as
        // `invalid_input`, as it does in the languages that take the string.
        connectionType = text(o, "connection_type")?.let { parseConnectionType(it) },
        mode = text(o, "mode")?.let { parsePortalMode(it) },
        locale = text(o, "locale"),
        redirectUrl = text(o, "redirect_url"),
        immediateRedirect = flag(o, "immediate_redirect"),
        reconnect = text(o, "reconnect"),
        showCloseButton = flag(o, "show_close_button"),
        portalVersion = text(o, "portal_version"),
        brokers = strings(o, "brokers"),
        email = text(o, "email"),
        theme = when {
            theme is JsonPrimitive && theme.isString -> PortalTheme.Preset(theme.content)
            theme is JsonObject -> PortalTheme.Custom(theme.toString())
            else -> null
        },
        brokerType = text(o, "broker_type"),
        capabilities = strings(o, "capabilities"),
        stages = strings(o, "stages"),
    )
}

private fun verify(args: JsonElement?): JsonElement {
    val headers = (args.field("headers") as? JsonObject)
        ?.mapValues { (it.value as? JsonPrimitive)?.takeIf { p -> p.isString }?.content ?: "" }
        ?: emptyMap()
    val options = WebhookOptions(
        tolerance = number(args, "tolerance_seconds")?.let(::seconds),
        maxEventAge = number(args, "max_event_age_seconds")?.let(::seconds),
        now = integer(args, "now")?.let(Instant::ofEpochSecond),
    )
    val body = (text(args, "body") ?: "").toByteArray(Charsets.UTF_8)
    return webhookEvent(verifyWebhook(body, headers, strings(args, "secrets"), options))
}

private suspend fun execute(
    sandbox: Sandbox,
    named: () -> Client,
    call: String,
    args: JsonElement?,
): JsonElement {
    if (call.startsWith("sandbox.")) return sandboxCall(sandbox, call.removePrefix("sandbox."), args)
    when (call) {
        "sleep" -> {
            delay(unsigned(args, "ms") ?: 0)
            return JsonNull
        }
        "verify_webhook" -> return verify(args)
        "parse_portal_result" -> return portalResult(parsePortalResult(text(args, "input") ?: ""))
    }
    val id = { key: String -> text(args, key) ?: "" }
    return named().let { c ->
        when (call) {
            "register_user" -> user(c.registerUser(id("user_id")))
            "delete_user" -> c.deleteUser(namedUser(args)).let { JsonNull }
            "list_users" -> JsonArray(c.listUsers().map(::JsonPrimitive))
            "rotate_user_secret" -> user(c.rotateUserSecret(namedUser(args)))
            "portal_url" -> {
                val user = userArg(args)
                link(c.portalUrl(user, portalOptions(args)))
            }
            "start_session" -> session(c.startSession(text(args, "user_id")))
            "mint_one_time_token" -> JsonObject(mapOf("one_time_token" to JsonPrimitive(c.mintOneTimeToken())))
            "oauth_authorization_url" ->
                authorizationRequest(c.oauthAuthorizationUrl(text(args, "redirect_uri") ?: "", strings(args, "scopes")))
            "oauth_exchange_code" ->
                oauthTokens(c.oauthExchangeCode(requestArg(args.field("request")), text(args, "callback_url") ?: ""))
            "oauth_revoke" -> c.oauthRevoke(tokensArg(args.field("tokens"))).let { JsonNull }
            "session_portal_url" -> link(c.sessionPortalUrl(sessionArg(args), portalOptions(args)))
            "session_user" -> user(c.sessionUser(sessionArg(args)))
            "connections" -> JsonArray(c.connections(userArg(args)).map(::connection))
            "connection" -> connection(c.connection(userArg(args), id("connection_id")))
            "remove_connection" -> c.removeConnection(userArg(args), id("connection_id")).let { JsonNull }
            "refresh_connection" -> c.refreshConnection(userArg(args), id("connection_id")).let { JsonNull }
            "disable_connection" -> c.disableConnection(userArg(args), id("connection_id")).let { JsonNull }
            "webhook_catalog" -> JsonArray(c.webhookCatalog().map(::webhookEventType))
            "webhook_subscriptions" -> JsonArray(c.webhookSubscriptions().map(::webhookSubscription))
            "create_webhook_subscription" -> webhookSubscription(
                c.createWebhookSubscription(
                    NewWebhookSubscription(id("url"), strings(args, "event_types"), text(args, "description")),
                ),
            )
            "update_webhook_subscription" -> webhookSubscription(
                c.updateWebhookSubscription(
                    id("subscription_id"),
                    WebhookSubscriptionUpdate(
                        url = text(args, "url"),
                        eventTypes = args.field("event_types")?.let { strings(args, "event_types") },
                        description = text(args, "description"),
                        enabled = flag(args, "enabled"),
                    ),
                ),
            )
            "revoke_webhook_subscription" -> webhookSubscription(c.revokeWebhookSubscription(id("subscription_id")))
            "accounts" -> JsonArray(c.accounts(userArg(args)).map(::account))
            "account" -> account(c.account(userArg(args), id("account_id")))
            "connection_accounts" -> JsonArray(c.connectionAccounts(userArg(args), id("connection_id")).map(::account))
            "positions" -> JsonArray(c.positions(userArg(args), id("account_id")).map(::position))
            "balances" -> JsonArray(c.balances(userArg(args), id("account_id")).map(::balance))
            "orders" -> {
                val query = OrderQuery(
                    state = text(args, "state")?.let { OrderState.valueOf(it.uppercase()) },
                    days = unsigned(args, "days")?.toUInt(),
                )
                JsonArray(c.orders(userArg(args), id("account_id"), query).map(::order))
            }
            "recent_orders" ->
                JsonArray(c.recentOrders(userArg(args), id("account_id"), flag(args, "only_executed") ?: true).map(::order))
            "order" -> order(c.order(userArg(args), id("account_id"), id("order_id")))
            "activities" -> JsonArray(c.activities(userArg(args), id("account_id"), activityQuery(args)).map(::activity))
            "activity_pages" -> {
                val pages = c.activityPages(userArg(args), id("account_id"), activityQuery(args))
                val all = mutableListOf<JsonElement>()
                while (true) {
                    val page = pages.next() ?: break
                    all.add(JsonArray(page.map(::activity)))
                }
                JsonArray(all)
            }
            "balance_history" -> balanceHistory(c.balanceHistory(userArg(args), id("account_id")))
            "wait_for_connection" -> {
                val user = userArg(args)
                val ms = { key: String, default: Long -> Duration.ofMillis(unsigned(args, key) ?: default) }
                val options = WaitOptions(
                    timeout = ms("timeout_ms", 10_000),
                    pollInterval = ms("poll_ms", 100),
                    maxPollInterval = ms("max_poll_ms", 1_000),
                    connectionId = text(args, "connection_id"),
                )
                connection(c.waitForConnection(user, options))
            }
            else -> throw Canonical(JsonObject(INTERNAL_MISSING))
        }
    }
}

private val http: HttpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

/** The admin API over HTTP, as every language's runner reaches it. */
private suspend fun admin(sandbox: Sandbox, method: String, path: String, body: JsonElement? = null): JsonElement =
    withContext(Dispatchers.IO) {
        try {
            val request = HttpRequest.newBuilder(URI.create(sandbox.url() + path)).timeout(Duration.ofSeconds(60))
            if (body != null) {
                request.header("content-type", "application/json")
                request.method(method, HttpRequest.BodyPublishers.ofString(body.toString()))
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody())
            }
            val response = http.send(request.build(), HttpResponse.BodyHandlers.ofString())
            Json.parseToJsonElement(response.body())
        } catch (e: Exception) {
            throw RunnerError(e.toString())
        }
    }

/** The fault object of the admin API, tried in the order serde's untagged enum tries it. */
private fun fault(f: JsonElement?): Fault {
    val obj = f as? JsonObject ?: throw RunnerError("invalid fault")
    unsigned(obj, "status")?.let { status ->
        val body = obj["body"]?.takeIf { it != JsonNull }?.toString()
        return Fault.Status(status.toUShort(), body, unsigned(obj, "retry_after")?.toULong())
    }
    unsigned(obj, "delay_ms")?.let { return Fault.Delay(it.toULong()) }
    if (flag(obj, "reset") != null) return Fault.Reset
    if (flag(obj, "truncate") != null) return Fault.Truncate
    if (flag(obj, "invalid_json") != null) return Fault.InvalidJson
    unsigned(obj, "large_body_bytes")?.let { return Fault.LargeBody(it.toULong()) }
    throw RunnerError("data did not match any variant of untagged enum Fault")
}

private suspend fun sandboxCall(sandbox: Sandbox, call: String, args: JsonElement?): JsonElement = when (call) {
    "add_webhook" -> {
        // `sink` names the sandbox's own receiver; `fail_first` makes it refuse deliveries.
        val sink = text(args, "sink") ?: ""
        val failFirst = unsigned(args, "fail_first") ?: 0
        val body = buildJsonObject {
            put("url", "${sandbox.url()}/_sandbox/sink/$sink?fail_first=$failFirst")
            for (key in listOf("provider", "event_types")) args.field(key)?.let { put(key, it) }
        }
        admin(sandbox, "POST", "/_sandbox/webhooks", body)
    }
    "sink" -> {
        val name = text(args, "name") ?: ""
        val count = unsigned(args, "count") ?: 1
        val timeout = unsigned(args, "timeout_ms") ?: 5000
        admin(sandbox, "GET", "/_sandbox/sink/$name?count=$count&timeout_ms=$timeout")
    }
    "oauth_authorize" -> {
        val allow = (text(args, "decision") ?: "allow") == "allow"
        val to = sandbox.authorizeOauth(text(args, "url") ?: "", text(args, "username") ?: "", text(args, "password") ?: "", allow)
        JsonObject(mapOf("redirect_url" to JsonPrimitive(to)))
    }
    "complete_portal" -> {
        val required = listOf("url", "username", "password").map { text(args, it) ?: throw RunnerError("missing field `$it`") }
        val optional = listOf("mfa_code", "broker", "connection_type").map { key ->
            val value = args.field(key)
            if (value != null && value != JsonNull && text(args, key) == null) throw RunnerError("invalid type: expected a string")
            text(args, key)
        }
        portalResult(sandbox.completePortal(required[0], required[1], required[2], optional[0], optional[1], optional[2]))
    }
    "connection" -> try {
        val change = ConnectionChange.valueOf((text(args, "action") ?: "").uppercase())
        sandboxConnection(sandbox.changeConnection(text(args, "id") ?: "", change))
    } catch (e: BrokerlinkException) {
        throw RunnerError(e.details().message)
    }
    "fault" -> {
        val options = FaultOptions(
            method = text(args, "method"),
            pathPrefix = text(args, "path_prefix"),
            path = text(args, "path"),
            count = (unsigned(args, "count") ?: 1).toUInt(),
        )
        sandbox.injectFault(fault(args.field("fault")), options)
        JsonNull
    }
    "clear_faults" -> sandbox.clearFaults().let { JsonNull }
    "faults" -> buildJsonObject { put("armed", sandbox.armedFaults().toLong()) }
    "load_portfolio" -> try {
        val portfolio = args.field("portfolio")?.toString() ?: "{}"
        JsonArray(sandbox.loadPortfolio(text(args, "user_id") ?: "", portfolio, text(args, "account_id")).map { JsonPrimitive(it) })
    } catch (e: BrokerlinkException) {
        throw RunnerError(e.details().message)
    }
    "state" -> sandbox.state().let { s ->
        buildJsonObject {
            put("users", s.users.toLong())
            put("sessions", s.sessions.toLong())
            put("connections", s.connections.toLong())
            put("accounts", s.accounts.toLong())
            put("faults", s.faults.toLong())
            put("requests_served", s.requestsServed.toLong())
            put("requests_throttled", s.requestsThrottled.toLong())
        }
    }
    else -> throw RunnerError("unknown sandbox call \"$call\"")
}

/** Runs every step; failures are recorded, never raised, so the checker sees them all. */
suspend fun run(scenario: JsonObject): List<JsonElement> {
    val s = scenario["sandbox"] as? JsonObject
    val sandbox = try {
        Sandbox.start(
            SandboxOptions(
                rateLimitPerMinute = unsigned(s, "rate_limit_per_minute")?.toUInt(),
                accountRateLimitPerMinute = unsigned(s, "account_rate_limit_per_minute")?.toUInt(),
                pendingActivation = number(s, "pending_seconds")?.let { Duration.ofMillis((it * 1000).toLong()) },
                expiringAfter = number(s, "expiring_seconds")?.let { Duration.ofMillis((it * 1000).toLong()) },
                portalLinkLifetime = number(s, "portal_link_seconds")?.let { Duration.ofMillis((it * 1000).toLong()) },
                webhookRetryDelays = (s.field("webhook_retry_ms") as? JsonArray)?.map { Duration.ofMillis(it.jsonPrimitive.content.toLong()) },
            ),
        )
    } catch (e: Exception) {
        return listOf(buildJsonObject { put("runner_error", "sandbox did not start: $e") })
    }
    val lines = mutableListOf<JsonElement>(buildJsonObject { put("sandbox", sandbox.url()) })
    val saved = mutableMapOf<String, JsonElement>()
    val provider = text(scenario, "provider") ?: "snaptrade"
    val clients = scenario["clients"] as? JsonObject
    // One client per name for the whole scenario, as an app keeps one: what a client learns
    // (its rate-limit buckets) carries from step to step.
    val built = mutableMapOf<String, Client>()
    // Settings may name a saved value (a one-time token minted by an earlier step).
    val named = { name: String ->
        { built.getOrPut(name) { client(sandbox, provider, clients?.get(name)?.let { resolve(it, saved) } as? JsonObject) } }
    }
    sandbox.use {
        for ((index, step) in (scenario["steps"] as JsonArray).withIndex()) {
            val call = text(step, "call") ?: ""
            val outcome: Pair<String, JsonElement> = try {
                val args = resolve(step.field("args") ?: JsonNull, saved)
                val value = execute(sandbox, named(text(step, "client") ?: "default"), call, args)
                text(step, "save")?.let { saved[it] = value }
                "ok" to value
            } catch (e: RunnerError) {
                "error" to buildJsonObject { put("runner_error", e.message) }
            } catch (e: Missing) {
                "error" to INTERNAL_MISSING
            } catch (e: Canonical) {
                "error" to e.value
            } catch (e: BrokerlinkException) {
                "error" to canonicalError(e)
            } catch (e: Exception) { // a bug in this runner or the bindings: show it, do not stop
                "error" to buildJsonObject { put("runner_error", e.toString()) }
            }
            lines += buildJsonObject {
                put("step", index)
                put("call", call)
                put(outcome.first, outcome.second)
            }
        }
        built.values.forEach { it.close() }
        sandbox.shutdown()
    }
    return lines
}

/** Runs every scenario of `scenarios` at once (each has its own sandbox) into `out`. */
fun runAll(scenarios: File, out: File): Int {
    val all = loadAll(scenarios)
    out.mkdirs()
    val transcripts = runBlocking(Dispatchers.Default) {
        all.map { scenario -> async { run(scenario) } }.awaitAll()
    }
    for ((scenario, lines) in all.zip(transcripts)) {
        val name = (scenario["name"] as JsonPrimitive).content
        File(out, "$name.jsonl").writeText(lines.joinToString("\n", postfix = "\n") { it.toString() })
    }
    return all.size
}

/** `Runner.kt OUT [SCENARIOS]`, defaults target/conformance/kotlin and the scenarios dir. */
fun main(args: Array<String>) {
    val root = File(System.getProperty("brokerlink.repo.root") ?: ".")
    val out = File(args.getOrNull(0) ?: File(root, "target/conformance/kotlin").path)
    val scenarios = File(args.getOrNull(1) ?: File(root, "tests/conformance/scenarios").path)
    println("ran ${runAll(scenarios, out)} scenarios into $out")
}
