import Brokerlink
import Foundation
import XCTest

/// The README's SnapTrade flow with Swift concurrency (mirrors SnapTradeFlowTest.kt).
final class SnapTradeFlowTests: SandboxTestCase {
    override var sandboxOptions: SandboxOptions { SandboxOptions(rateLimitPerMinute: 0, pendingActivation: 0.5) }

    func testRegisterPortalCompleteWaitReadChangeAndDelete() async throws {
        let client = try snaptrade()
        XCTAssertEqual(client.provider(), .snaptrade)
        XCTAssertEqual(client.baseUrl(), sandbox.url())
        let user = try await client.registerUser(userId: "swift-alice")
        XCTAssertEqual(user.userId, "swift-alice")
        let secret = try XCTUnwrap(user.userSecret?.expose())

        let link = try await client.portalUrl(
            user: user,
            options: PortalOptions(connectionType: .read, redirectUrl: "https://app.example/connected")
        )
        XCTAssertTrue(link.url.expose().hasPrefix(sandbox.url() + "/snapTrade/redeemToken?"), link.url.expose())
        XCTAssertGreaterThan(link.expiresAt, Date())
        XCTAssertFalse(link.sessionId.expose().isEmpty)

        let done = try sandbox.completePortal(url: link.url.expose(), username: "user_good", password: "pass_good")
        guard case let .success(connectionId, _) = done else { return XCTFail("portal failed: \(done)") }
        let connection = try await client.waitForConnection(user: user, options: quickWait)
        XCTAssertEqual(connection.id, connectionId)
        XCTAssertEqual(connection.status, .active)
        XCTAssertEqual(connection.status.description, "active")
        XCTAssertEqual(connection.permission, .read)
        XCTAssertNotNil(connection.createdAt)

        let listed = try await client.connections(user: user)
        XCTAssertEqual(listed.map(\.id), [connection.id])
        let one = try await client.connection(user: user, connectionId: connection.id)
        XCTAssertEqual(one.id, connection.id)
        let accounts = try await client.accounts(user: user)
        XCTAssertFalse(accounts.isEmpty)
        XCTAssertEqual(accounts[0].balance?.amount, Decimal(string: "15363.23"))
        let account = try await client.account(user: user, accountId: accounts[0].id)
        XCTAssertEqual(account.id, accounts[0].id)
        let byConnection = try await client.connectionAccounts(user: user, connectionId: connection.id)
        XCTAssertEqual(byConnection.count, accounts.count)

        try await client.refreshConnection(user: user, connectionId: connection.id)
        try await client.disableConnection(user: user, connectionId: connection.id)
        let disabled = try await client.connection(user: user, connectionId: connection.id)
        XCTAssertEqual(disabled.status, .disabled)
        try await client.removeConnection(user: user, connectionId: connection.id)
        let none = try await client.connections(user: user)
        XCTAssertTrue(none.isEmpty)

        let users = try await client.listUsers()
        XCTAssertTrue(users.contains("swift-alice"))
        let rotated = try await client.rotateUserSecret(user: user)
        XCTAssertEqual(rotated.userId, "swift-alice")
        XCTAssertNotEqual(rotated.userSecret?.expose(), secret)
        // A stored user, rebuilt from its id and secret, works like the returned one.
        try await client.deleteUser(user: UserCredentials(userId: "swift-alice", userSecret: rotated.userSecret))
        let after = try await client.listUsers()
        XCTAssertFalse(after.contains("swift-alice"))
    }

    func testAPendingConnectionIsWaitedForUntilActive() async throws {
        let client = try snaptrade()
        let user = try await client.registerUser(userId: "swift-pending")
        let link = try await client.portalUrl(user: user)
        _ = try sandbox.completePortal(url: link.url.expose(), username: "user_pending", password: "pass_good")
        let connection = try await client.waitForConnection(user: user, options: quickWait)
        XCTAssertEqual(connection.status, .active)
    }

    func testAnMfaLoginNeedsItsCode() async throws {
        let client = try snaptrade()
        let user = try await client.registerUser(userId: "swift-mfa")
        let link = try await client.portalUrl(user: user)
        let wrong = try sandbox.completePortal(url: link.url.expose(), username: "user_mfa", password: "pass_good", mfaCode: "000000")
        guard case let .error(code, _, _) = wrong else { return XCTFail("expected an error, got \(wrong)") }
        XCTAssertEqual(code, "1086")
        let again = try await client.portalUrl(user: user)
        let right = try sandbox.completePortal(url: again.url.expose(), username: "user_mfa", password: "pass_good", mfaCode: "123456")
        guard case .success = right else { return XCTFail("expected success, got \(right)") }
    }

    func testPortalResultsParseFromRedirectsAndMessages() async throws {
        XCTAssertEqual(
            try parsePortalResult(input: "https://app.example/connected?status=SUCCESS&connection_id=c-1"),
            .success(connectionId: "c-1", userId: nil)
        )
        XCTAssertEqual(
            try parsePortalResult(input: #"{"status":"ERROR","errorCode":"1066","statusCode":401}"#),
            .error(code: "1066", message: nil, statusCode: 401)
        )
        XCTAssertEqual(try parsePortalResult(input: "CLOSED"), .closed)
        XCTAssertEqual(try parsePortalResult(input: #"{"type":"portal-resize","height":640}"#), .resize(height: 640))
        let bad = await failure { _ = try parsePortalResult(input: "") }
        XCTAssertEqual(bad?.kind(), .invalidInput)
        XCTAssertEqual(bad?.details().field, "input")
    }

    func testAPersonalApiKeyActsAsItsOwnUser() async throws {
        let client = try Client.snaptradePersonal(
            clientId: sandbox.personalClientId(),
            consumerKey: sandbox.personalConsumerKey(),
            options: ClientOptions(baseUrl: sandbox.url())
        )
        let none = try await client.connections()
        XCTAssertTrue(none.isEmpty)
        let register = await failure { _ = try await client.registerUser(userId: "someone") }
        XCTAssertEqual(register?.details().field, "register_user")
        let named = await failure { _ = try await client.accounts(user: UserCredentials(userId: "someone", userSecret: Secret("s"))) }
        XCTAssertEqual(named?.details().field, "user")
        let link = try await client.portalUrl(options: PortalOptions(connectionType: .read))
        let done = try sandbox.completePortal(url: link.url.expose(), username: "user_good", password: "pass_good")
        guard case .success = done else { return XCTFail("portal failed: \(done)") }
        let connection = try await client.waitForConnection(options: quickWait)
        XCTAssertEqual(connection.status, .active)
        let accounts = try await client.accounts()
        XCTAssertEqual(accounts.count, 2)
        let positions = try await client.positions(user: nil, accountId: accounts[0].id)
        XCTAssertFalse(positions.isEmpty)
        let partner = try snaptrade()
        let nobody = await failure { _ = try await partner.accounts(user: nil) }
        XCTAssertEqual(nobody?.details().field, "user")
        // The sandbox's other credentials: its OAuth app, distinct from both keys.
        XCTAssertFalse(sandbox.oauthClientId().isEmpty)
        XCTAssertNotEqual(sandbox.oauthClientId(), sandbox.personalClientId())
    }

    func testAnOAuthAppAuthorizesAUserAndRefreshesOnceForARefusedToken() async throws {
        let app = try Client.snaptradeOauth(
            clientId: sandbox.oauthClientId(),
            clientSecret: sandbox.oauthClientSecret(),
            options: ClientOptions(baseUrl: sandbox.url())
        )
        let request = try await app.oauthAuthorizationUrl(redirectUri: "http://127.0.0.1:9/callback", scopes: ["read", "openid", "email"])
        let callback = try sandbox.authorizeOauth(url: request.url, username: "user_good", password: "pass_good")
        let tokens = try await app.oauthExchangeCode(request: request, callbackUrl: callback)
        XCTAssertEqual(tokens.email, "user_good@personal.sandbox.test")

        final class Heard: OAuthTokenListener, @unchecked Sendable {
            var pairs: [OAuthTokens] = []
            func tokensRefreshed(tokens: OAuthTokens) { pairs.append(tokens) }
        }
        let heard = Heard()
        var stale = tokens
        stale.accessToken = Secret("at_unknown")
        let user = try app.withOauthTokens(tokens: stale, listener: heard)
        let accounts = try await user.accounts()
        XCTAssertTrue(accounts.isEmpty)
        XCTAssertEqual(heard.pairs.count, 1)
        try await app.oauthRevoke(tokens: heard.pairs[0])
        let dead = await failure { _ = try await user.accounts() }
        XCTAssertEqual(dead?.details().providerCode, "invalid_grant")
    }
}
