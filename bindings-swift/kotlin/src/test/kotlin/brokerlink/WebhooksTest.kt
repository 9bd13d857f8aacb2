package brokerlink

import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.net.InetSocketAddress
import java.time.Instant
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/** `verifyWebhook` takes the raw body as a `ByteArray`, exactly as it arrived. */
class WebhooksTest : SandboxTest(SandboxOptions(rateLimitPerMinute = 0u, webhookRetryDelays = listOf(java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(50)))) {
    private val body =
        """{"clientId":"C","eventTimestamp":"2026-01-01T00:00:00.000000+00:00","eventType":"CONNECTION_ADDED","userId":"u1","brokerageAuthorizationId":"a1","webhookId":"w-1"}"""
            .toByteArray()
    private val now = Instant.ofEpochSecond(1_767_225_600)

    private val finaticBody =
        """{"id":"evt_1","type":"account.grant.created","created_at":"2026-01-01T00:00:00Z","data":{"user_id":"u1","connection_id":"a1"}}"""
            .toByteArray()

    @Test
    fun `all three schemes verify what they signed`() {
        val cases = listOf(
            Triple(body, "consumer-key", WebhookSigner.SnapTrade("consumer-key")),
            Triple(body, "whsec_c2VjcmV0LXNlY3JldA==", WebhookSigner.Standard("whsec_c2VjcmV0LXNlY3JldA==", "msg_1", now.epochSecond)),
            Triple(finaticBody, "finatic-secret", WebhookSigner.Finatic("finatic-secret")),
        )
        for ((payload, secret, signer) in cases) {
            val headers = signWebhook(payload, signer)
            val event = verifyWebhook(payload, headers, listOf("another-secret", secret), WebhookOptions(now = now))
            assertEquals(WebhookEventKind.CONNECTION_ADDED, event.kind, "$signer")
            assertEquals("connection_added", event.kind.toString())
            assertEquals("u1", event.userId)
            assertEquals("a1", event.connectionId)
        }
        val finatic = verifyWebhook(finaticBody, signWebhook(finaticBody, cases[2].third), listOf("finatic-secret"))
        assertEquals(ProviderKind.FINATIC, finatic.provider)
        assertEquals("account.grant.created", finatic.eventType)
        assertEquals("evt_1", finatic.id)
    }

    @Test
    fun `failures say why`() {
        val headers = signWebhook(body, WebhookSigner.SnapTrade("consumer-key"))
        val tampered = body.copyOf().also { it[it.size - 3] = 'X'.code.toByte() }
        fun reason(block: () -> Unit) = failure<BrokerlinkException.WebhookInvalid>(block).details.reason
        assertEquals("no_matching_signature", reason { verifyWebhook(tampered, headers, listOf("consumer-key")) })
        assertEquals("no_matching_signature", reason { verifyWebhook(body, headers, listOf("wrong-key")) })
        assertEquals("missing_header", reason { verifyWebhook(body, emptyMap(), listOf("consumer-key")) })
        val standard = signWebhook(body, WebhookSigner.Standard("whsec_c2VjcmV0", "msg_1", now.epochSecond - 3600))
        assertEquals(
            "timestamp_out_of_tolerance",
            reason { verifyWebhook(body, standard, listOf("whsec_c2VjcmV0"), WebhookOptions(now = now)) },
        )
        // Header names in any case; a re-ordered (parsed and re-serialised) SnapTrade body still
        // verifies, because SnapTrade signs canonical JSON.
        val upper = headers.mapKeys { it.key.uppercase() }
        val reordered = """{"webhookId":"w-1","userId":"u1","eventType":"CONNECTION_ADDED","eventTimestamp":"2026-01-01T00:00:00.000000+00:00","clientId":"C","brokerageAuthorizationId":"a1"}"""
        assertEquals("w-1", verifyWebhook(reordered.toByteArray(), upper, listOf("consumer-key")).id)
    }

    @Test
    fun `the sandbox delivers signed events to a handler on loopback, retried with the same id`() = runBlocking<Unit> {
        data class Received(val body: ByteArray, val headers: Map<String, String>)
        val received = LinkedBlockingQueue<Received>()
        var refuse = 1
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/hooks") { exchange ->
            val bytes = exchange.requestBody.readAllBytes()
            val headers = exchange.requestHeaders.mapValues { it.value.joinToString(", ") }
            val status = if (refuse-- > 0) 500 else 204
            received.put(Received(bytes, headers))
            exchange.sendResponseHeaders(status, -1)
            exchange.close()
        }
        server.start()
        try {
            val endpoint = sandbox.addWebhook(
                "http://127.0.0.1:${server.address.port}/hooks",
                provider = "snaptrade",
                eventTypes = listOf("CONNECTION_ADDED"),
            )
            assertTrue(endpoint.secret.startsWith("whsec_"))
            snaptrade().use { client ->
                val user = client.registerUser("hooks-alice")
                val done = sandbox.completePortal(client.portalUrl(user).url.expose(), "user_good", "pass_good")
                val connectionId = (done as PortalResult.Success).connectionId
                val first = received.poll(10, TimeUnit.SECONDS)!!
                val retry = received.poll(10, TimeUnit.SECONDS)!!
                val events = listOf(first, retry).map {
                    verifyWebhook(it.body, it.headers, listOf(endpoint.secret, sandbox.consumerKey()))
                }
                assertEquals(WebhookEventKind.CONNECTION_ADDED, events[0].kind)
                assertEquals(connectionId, events[0].connectionId)
                assertEquals(events[0].id, events[1].id)
                // Also with the consumer key alone (SnapTrade's own `Signature` header).
                assertEquals(events[0].id, verifyWebhook(first.body, first.headers, listOf(sandbox.consumerKey())).id)

                // The handler has the retry before the sandbox has its answer: wait (bounded) for
                // the delivery log to record it.
                var delivery = sandbox.webhookDeliveries().single { it.endpointId == endpoint.id }
                val deadline = System.nanoTime() + 5_000_000_000L
                while (delivery.responseCode != 204.toUShort() && System.nanoTime() < deadline) {
                    Thread.sleep(20)
                    delivery = sandbox.webhookDeliveries().single { it.endpointId == endpoint.id }
                }
                assertEquals(2u, delivery.attempts)
                assertEquals(204.toUShort(), delivery.responseCode)
                sandbox.replayDelivery(delivery.id)
                val replayed = received.poll(10, TimeUnit.SECONDS)!!
                assertEquals(events[0].id, verifyWebhook(replayed.body, replayed.headers, listOf(endpoint.secret)).id)
                assertTrue(sandbox.removeWebhook(endpoint.id))
            }
        } finally {
            server.stop(0)
        }
    }

    @Test
    fun `the deprecated webhookSecret never prints and oauth_v1 fields show`() {
        val oauth =
            """{"webookId":"w-9","schemaVersion":"oauth_v1","oauthClientId":"app-7","eventType":"CONNECTION_ADDED","connectionId":"c1","webhookSecret":"legacy-webhook-secret"}"""
                .toByteArray()
        val event = verifyWebhook(oauth, signWebhook(oauth, WebhookSigner.SnapTrade("ck")), listOf("ck"))
        assertEquals(listOf("w-9", "oauth_v1", "app-7"), listOf(event.id, event.schemaVersion, event.oauthClientId))
        assertTrue(!event.toString().contains("legacy-webhook-secret"), event.toString())
        assertTrue(event.rawJson.contains("\"webhookSecret\":\"***\""), event.rawJson)
        for (empty in listOf("", "whsec_")) {
            val e = failure<BrokerlinkException.InvalidInput> {
                verifyWebhook(body, signWebhook(body, WebhookSigner.SnapTrade("ck")), listOf(empty))
            }
            assertEquals("secrets", e.details.field)
        }
    }
}
