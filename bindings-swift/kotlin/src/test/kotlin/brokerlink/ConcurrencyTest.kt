package brokerlink

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import kotlin.concurrent.thread

/** One client shared by many coroutines and threads: no deadlock, correct results. */
class ConcurrencyTest : SandboxTest() {
    @Test
    fun `fifty concurrent calls on one client`() = runBlocking<Unit> {
        snaptrade().use { client ->
            val users = (1..50).map { i -> async(Dispatchers.Default) { client.registerUser("many-$i") } }.awaitAll()
            assertEquals((1..50).map { "many-$it" }, users.map { it.userId })
            assertTrue(client.listUsers().containsAll(users.map { it.userId }))
            // Fifty reads at once from a single-threaded runBlocking loop.
            val lists = users.map { user -> async { client.connections(user) } }.awaitAll()
            assertTrue(lists.all { it.isEmpty() })
        }
    }

    @Test
    fun `threads each blocking on their own calls`() {
        snaptrade().use { client ->
            val errors = java.util.concurrent.ConcurrentLinkedQueue<Throwable>()
            val threads = (1..8).map { t ->
                thread {
                    try {
                        runBlocking { repeat(5) { i -> client.registerUser("thread-$t-$i") } }
                    } catch (e: Throwable) {
                        errors.add(e)
                    }
                }
            }
            threads.forEach { it.join() }
            assertTrue(errors.isEmpty(), "$errors")
            val listed = runBlocking { client.listUsers() }
            assertEquals(40, listed.count { it.startsWith("thread-") })
        }
    }

    @Test
    fun `a cancelled coroutine cancels its call, and the client keeps working`() = runBlocking<Unit> {
        snaptrade().use { client ->
            val user = client.registerUser("cancelled")
            val polling = WaitOptions(
                timeout = Duration.ofSeconds(30),
                pollInterval = Duration.ofMillis(20),
                maxPollInterval = Duration.ofMillis(20),
            )
            val waited = withTimeoutOrNull(300) { client.waitForConnection(user, polling) }
            assertNull(waited)
            // The Rust task was aborted with the coroutine: its polling stops.
            val served = sandbox.state().requestsServed
            delay(300)
            assertEquals(served, sandbox.state().requestsServed)
            assertEquals(emptyList<Connection>(), client.connections(user))
        }
    }
}
