package brokerlink

import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.time.Duration

/**
 * The fault matrix of core/tests/fault_matrix.rs, for a subset of calls (an idempotent read,
 * a read that decodes a list, a non-idempotent write) × every fault the sandbox injects: retried
 * and succeeded, or the documented typed error with status, attempts and request id.
 */
class FaultMatrixTest : SandboxTest() {
    private val client = Client.snaptrade(
        sandbox.clientId(),
        sandbox.consumerKey(),
        ClientOptions(
            baseUrl = sandbox.url(),
            timeout = Duration.ofMillis(300),
            retry = RetryPolicy(
                maxAttempts = 3u,
                initialBackoff = Duration.ofMillis(1),
                maxBackoff = Duration.ofMillis(5),
                maxRetryAfter = Duration.ofSeconds(1),
            ),
        ),
    )
    private val user = runBlocking { client.registerUser("matrix") }
    private var fresh = 0

    private enum class Call(val idempotent: Boolean) { LIST_USERS(true), CONNECTIONS(true), REGISTER_USER(false) }

    private val faults = listOf(
        "429 Retry-After 0" to Fault.Status(429u, null, 0u),
        "500" to Fault.Status(500u, null, null),
        "502" to Fault.Status(502u, null, null),
        "503" to Fault.Status(503u, null, null),
        "504" to Fault.Status(504u, null, null),
        "reset" to Fault.Reset,
        "delay past timeout" to Fault.Delay(700u),
        "truncated body" to Fault.Truncate,
        "invalid JSON" to Fault.InvalidJson,
        "wrong shape" to Fault.Status(200u, """{"surprise":[1,2,3]}""", null),
        "50 MB body" to Fault.LargeBody(50_000_000u),
    )

    /** `null`: retried once and succeeded; else the kind, status and attempts of the error. */
    private fun expected(call: Call, fault: String): Triple<ErrorKind, Int?, Int>? = when (fault) {
        "429 Retry-After 0" -> null
        "500" -> Triple(ErrorKind.SERVER, 500, 1)
        "502", "503" -> if (call.idempotent) null else Triple(ErrorKind.SERVER, fault.toInt(), 1)
        "504" -> if (call.idempotent) null else Triple(ErrorKind.TIMEOUT, 504, 1)
        "reset", "truncated body" -> if (call.idempotent) null else Triple(ErrorKind.NETWORK, null, 1)
        "delay past timeout" -> if (call.idempotent) null else Triple(ErrorKind.TIMEOUT, null, 1)
        else -> Triple(ErrorKind.DECODE, 200, 1) // invalid JSON, wrong shape, 50 MB body
    }

    private suspend fun run(call: Call) {
        when (call) {
            Call.LIST_USERS -> client.listUsers()
            Call.CONNECTIONS -> client.connections(user)
            Call.REGISTER_USER -> client.registerUser("new-${++fresh}")
        }
    }

    @TestFactory
    fun `every fault on each call has its documented outcome`(): List<DynamicTest> =
        Call.entries.flatMap { call ->
            faults.map { (name, fault) ->
                DynamicTest.dynamicTest("$call × $name") {
                    runBlocking {
                        sandbox.clearFaults()
                        sandbox.injectFault(fault)
                        val served = sandbox.state().requestsServed
                        val outcome = runCatching { run(call) }
                        val sent = sandbox.state().requestsServed - served
                        when (val want = expected(call, name)) {
                            null -> {
                                outcome.getOrThrow()
                                assertEquals(2uL, sent, "requests sent")
                            }
                            else -> {
                                val e = outcome.exceptionOrNull() as? BrokerlinkException
                                    ?: throw AssertionError("expected $want, got $outcome")
                                val d = e.details()
                                assertEquals(want, Triple(d.kind, d.status?.toInt(), d.attempts.toInt()))
                                if (d.status != null) assertNotNull(d.requestId)
                            }
                        }
                        // Let a delayed request finish on the server before the next case.
                        if (name == "delay past timeout") delay(500)
                    }
                }
            }
        }

    @AfterAll
    fun closeClient() = client.close()

    @Test
    fun `a registration whose outcome is unknown is not repeated`() = runBlocking<Unit> {
        val before = client.listUsers().size
        sandbox.injectFault(Fault.Delay(700u), FaultOptions(method = "POST"))
        val e = failure<BrokerlinkException.Timeout> { client.registerUser("maybe") }
        assertEquals(1u, e.details.attempts)
        delay(600)
        assertEquals(before + 1, client.listUsers().size, "registered exactly once")
        failure<BrokerlinkException.Conflict> { client.registerUser("maybe") }
    }
}
