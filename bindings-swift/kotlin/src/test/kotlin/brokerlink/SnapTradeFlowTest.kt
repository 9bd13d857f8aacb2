package brokerlink

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Instant

/** The README's SnapTrade flow, written as a backend would: `runBlocking` around suspend calls. */
class SnapTradeFlowTest : SandboxTest(SandboxOptions(rateLimitPerMinute = 0u, pendingActivation = java.time.Duration.ofMillis(500))) {
    @Test
    fun `register, portal, complete, wait, read, change and delete`() = runBlocking<Unit> {
        snaptrade().use { client ->
            assertEquals(ProviderKind.SNAPTRADE, client.provider())
            assertEquals(sandbox.url(), client.baseUrl())
            val user = client.registerUser("kotlin-alice")
            assertEquals("kotlin-alice", user.userId)
            val secret = user.userSecret!!.expose()

            val link = client.portalUrl(
                user,
                PortalOptions(connectionType = ConnectionType.READ, redirectUrl = "https://app.example/connected"),
            )
            assertTrue(link.url.expose().startsWith(sandbox.url() + "/snapTrade/redeemToken?"), link.url.expose())
            assertTrue(link.expiresAt.isAfter(Instant.now()))
            assertFalse(link.sessionId.expose().isEmpty())

            val done = assertInstanceOf(
                PortalResult.Success::class.java,
                sandbox.completePortal(link.url.expose(), "user_good", "pass_good"),
            )
            val connection = client.waitForConnection(user, quickWait)
            assertEquals(done.connectionId, connection.id)
            assertEquals(ConnectionStatus.ACTIVE, connection.status)
            assertEquals("active", connection.status.toString())
            assertEquals(Permission.READ, connection.permission)
            assertNotNull(connection.createdAt)

            assertEquals(listOf(connection.id), client.connections(user).map { it.id })
            assertEquals(connection.id, client.connection(user, connection.id).id)
            val accounts = client.accounts(user)
            assertTrue(accounts.isNotEmpty())
            assertEquals(java.math.BigDecimal("15363.23"), accounts[0].balance?.amount)
            assertEquals(accounts[0].id, client.account(user, accounts[0].id).id)
            assertEquals(accounts.size, client.connectionAccounts(user, connection.id).size)

            client.refreshConnection(user, connection.id)
            client.disableConnection(user, connection.id)
            assertEquals(ConnectionStatus.DISABLED, client.connection(user, connection.id).status)
            client.removeConnection(user, connection.id)
            assertTrue(client.connections(user).isEmpty())

            assertTrue("kotlin-alice" in client.listUsers())
            val rotated = client.rotateUserSecret(user)
            assertEquals("kotlin-alice", rotated.userId)
            assertNotEquals(secret, rotated.userSecret?.expose())
            // A stored user, rebuilt from its id and secret, works like the returned one.
            client.deleteUser(UserCredentials("kotlin-alice", rotated.userSecret))
            assertFalse("kotlin-alice" in client.listUsers())
        }
    }

    @Test
    fun `a pending connection is waited for until it is active`() = runBlocking<Unit> {
        snaptrade().use { client ->
            val user = client.registerUser("kotlin-pending")
            val link = client.portalUrl(user)
            sandbox.completePortal(link.url.expose(), "user_pending", "pass_good")
            val connection = client.waitForConnection(user, quickWait)
            assertEquals(ConnectionStatus.ACTIVE, connection.status)
        }
    }

    @Test
    fun `an MFA login needs its code`() = runBlocking<Unit> {
        snaptrade().use { client ->
            val user = client.registerUser("kotlin-mfa")
            val link = client.portalUrl(user)
            val wrong = sandbox.completePortal(link.url.expose(), "user_mfa", "pass_good", mfaCode = "000000")
            assertEquals("1086", assertInstanceOf(PortalResult.Error::class.java, wrong).code)
            val again = client.portalUrl(user)
            val right = sandbox.completePortal(again.url.expose(), "user_mfa", "pass_good", mfaCode = "123456")
            assertInstanceOf(PortalResult.Success::class.java, right)
        }
    }

    @Test
    fun `portal results parse from redirects and messages`() {
        val redirect = parsePortalResult("https://app.example/connected?status=SUCCESS&connection_id=c-1")
        assertEquals(PortalResult.Success(connectionId = "c-1", userId = null), redirect)
        val error = assertInstanceOf(
            PortalResult.Error::class.java,
            parsePortalResult("""{"status":"ERROR","errorCode":"1066","statusCode":401}"""),
        )
        assertEquals("1066", error.code)
        assertEquals(401.toUShort(), error.statusCode)
        assertEquals(PortalResult.Closed, parsePortalResult("CLOSED"))
        assertEquals(PortalResult.Resize(640u), parsePortalResult("""{"type":"portal-resize","height":640}"""))
        val bad = failure<BrokerlinkException.InvalidInput> { parsePortalResult("") }
        assertEquals("input", bad.details.field)
        assertNull(bad.details.status)
    }

    @Test
    fun `a Personal API key acts as its own user`() = runBlocking<Unit> {
        Client.snaptradePersonal(sandbox.personalClientId(), sandbox.personalConsumerKey(), ClientOptions(baseUrl = sandbox.url())).use { client ->
            assertTrue(client.connections().isEmpty())
            assertEquals("register_user", failure<BrokerlinkException.InvalidInput> { client.registerUser("someone") }.details.field)
            assertEquals("user", failure<BrokerlinkException.InvalidInput> { client.accounts(UserCredentials("someone", Secret("s"))) }.details.field)
            val link = client.portalUrl(options = PortalOptions(connectionType = ConnectionType.READ))
            assertInstanceOf(PortalResult.Success::class.java, sandbox.completePortal(link.url.expose(), "user_good", "pass_good"))
            assertEquals(ConnectionStatus.ACTIVE, client.waitForConnection(options = quickWait).status)
            val accounts = client.accounts()
            assertEquals(2, accounts.size)
            assertTrue(client.positions(null, accounts[0].id).isNotEmpty())
        }
        snaptrade().use { partner ->
            assertEquals("user", failure<BrokerlinkException.InvalidInput> { partner.accounts(null) }.details.field)
        }
        // The sandbox's other credentials: its OAuth app, distinct from both keys.
        assertTrue(sandbox.oauthClientId().isNotEmpty() && sandbox.oauthClientSecret().length >= 32)
        assertNotEquals(sandbox.oauthClientId(), sandbox.personalClientId())
    }

    @Test
    fun `an OAuth app authorizes a user and refreshes once for a refused token`() = runBlocking<Unit> {
        Client.snaptradeOauth(sandbox.oauthClientId(), sandbox.oauthClientSecret(), ClientOptions(baseUrl = sandbox.url())).use { app ->
            val request = app.oauthAuthorizationUrl("http://127.0.0.1:9/callback", listOf("read", "openid", "email"))
            assertFalse(request.toString().contains(request.codeVerifier.expose()))
            val callback = sandbox.authorizeOauth(request.url, "user_good", "pass_good")
            assertEquals("url", failure<BrokerlinkException.InvalidInput> { sandbox.authorizeOauth(request.url, "user_good", "wrong") }.details.field)
            val tokens = app.oauthExchangeCode(request, callback)
            assertEquals("user_good@personal.sandbox.test", tokens.email)

            val heard = java.util.concurrent.CopyOnWriteArrayList<OAuthTokens>()
            val listener = object : OAuthTokenListener {
                override fun tokensRefreshed(tokens: OAuthTokens) { heard.add(tokens) }
            }
            app.withOauthTokens(tokens.copy(accessToken = Secret("at_unknown")), listener).use { user ->
                assertTrue(user.accounts().isEmpty())
                assertEquals(1, heard.size)
                assertNotEquals(tokens.refreshToken.expose(), heard[0].refreshToken.expose())
                assertEquals(heard[0].refreshToken.expose(), user.oauthTokens()!!.refreshToken.expose())
                app.oauthRevoke(heard[0])
                val dead = failure<BrokerlinkException.Unauthorized> { user.accounts() }
                assertEquals("invalid_grant", dead.details.providerCode)
            }
        }
    }
}
