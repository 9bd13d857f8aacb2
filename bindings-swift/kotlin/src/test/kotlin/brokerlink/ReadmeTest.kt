package brokerlink

import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** The README's Kotlin examples, as written there (output collected instead of printed). */
class ReadmeTest {
    private val out = mutableListOf<String>()
    private fun println(line: Any?) = out.add(line.toString())

    @Test
    fun `the quick start runs`() = runBlocking<Unit> {
        // In production: Client.snaptrade(clientId, consumerKey) talks to api.snaptrade.com.
        val sandbox = Sandbox.start()
        val client = Client.snaptrade(sandbox.clientId(), sandbox.consumerKey(), ClientOptions(baseUrl = sandbox.url()))

        // Register once and store user.userSecret?.expose() (toString() shows it as ***).
        val user = try {
            client.registerUser("app-user-42")
        } catch (e: BrokerlinkException.Conflict) {
            error("already registered: load the stored secret")
        }
        val link = client.portalUrl(user, PortalOptions(connectionType = ConnectionType.READ, redirectUrl = "https://app.example/connected"))
        println("send the user to the portal (valid until ${link.expiresAt})") // link.url.expose() carries a token

        // In a test the sandbox plays the user; in production the portal redirects back:
        sandbox.completePortal(link.url.expose(), "user_good", "pass_good")
        println(parsePortalResult("https://app.example/connected?status=SUCCESS&connection_id=abc"))

        val connection = client.waitForConnection(user)
        println("${connection.broker.name} is ${connection.status}") // "Alpaca is active"
        for (account in client.accounts(user)) println("${account.name} ${account.balance}")

        try {
            client.connections(user)
        } catch (e: BrokerlinkException.RateLimited) {
            delay(e.details.retryAfter?.toMillis() ?: 1_000)
        } catch (e: BrokerlinkException) {
            println("brokerlink ${e.kind()} (HTTP ${e.details().status}, request ${e.details().requestId}): $e")
        }

        client.close()
        sandbox.shutdown(); sandbox.close()
        assertEquals("Alpaca is active", out[2])
    }
}
