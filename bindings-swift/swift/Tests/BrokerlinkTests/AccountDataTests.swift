// Account data in Swift: `Decimal` amounts, `DateComponents` dates, real enums, pages as an
// `AsyncSequence` (mirrors AccountDataTest.kt).
import Brokerlink
import Foundation
import XCTest

final class AccountDataTests: SandboxTestCase {
    override var sandboxOptions: SandboxOptions { SandboxOptions(rateLimitPerMinute: 0, historyActivities: 1234) }

    private func accountsOf(_ client: Client, _ userId: String, _ username: String) async throws -> (UserCredentials, [Account]) {
        let user = try await client.registerUser(userId: userId)
        let link = try await client.portalUrl(user: user)
        _ = try sandbox.completePortal(url: link.url.expose(), username: username, password: "pass_good")
        _ = try await client.waitForConnection(user: user, options: quickWait)
        return (user, try await client.accounts(user: user))
    }

    func testHoldingsAreExactAndTyped() async throws {
        let client = try snaptrade()
        let (user, accounts) = try await accountsOf(client, "swift-data-1", "user_good")
        let account = accounts[0]
        XCTAssertEqual(account.sync?.holdingsReady, true)
        let positions = try await client.positions(user: user, accountId: account.id)
        let kinds = Set(positions.map(\.instrument.kind))
        XCTAssertTrue(kinds.isSuperset(of: [.equity, .etf, .option, .crypto]))
        let option = positions.compactMap(\.instrument.option).first!
        XCTAssertEqual(option.multiplier, Decimal(100))
        XCTAssertNotNil(option.expiry.year)
        let orders = try await client.orders(user: user, accountId: account.id)
        let filled = orders.first { $0.status == .filled }!
        let again = try await client.order(user: user, accountId: account.id, orderId: filled.id)
        XCTAssertEqual(again, filled)
    }

    func testALongHistoryComesPageByPage() async throws {
        let client = try snaptrade()
        let (user, accounts) = try await accountsOf(client, "swift-data-2", "user_history")
        let all = try await client.activities(user: user, accountId: accounts[0].id)
        XCTAssertEqual(all.count, 1234)
        var sizes: [Int] = []
        for try await page in try client.activityPages(user: user, accountId: accounts[0].id, query: ActivityQuery(pageSize: 500)) {
            sizes.append(page.count)
        }
        XCTAssertEqual(sizes, [500, 500, 234])
    }

    func testBadQueriesFailBeforeAnyRequest() async throws {
        let client = try snaptrade()
        let (user, accounts) = try await accountsOf(client, "swift-data-3", "user_cash_only")
        let e = await failure {
            _ = try client.activityPages(user: user, accountId: accounts[0].id, query: ActivityQuery(pageSize: 0))
        }
        XCTAssertEqual(e?.details().field, "page_size")
        XCTAssertEqual(e?.details().attempts, 0)
    }
}
