package brokerlink

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Finatic's "Connecting Brokers" guide: session → portal → user id → connections. */
class FinaticFlowTest : SandboxTest() {
    @Test
    fun `session, portal, user id, connections and accounts`() = runBlocking<Unit> {
        finatic().use { client ->
            assertEquals(ProviderKind.FINATIC, client.provider())
            val session = client.startSession()
            assertNull(session.userId)
            val link = client.sessionPortalUrl(
                session,
                PortalOptions(brokers = listOf("alpaca", "robinhood"), mode = PortalMode.DARK, email = "ana@example.com"),
            )
            assertTrue(link.url.expose().startsWith(sandbox.url() + "/portal?"), link.url.expose())
            val done = assertInstanceOf(
                PortalResult.Success::class.java,
                sandbox.completePortal(link.url.expose(), "user_good", "pass_good"),
            )
            val user = client.sessionUser(session)
            assertEquals(done.userId, user.userId)
            assertNull(user.userSecret?.expose())

            // Later, for the saved user id alone.
            val saved = UserCredentials(user.userId)
            val connection = client.waitForConnection(saved, quickWait)
            assertEquals(ConnectionStatus.ACTIVE, connection.status)
            // One connection per account grant: Alpaca shares two accounts.
            val listed = client.connections(saved).map { it.id }
            assertEquals(2, listed.size)
            assertTrue(connection.id in listed)
            assertTrue(client.accounts(saved).isNotEmpty())
            client.removeConnection(saved, connection.id)
            assertTrue(client.connections(saved).none { it.id == connection.id && it.status == ConnectionStatus.ACTIVE })
        }
    }

    @Test
    fun `a session for a saved user names it`() = runBlocking<Unit> {
        finatic().use { client ->
            val first = client.startSession()
            val link = client.sessionPortalUrl(first)
            val done = sandbox.completePortal(link.url.expose(), "user_good", "pass_good") as PortalResult.Success
            val again = client.startSession(done.userId)
            assertEquals(done.userId, again.userId)
            assertNotNull(again.expiresAt)
            // Stored and rebuilt: status from its string, through the core's parser.
            val rebuilt = Session(Secret(again.id.expose()), again.companyId, parseSessionStatus(again.status.toString()), null, again.userId)
            assertEquals(again.status, rebuilt.status)
            assertEquals(again.id.expose(), rebuilt.id.expose())
        }
    }

    @Test
    fun `an app's client built from a one-time token never holds the API key`() = runBlocking<Unit> {
        val token = finatic().use { server -> server.mintOneTimeToken() }
        Client.finatic(oneTimeToken = token, options = ClientOptions(baseUrl = sandbox.url())).use { app ->
            assertEquals("mint_one_time_token", failure<BrokerlinkException.InvalidInput> { app.mintOneTimeToken() }.details.field)
            val session = app.startSession()
            assertEquals("one_time_token", failure<BrokerlinkException.InvalidInput> { app.startSession() }.details.field)
            val link = app.sessionPortalUrl(session)
            assertInstanceOf(PortalResult.Success::class.java, sandbox.completePortal(link.url.expose(), "user_good", "pass_good"))
            val user = app.sessionUser(session)
            assertEquals(listOf(ConnectionStatus.ACTIVE, ConnectionStatus.ACTIVE), app.connections(user).map { it.status })
            assertTrue(app.accounts(user).isNotEmpty())
            assertEquals("user", failure<BrokerlinkException.InvalidInput> { app.accounts(UserCredentials("someone-else")) }.details.field)
        }
        val both = failure<BrokerlinkException.InvalidInput> { Client.finatic(apiKey = sandbox.apiKey(), oneTimeToken = token) }
        assertEquals("one_time_token", both.details.field)
    }

    @Test
    fun `calls Finatic has no use for are refused by name`() = runBlocking<Unit> {
        finatic().use { client ->
            val e = failure<BrokerlinkException.InvalidInput> { client.registerUser("x") }
            assertEquals("register_user", e.details.field)
            assertEquals(0u, e.details.attempts)
            val email = failure<BrokerlinkException> {
                snaptrade().use { it.portalUrl(UserCredentials("u", Secret("s")), PortalOptions(email = "a@b.c")) }
            }
            assertEquals(ErrorKind.INVALID_INPUT, email.kind())
            assertEquals("email", email.details().field)
        }
    }
}
