import Brokerlink
import Foundation
import XCTest

/// Finatic's "Connecting Brokers" guide (mirrors FinaticFlowTest.kt).
final class FinaticFlowTests: SandboxTestCase {
    func testSessionPortalUserIdConnectionsAndAccounts() async throws {
        let client = try finatic()
        XCTAssertEqual(client.provider(), .finatic)
        let session = try await client.startSession()
        XCTAssertNil(session.userId)
        let link = try await client.sessionPortalUrl(
            session: session,
            options: PortalOptions(mode: .dark, brokers: ["alpaca", "robinhood"], email: "ana@example.com")
        )
        XCTAssertTrue(link.url.expose().hasPrefix(sandbox.url() + "/portal?"), link.url.expose())
        let done = try sandbox.completePortal(url: link.url.expose(), username: "user_good", password: "pass_good")
        guard case let .success(_, userId) = done else { return XCTFail("portal failed: \(done)") }
        let user = try await client.sessionUser(session: session)
        XCTAssertEqual(user.userId, userId)
        XCTAssertNil(user.userSecret?.expose())

        // Later, for the saved user id alone.
        let saved = UserCredentials(userId: user.userId)
        let connection = try await client.waitForConnection(user: saved, options: quickWait)
        XCTAssertEqual(connection.status, .active)
        let listed = try await client.connections(user: saved)
        // One connection per account grant: Alpaca shares two accounts.
        XCTAssertEqual(listed.count, 2)
        XCTAssertTrue(listed.map(\.id).contains(connection.id))
        let accounts = try await client.accounts(user: saved)
        XCTAssertFalse(accounts.isEmpty)
        try await client.removeConnection(user: saved, connectionId: connection.id)
    }

    func testASessionForASavedUserNamesIt() async throws {
        let client = try finatic()
        let first = try await client.startSession()
        let link = try await client.sessionPortalUrl(session: first)
        let done = try sandbox.completePortal(url: link.url.expose(), username: "user_good", password: "pass_good")
        guard case let .success(_, userId) = done else { return XCTFail("portal failed: \(done)") }
        let again = try await client.startSession(userId: userId)
        XCTAssertEqual(again.userId, userId)
        XCTAssertNotNil(again.expiresAt)
        // Stored and rebuilt: the status from its string, through the core's parser.
        let rebuilt = Session(
            id: Secret(again.id.expose()), companyId: again.companyId, status: parseSessionStatus(value: again.status.description),
            userId: again.userId
        )
        XCTAssertEqual(rebuilt.status, again.status)
        XCTAssertEqual(rebuilt.id.expose(), again.id.expose())
    }

    func testAnAppsClientBuiltFromAOneTimeTokenNeverHoldsTheApiKey() async throws {
        let token = try await finatic().mintOneTimeToken()
        let app = try Client.finatic(oneTimeToken: token, options: ClientOptions(baseUrl: sandbox.url()))
        let minted = await failure { _ = try await app.mintOneTimeToken() }
        XCTAssertEqual(minted?.details().field, "mint_one_time_token")
        let session = try await app.startSession()
        let spent = await failure { _ = try await app.startSession() }
        XCTAssertEqual(spent?.details().field, "one_time_token")
        let link = try await app.sessionPortalUrl(session: session)
        let done = try sandbox.completePortal(url: link.url.expose(), username: "user_good", password: "pass_good")
        guard case .success = done else { return XCTFail("portal failed: \(done)") }
        let user = try await app.sessionUser(session: session)
        let statuses = try await app.connections(user: user).map(\.status)
        XCTAssertEqual(statuses, [.active, .active])
        let accounts = try await app.accounts(user: user)
        XCTAssertFalse(accounts.isEmpty)
        let other = await failure { _ = try await app.accounts(user: UserCredentials(userId: "someone-else")) }
        XCTAssertEqual(other?.details().field, "user")
        let both = await failure { _ = try Client.finatic(apiKey: self.sandbox.apiKey(), oneTimeToken: token) }
        XCTAssertEqual(both?.details().field, "one_time_token")
    }

    func testCallsFinaticHasNoUseForAreRefusedByName() async throws {
        let client = try finatic()
        let e = await failure { _ = try await client.registerUser(userId: "x") }
        guard case let .InvalidInput(details)? = e else { return XCTFail("expected InvalidInput, got \(String(describing: e))") }
        XCTAssertEqual(details.field, "register_user")
        XCTAssertEqual(details.attempts, 0)
        let snap = try snaptrade()
        let email = await failure {
            _ = try await snap.portalUrl(user: UserCredentials(userId: "u", userSecret: Secret("s")), options: PortalOptions(email: "a@b.c"))
        }
        XCTAssertEqual(email?.kind(), .invalidInput)
        XCTAssertEqual(email?.details().field, "email")
    }
}
