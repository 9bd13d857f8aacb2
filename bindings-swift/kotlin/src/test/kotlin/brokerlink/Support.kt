package brokerlink

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.TestInstance

/**
 * One in-process sandbox per test class (one instance per class, so the tests of a class share
 * it): the tests' only server, on a free loopback port, stopped after the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SandboxTest(options: SandboxOptions = SandboxOptions(rateLimitPerMinute = 0u)) {
    val sandbox: Sandbox = runBlocking { Sandbox.start(options) }

    fun snaptrade(): Client =
        Client.snaptrade(sandbox.clientId(), sandbox.consumerKey(), ClientOptions(baseUrl = sandbox.url()))

    fun finatic(): Client = Client.finatic(sandbox.apiKey(), options = ClientOptions(baseUrl = sandbox.url()))

    /** Quick polling for tests (the defaults poll for minutes). */
    val quickWait = WaitOptions(
        timeout = java.time.Duration.ofSeconds(15),
        pollInterval = java.time.Duration.ofMillis(50),
        maxPollInterval = java.time.Duration.ofMillis(250),
    )

    @AfterAll
    fun stopSandbox() {
        runBlocking { sandbox.shutdown() }
        sandbox.close()
    }
}

/** Runs `block` and returns the error it threw, failing the test if it threw none. */
inline fun <reified E : Throwable> failure(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${E::class.simpleName}, but the call succeeded")
}
