package brokerlink

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * No secret in `toString()`: user secrets, portal tokens, consumer and API keys, webhook
 * secrets. Records print a credential they hold as its `Secret`, which shows `***`.
 */
class SecretsTest : SandboxTest() {
    private fun assertHidden(secret: String, vararg shown: Any) {
        for (value in shown) {
            val text = value.toString()
            assertFalse(text.contains(secret), "$secret shows in $text")
        }
    }

    @Test
    fun `user credentials print their secret as stars`() {
        val user = UserCredentials("alice", Secret("user-secret-0123456789"))
        assertEquals("UserCredentials(userId=alice, userSecret=***)", user.toString())
        assertEquals("user-secret-0123456789", user.userSecret?.expose())
        assertEquals("***", "${user.userSecret}")
        assertEquals(UserCredentials("alice", Secret("user-secret-0123456789")), user)
        assertEquals("UserCredentials(userId=bob, userSecret=null)", UserCredentials("bob").toString())
    }

    @Test
    fun `registered users, portal links, clients and errors hide what they carry`() = runBlocking<Unit> {
        snaptrade().use { client ->
            val user = client.registerUser("secrets-alice")
            val secret = user.userSecret!!.expose()
            val link = client.portalUrl(user)
            val token = Regex("token=([^&]+)").find(link.url.expose())!!.groupValues[1]
            assertTrue(link.toString().startsWith("PortalLink(url=***, sessionId=***, expiresAt="), link.toString())
            assertHidden(secret, user, link, client)
            assertHidden(token, link)
            assertHidden(sandbox.consumerKey(), client)

            // An error about a wrong user secret does not repeat it.
            val wrong = UserCredentials("secrets-alice", Secret("wrong-secret-abcdefghijkl"))
            val e = failure<BrokerlinkException> { client.connections(wrong) }
            assertHidden("wrong-secret-abcdefghijkl", e, e.message ?: "", e.details())
        }
        Client.finatic(sandbox.apiKey(), options = ClientOptions(baseUrl = sandbox.url())).use { assertHidden(sandbox.apiKey(), it) }
        val bad = Client.snaptrade("id", "consumer-key-xyz-987", ClientOptions(baseUrl = sandbox.url()))
        val e = failure<BrokerlinkException> { bad.listUsers() }
        assertHidden("consumer-key-xyz-987", bad, e, e.message ?: "", e.details())
        bad.close()
    }

    @Test
    fun `Finatic session ids are credentials`() = runBlocking<Unit> {
        finatic().use { client ->
            val session = client.startSession()
            val link = client.sessionPortalUrl(session)
            assertEquals(session.id.expose(), link.sessionId.expose())
            assertTrue(session.toString().startsWith("Session(id=***"), session.toString())
            assertHidden(session.id.expose(), session, link)
            val e = failure<BrokerlinkException.NotFound> { client.sessionUser(session) }
            assertHidden(session.id.expose(), e, e.message ?: "", e.details())
        }
    }

    @Test
    fun `webhook signers hide their keys`() {
        val signers = listOf(
            WebhookSigner.SnapTrade("ck-0123456789"),
            WebhookSigner.Standard("whsec_c2VjcmV0LXNlY3JldA==", "msg_1", 1_767_225_600),
            WebhookSigner.Finatic("fin-0123456789"),
        )
        for (signer in signers) {
            assertHidden("0123456789", signer)
            assertHidden("c2VjcmV0LXNlY3JldA", signer)
        }
        assertEquals("SnapTrade(consumerKey=***)", signers[0].toString())
    }
}
