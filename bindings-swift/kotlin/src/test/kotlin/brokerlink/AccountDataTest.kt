package brokerlink

import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.math.BigDecimal
import java.time.LocalDate

/** Account data in Kotlin: `BigDecimal` amounts, `LocalDate` dates, real enums, pages as a `Flow`. */
class AccountDataTest : SandboxTest(SandboxOptions(rateLimitPerMinute = 0u, historyActivities = 1234u)) {
    private suspend fun accountsOf(client: Client, userId: String, username: String): Pair<UserCredentials, List<Account>> {
        val user = client.registerUser(userId)
        val done = sandbox.completePortal(client.portalUrl(user).url.expose(), username, "pass_good")
        assertTrue(done is PortalResult.Success, done.toString())
        client.waitForConnection(user, quickWait)
        return user to client.accounts(user)
    }

    @Test
    fun `holdings are exact and typed`() = runBlocking<Unit> {
        snaptrade().use { client ->
            val (user, accounts) = accountsOf(client, "kotlin-data-1", "user_good")
            val account = accounts.first()
            assertEquals(true, account.sync?.holdingsReady)
            val positions = client.positions(user, account.id)
            val kinds = positions.map { it.instrument.kind }.toSet()
            assertTrue(kinds.containsAll(listOf(InstrumentKind.EQUITY, InstrumentKind.ETF, InstrumentKind.OPTION, InstrumentKind.CRYPTO)), kinds.toString())
            val option = positions.first { it.instrument.option != null }.instrument.option!!
            assertEquals(BigDecimal(100), option.multiplier)
            assertTrue(option.expiry.isAfter(LocalDate.of(2026, 1, 1)))
            val cash = client.balances(user, account.id).first().cash!!
            val held = positions.mapNotNull { it.marketValue?.setScale(2, java.math.RoundingMode.HALF_EVEN) }.fold(BigDecimal.ZERO, BigDecimal::add)
            assertEquals(0, (cash + held).compareTo(account.balance!!.amount), "cash and holdings make the total")
            val orders = client.orders(user, account.id)
            val working = client.orders(user, account.id, OrderQuery(state = OrderState.OPEN, days = 90u))
            assertTrue(working.isNotEmpty() && working.size < orders.size)
            val filled = orders.first { it.status == OrderStatus.FILLED }
            assertEquals(filled, client.order(user, account.id, filled.id))
            assertEquals("filled", filled.status.toString())
        }
    }

    @Test
    fun `a long history comes all at once, page by page, or as a Flow`() = runBlocking<Unit> {
        snaptrade().use { client ->
            val (user, accounts) = accountsOf(client, "kotlin-data-2", "user_history")
            val id = accounts.single().id
            val all = client.activities(user, id)
            assertEquals(1234, all.size)
            val pages = client.activityPages(user, id, ActivityQuery(pageSize = 500u)).asFlow().toList()
            assertEquals(listOf(500, 500, 234), pages.map { it.size })
            assertEquals(all, pages.flatten())
            val start = all[600].tradeDate!!
            val end = all[100].tradeDate!!
            val range = client.activities(user, id, ActivityQuery(start = start, end = end))
            assertEquals(all.filter { it.tradeDate!! in start..end }, range)
        }
    }

    @Test
    fun `bad queries fail before any request`() = runBlocking<Unit> {
        snaptrade().use { client ->
            val (user, accounts) = accountsOf(client, "kotlin-data-3", "user_cash_only")
            val id = accounts.first().id
            val served = sandbox.state().requestsServed
            val backwards = failure<BrokerlinkException.InvalidInput> {
                runBlocking { client.activities(user, id, ActivityQuery(start = LocalDate.of(2026, 2, 1), end = LocalDate.of(2026, 1, 1))) }
            }
            assertEquals("start", backwards.details.field)
            val zero = failure<BrokerlinkException.InvalidInput> { client.activityPages(user, id, ActivityQuery(pageSize = 0u)) }
            assertEquals("page_size", zero.details.field)
            val days = failure<BrokerlinkException.InvalidInput> { runBlocking { client.orders(user, id, OrderQuery(days = 91u)) } }
            assertEquals("days", days.details.field)
            assertEquals(served, sandbox.state().requestsServed)
            assertNull(client.activityPages(user, id, ActivityQuery(start = LocalDate.of(2030, 1, 1))).next())
        }
    }

    @Test
    fun `the account bucket is waited out, not run into`() = runBlocking<Unit> {
        val limited = Sandbox.start(SandboxOptions(accountRateLimitPerMinute = 1u, rateLimitWindow = java.time.Duration.ofSeconds(1)))
        try {
            val options = ClientOptions(baseUrl = limited.url(), retry = RetryPolicy(maxRetryAfter = java.time.Duration.ofSeconds(5)))
            Client.snaptrade(limited.clientId(), limited.consumerKey(), options).use { client ->
                val user = client.registerUser("kotlin-bucket")
                assertTrue(limited.completePortal(client.portalUrl(user).url.expose(), "user_good", "pass_good") is PortalResult.Success)
                val account = client.accounts(user).first()
                repeat(3) { assertTrue(client.positions(user, account.id).isNotEmpty()) }
                assertEquals(0uL, limited.state().requestsThrottled)
            }
        } finally {
            limited.shutdown()
            limited.close()
        }
    }
}
