package brokerlink

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration

/** Every failure is the generated `BrokerlinkException`, its variant the kind, with its fields. */
class ErrorsTest : SandboxTest() {
    private fun client(retry: RetryPolicy? = null, timeout: Duration? = null, key: String? = null): Client =
        Client.snaptrade(
            sandbox.clientId(),
            key ?: sandbox.consumerKey(),
            ClientOptions(baseUrl = sandbox.url(), retry = retry, timeout = timeout),
        )

    @Test
    fun `bad input fails before any request, naming the field`() = runBlocking<Unit> {
        client().use { c ->
            val e = failure<BrokerlinkException.InvalidInput> { c.registerUser("") }
            assertEquals(ErrorKind.INVALID_INPUT, e.kind())
            assertEquals("user_id", e.details.field)
            assertEquals(0u, e.details.attempts)
            // Enums are typed here; a word from elsewhere (a config file) parses through the core.
            val mode = failure<BrokerlinkException.InvalidInput> { parsePortalMode("sepia") }
            assertEquals("mode", mode.details.field)
            assertEquals(ConnectionType.TRADE_IF_AVAILABLE, parseConnectionType("trade-if-available"))
            assertEquals("trade-if-available", ConnectionType.TRADE_IF_AVAILABLE.toString())
            val url = failure<BrokerlinkException.InvalidInput> { Client.snaptrade("id", "key", ClientOptions(baseUrl = "ftp://x")) }
            assertEquals(ErrorKind.INVALID_INPUT, url.kind())
        }
    }

    @Test
    fun `a wrong key is unauthorized with status, code and request id`() = runBlocking<Unit> {
        client(key = "not-the-consumer-key").use { c ->
            val e = failure<BrokerlinkException> { c.listUsers() }
            assertInstanceOf(BrokerlinkException.Unauthorized::class.java, e)
            val d = e.details()
            assertEquals(ErrorKind.UNAUTHORIZED, d.kind)
            assertEquals(401.toUShort(), d.status)
            assertEquals("1076", d.providerCode)
            assertNotNull(d.requestId)
            assertEquals(1u, d.attempts)
            assertTrue(e.toString().startsWith("unauthorized: "), e.toString())
            assertTrue(e.toString().contains("HTTP 401"), e.toString())
        }
    }

    @Test
    fun `conflict and not found, told apart with when`() = runBlocking<Unit> {
        client().use { c ->
            val user = c.registerUser("errors-dup")
            val kinds = listOf<suspend () -> Unit>(
                { c.registerUser("errors-dup") },
                { c.connection(user, "00000000-0000-4000-8000-000000000000") },
            ).map { call ->
                try {
                    call()
                    "none"
                } catch (e: BrokerlinkException) {
                    when (e) {
                        is BrokerlinkException.Conflict -> "conflict ${e.details.providerCode}"
                        is BrokerlinkException.NotFound -> "not_found ${e.details.status}"
                        else -> "other ${e.kind()}"
                    }
                }
            }
            assertEquals(listOf("conflict 1010", "not_found 404"), kinds)
        }
    }

    @Test
    fun `rate limits, server errors, bad bodies, expiry and timeouts`() = runBlocking<Unit> {
        val once = RetryPolicy(maxAttempts = 1u)
        client(retry = once).use { c ->
            sandbox.injectFault(Fault.Status(429u, null, 2u), FaultOptions(method = "GET", pathPrefix = "/snapTrade/listUsers"))
            val limited = failure<BrokerlinkException.RateLimited> { c.listUsers() }
            assertEquals(Duration.ofSeconds(2), limited.details.retryAfter)
            assertEquals(429.toUShort(), limited.details.status)
        }
        client(retry = RetryPolicy(maxAttempts = 2u, initialBackoff = Duration.ofMillis(10))).use { c ->
            val faultId = sandbox.injectFault(Fault.Status(503u, null, null), FaultOptions(pathPrefix = "/snapTrade/listUsers", count = 2u))
            assertTrue(Regex("flt_[0-9a-f]{32}").matches(faultId), faultId)
            val server = failure<BrokerlinkException.Server> { c.listUsers() }
            assertEquals(2u, server.details.attempts)
        }
        client(retry = once).use { c ->
            sandbox.injectFault(Fault.InvalidJson, FaultOptions(pathPrefix = "/snapTrade/listUsers"))
            assertEquals(ErrorKind.DECODE, failure<BrokerlinkException> { c.listUsers() }.kind())
        }
        client(retry = once).use { c ->
            val expired = """{"detail":"expired","code":"1006","status_code":410}"""
            sandbox.injectFault(Fault.Status(410u, expired, null), FaultOptions(pathPrefix = "/snapTrade/login"))
            val e = failure<BrokerlinkException.PortalExpired> { c.portalUrl(UserCredentials("u", Secret("s"))) }
            assertEquals("1006", e.details.providerCode)
        }
        client(retry = once, timeout = Duration.ofMillis(200)).use { c ->
            sandbox.injectFault(Fault.Delay(1000u), FaultOptions(pathPrefix = "/snapTrade/listUsers"))
            assertEquals(ErrorKind.TIMEOUT, failure<BrokerlinkException> { c.listUsers() }.kind())
        }
        assertEquals(0uL, sandbox.armedFaults())
    }

    @Test
    fun `nothing listening is a network error`() = runBlocking<Unit> {
        val closed = java.net.ServerSocket(0).use { it.localPort }
        Client.snaptrade("id", "key", ClientOptions(baseUrl = "http://127.0.0.1:$closed", retry = RetryPolicy(maxAttempts = 1u)))
            .use { c -> assertEquals(ErrorKind.NETWORK, failure<BrokerlinkException> { c.listUsers() }.kind()) }
    }

    @Test
    fun `a panic inside the library is an internal error, never a crash`() = runBlocking<Unit> {
        val sync = failure<BrokerlinkException.Internal> { forcePanic() }
        assertTrue(sync.details.message.contains("panic"), sync.details.message)
        val async = failure<BrokerlinkException.Internal> { forcePanicAsync() }
        assertTrue(async.details.message.contains("panic"), async.details.message)
        // The library still works afterwards.
        client().use { assertTrue(it.listUsers().size >= 0) }
    }

    @Test
    fun `kinds print as the stable strings of every language`() {
        assertEquals(
            listOf(
                "invalid_input", "unauthorized", "not_found", "conflict", "rate_limited", "portal_expired",
                "server", "network", "timeout", "decode", "internal", "webhook_invalid",
            ),
            ErrorKind.entries.map { it.toString() },
        )
    }

    @Test
    fun `durations that do not fit are invalid input naming the field`() = runBlocking<Unit> {
        val forever = Duration.ofSeconds(Long.MAX_VALUE)
        fun field(block: suspend () -> Unit): String? =
            failure<BrokerlinkException.InvalidInput> { runBlocking { block() } }.details.field
        assertEquals("pending_activation", field { Sandbox.start(SandboxOptions(pendingActivation = forever)) })
        assertEquals("timeout", field { Client.snaptrade("c", "k", ClientOptions(baseUrl = sandbox.url(), timeout = forever)) })
        snaptrade().use { c ->
            val user = UserCredentials("nobody", Secret("not-a-secret"))
            assertEquals("timeout", field { c.waitForConnection(user, WaitOptions(timeout = forever)) })
        }
        assertEquals("grace", field { sandbox.rotateWebhookSecret("we_x", forever) })
    }
}
