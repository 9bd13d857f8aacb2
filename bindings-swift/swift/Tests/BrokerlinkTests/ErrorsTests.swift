import Brokerlink
import Foundation
import XCTest

/// Every failure is `BrokerlinkError`, its case the kind, with its details (mirrors ErrorsTest.kt).
final class ErrorsTests: SandboxTestCase {
    func testBadInputFailsBeforeAnyRequestNamingTheField() async throws {
        let client = try snaptrade()
        let e = await failure { _ = try await client.registerUser(userId: "") }
        guard case let .InvalidInput(details)? = e else { return XCTFail("expected InvalidInput, got \(String(describing: e))") }
        XCTAssertEqual(details.field, "user_id")
        XCTAssertEqual(details.attempts, 0)
        // Enums are typed here; a word from elsewhere (a config file) parses through the core.
        let mode = await failure { _ = try parsePortalMode(value: "sepia") }
        XCTAssertEqual(mode?.details().field, "mode")
        XCTAssertEqual(try parseConnectionType(value: "trade-if-available"), .tradeIfAvailable)
        XCTAssertEqual(ConnectionType.tradeIfAvailable.description, "trade-if-available")
        let url = await failure { _ = try Client.snaptrade(clientId: "id", consumerKey: "key", options: ClientOptions(baseUrl: "ftp://x")) }
        XCTAssertEqual(url?.kind(), .invalidInput)
    }

    func testAWrongKeyIsUnauthorizedWithStatusCodeAndRequestId() async throws {
        let client = try snaptrade(key: "not-the-consumer-key")
        let e = await failure { _ = try await client.listUsers() }
        guard case let .Unauthorized(d)? = e else { return XCTFail("expected Unauthorized, got \(String(describing: e))") }
        XCTAssertEqual(d.kind, .unauthorized)
        XCTAssertEqual(d.status, 401)
        XCTAssertEqual(d.providerCode, "1076")
        XCTAssertNotNil(d.requestId)
        XCTAssertEqual(d.attempts, 1)
        XCTAssertTrue(e!.description.hasPrefix("unauthorized: "), e!.description)
        XCTAssertTrue(e!.description.contains("HTTP 401"), e!.description)
    }

    func testConflictAndNotFoundToldApartBySwitch() async throws {
        let client = try snaptrade()
        let user = try await client.registerUser(userId: "errors-dup")
        var seen: [String] = []
        for call in [
            { _ = try await client.registerUser(userId: "errors-dup") },
            { _ = try await client.connection(user: user, connectionId: "00000000-0000-4000-8000-000000000000") },
        ] as [() async throws -> Void] {
            do {
                try await call()
                seen.append("none")
            } catch BrokerlinkError.Conflict(let details) {
                seen.append("conflict \(details.providerCode ?? "-")")
            } catch BrokerlinkError.NotFound(let details) {
                seen.append("not_found \(details.status.map { "\($0)" } ?? "-")")
            }
        }
        XCTAssertEqual(seen, ["conflict 1010", "not_found 404"])
    }

    func testRateLimitsServerErrorsBadBodiesExpiryAndTimeouts() async throws {
        let once = RetryPolicy(maxAttempts: 1)
        _ = try sandbox.injectFault(
            fault: .status(status: 429, bodyJson: nil, retryAfter: 2),
            options: FaultOptions(method: "GET", pathPrefix: "/snapTrade/listUsers")
        )
        let limited = await failure { _ = try await self.snaptrade(retry: once).listUsers() }
        XCTAssertEqual(limited?.kind(), .rateLimited)
        XCTAssertEqual(limited?.details().retryAfter, 2)
        XCTAssertEqual(limited?.details().status, 429)

        _ = try sandbox.injectFault(
            fault: .status(status: 503, bodyJson: nil, retryAfter: nil),
            options: FaultOptions(pathPrefix: "/snapTrade/listUsers", count: 2)
        )
        let twice = RetryPolicy(maxAttempts: 2, initialBackoff: 0.01)
        let server = await failure { _ = try await self.snaptrade(retry: twice).listUsers() }
        XCTAssertEqual(server?.kind(), .server)
        XCTAssertEqual(server?.details().attempts, 2)

        _ = try sandbox.injectFault(fault: .invalidJson, options: FaultOptions(pathPrefix: "/snapTrade/listUsers"))
        let decode = await failure { _ = try await self.snaptrade(retry: once).listUsers() }
        XCTAssertEqual(decode?.kind(), .decode)

        let body = #"{"detail":"expired","code":"1006","status_code":410}"#
        _ = try sandbox.injectFault(
            fault: .status(status: 410, bodyJson: body, retryAfter: nil), options: FaultOptions(pathPrefix: "/snapTrade/login")
        )
        let expired = await failure { _ = try await self.snaptrade(retry: once).portalUrl(user: UserCredentials(userId: "u", userSecret: Secret("s"))) }
        guard case let .PortalExpired(details)? = expired else { return XCTFail("expected PortalExpired, got \(String(describing: expired))") }
        XCTAssertEqual(details.providerCode, "1006")

        _ = try sandbox.injectFault(fault: .delay(delayMs: 1000), options: FaultOptions(pathPrefix: "/snapTrade/listUsers"))
        let timeout = await failure { _ = try await self.snaptrade(retry: once, timeout: 0.2).listUsers() }
        XCTAssertEqual(timeout?.kind(), .timeout)
        XCTAssertEqual(try sandbox.armedFaults(), 0)
    }

    func testNothingListeningIsANetworkError() async throws {
        let closed = try Client.snaptrade(
            clientId: "id", consumerKey: "key",
            options: ClientOptions(baseUrl: "http://127.0.0.1:9", retry: RetryPolicy(maxAttempts: 1))
        )
        let e = await failure { _ = try await closed.listUsers() }
        XCTAssertEqual(e?.kind(), .network)
    }

    func testAPanicInsideTheLibraryIsAnInternalErrorNeverACrash() async throws {
        let sync = await failure { try forcePanic() }
        guard case let .Internal(details)? = sync else { return XCTFail("expected Internal, got \(String(describing: sync))") }
        XCTAssertTrue(details.message.contains("panic"), details.message)
        let inTask = await failure { try await forcePanicAsync() }
        XCTAssertEqual(inTask?.kind(), .internal)
        // The library still works afterwards.
        _ = try await snaptrade().listUsers()
    }

    func testKindsPrintAsTheStableStringsOfEveryLanguage() {
        let kinds: [ErrorKind] = [
            .invalidInput, .unauthorized, .notFound, .conflict, .rateLimited, .portalExpired,
            .server, .network, .timeout, .decode, .internal, .webhookInvalid,
        ]
        XCTAssertEqual(kinds.map(\.description), [
            "invalid_input", "unauthorized", "not_found", "conflict", "rate_limited", "portal_expired",
            "server", "network", "timeout", "decode", "internal", "webhook_invalid",
        ])
    }

    func testDurationsThatDoNotFitAreInvalidInputNamingTheField() async throws {
        let forever: TimeInterval = 1e18
        let pending = await failure { _ = try await Sandbox.start(options: SandboxOptions(pendingActivation: forever)) }
        XCTAssertEqual(pending?.details().field, "pending_activation")
        let client = try snaptrade()
        let user = UserCredentials(userId: "nobody", userSecret: Secret("not-a-secret"))
        let wait = await failure { _ = try await client.waitForConnection(user: user, options: WaitOptions(timeout: forever)) }
        XCTAssertEqual(wait?.details().field, "timeout")
        let grace = await failure { _ = try self.sandbox.rotateWebhookSecret(id: "we_x", grace: forever) }
        XCTAssertEqual(grace?.details().field, "grace")
    }
}
