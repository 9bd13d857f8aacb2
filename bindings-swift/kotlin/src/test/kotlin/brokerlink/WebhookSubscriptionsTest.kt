package brokerlink

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

/** Finatic webhook subscriptions through the client (mirrors test_webhook_subscriptions.py). */
class WebhookSubscriptionsTest : SandboxTest() {
    @Test
    fun `subscriptions are created, listed, paused and revoked`() = runBlocking<Unit> {
        finatic().use { client ->
            val catalog = client.webhookCatalog()
            assertEquals("account", catalog.first { it.eventType == "account.grant.revoked" }.category)
            val created = client.createWebhookSubscription(
                NewWebhookSubscription("http://127.0.0.1:9/hook", listOf("account.grant.created"), "kotlin"),
            )
            assertEquals(WebhookSubscriptionStatus.ACTIVE, created.status)
            val secret = created.secret!!.expose()
            assertFalse(created.toString().contains(secret), created.toString())
            val listed = client.webhookSubscriptions().first { it.id == created.id }
            assertEquals(listOf("account.grant.created"), listed.eventTypes)
            assertNull(listed.secret)

            val paused = client.updateWebhookSubscription(
                created.id,
                WebhookSubscriptionUpdate(enabled = false, description = "paused"),
            )
            assertEquals(WebhookSubscriptionStatus.DISABLED, paused.status)
            assertEquals("paused", paused.description)
            assertEquals(WebhookSubscriptionStatus.REVOKED, client.revokeWebhookSubscription(created.id).status)
            failure<BrokerlinkException.NotFound> { runBlocking { client.revokeWebhookSubscription("no-such-subscription") } }

            val served = sandbox.state().requestsServed
            val bad = failure<BrokerlinkException.InvalidInput> {
                runBlocking { client.createWebhookSubscription(NewWebhookSubscription("not a url", listOf("order.filled"))) }
            }
            assertEquals("url", bad.details.field)
            assertEquals(served, sandbox.state().requestsServed)
        }
        snaptrade().use { client ->
            val refused = failure<BrokerlinkException.InvalidInput> { runBlocking { client.webhookCatalog() } }
            assertEquals("webhook_catalog", refused.details.field)
        }
    }
}
