import Brokerlink
import Foundation
import XCTest

/// `verifyWebhook` takes the raw body as `Data`, exactly as it arrived (mirrors WebhooksTest.kt).
final class WebhooksTests: SandboxTestCase {
    override var sandboxOptions: SandboxOptions { SandboxOptions(rateLimitPerMinute: 0, webhookRetryDelays: [0.05, 0.05]) }

    private let body = Data(
        #"{"clientId":"C","eventTimestamp":"2026-01-01T00:00:00.000000+00:00","eventType":"CONNECTION_ADDED","userId":"u1","brokerageAuthorizationId":"a1","webhookId":"w-1"}"#.utf8
    )
    private let finaticBody = Data(
        #"{"id":"evt_1","type":"account.grant.created","created_at":"2026-01-01T00:00:00Z","data":{"user_id":"u1","connection_id":"a1"}}"#.utf8
    )
    private let now = Date(timeIntervalSince1970: 1_767_225_600)

    func testAllThreeSchemesVerifyWhatTheySigned() throws {
        let cases: [(Data, String, WebhookSigner)] = [
            (body, "consumer-key", .snapTrade(consumerKey: "consumer-key")),
            (body, "whsec_c2VjcmV0LXNlY3JldA==", .standard(secret: "whsec_c2VjcmV0LXNlY3JldA==", id: "msg_1", timestamp: 1_767_225_600)),
            (finaticBody, "finatic-secret", .finatic(secret: "finatic-secret")),
        ]
        for (payload, secret, signer) in cases {
            let headers = try signWebhook(body: payload, signer: signer)
            let event = try verifyWebhook(
                body: payload, headers: headers, secrets: ["another-secret", secret], options: WebhookOptions(now: now)
            )
            XCTAssertEqual(event.kind, .connectionAdded, "\(signer)")
            XCTAssertEqual(event.kind.description, "connection_added")
            XCTAssertEqual(event.userId, "u1")
            XCTAssertEqual(event.connectionId, "a1")
        }
        let finatic = try verifyWebhook(
            body: finaticBody, headers: try signWebhook(body: finaticBody, signer: cases[2].2), secrets: ["finatic-secret"]
        )
        XCTAssertEqual(finatic.provider, .finatic)
        XCTAssertEqual(finatic.eventType, "account.grant.created")
        XCTAssertEqual(finatic.id, "evt_1")
    }

    func testFailuresSayWhy() async throws {
        let headers = try signWebhook(body: body, signer: .snapTrade(consumerKey: "consumer-key"))
        var tampered = body
        tampered[tampered.count - 3] = UInt8(ascii: "X")
        func reason(_ call: () throws -> Void) async -> String? {
            await failure { try call() }?.details().reason
        }
        let tamperedReason = await reason { _ = try verifyWebhook(body: tampered, headers: headers, secrets: ["consumer-key"]) }
        XCTAssertEqual(tamperedReason, "no_matching_signature")
        let wrongKey = await reason { _ = try verifyWebhook(body: self.body, headers: headers, secrets: ["wrong-key"]) }
        XCTAssertEqual(wrongKey, "no_matching_signature")
        let missing = await reason { _ = try verifyWebhook(body: self.body, headers: [:], secrets: ["consumer-key"]) }
        XCTAssertEqual(missing, "missing_header")
        let stale = try signWebhook(body: body, signer: .standard(secret: "whsec_c2VjcmV0", id: "msg_1", timestamp: 1_767_225_600 - 3600))
        let old = await reason {
            _ = try verifyWebhook(body: self.body, headers: stale, secrets: ["whsec_c2VjcmV0"], options: WebhookOptions(now: self.now))
        }
        XCTAssertEqual(old, "timestamp_out_of_tolerance")
        // Header names in any case; a re-ordered SnapTrade body still verifies (canonical JSON).
        let upper = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.uppercased(), $0.value) })
        let reordered = Data(
            #"{"webhookId":"w-1","userId":"u1","eventType":"CONNECTION_ADDED","eventTimestamp":"2026-01-01T00:00:00.000000+00:00","clientId":"C","brokerageAuthorizationId":"a1"}"#.utf8
        )
        XCTAssertEqual(try verifyWebhook(body: reordered, headers: upper, secrets: ["consumer-key"]).id, "w-1")
    }

    func testTheDeprecatedWebhookSecretNeverPrintsAndOAuthFieldsShow() async throws {
        let oauth = Data(
            #"{"webookId":"w-9","schemaVersion":"oauth_v1","oauthClientId":"app-7","eventType":"CONNECTION_ADDED","connectionId":"c1","webhookSecret":"legacy-webhook-secret"}"#.utf8
        )
        let headers = try signWebhook(body: oauth, signer: .snapTrade(consumerKey: "ck"))
        let event = try verifyWebhook(body: oauth, headers: headers, secrets: ["ck"])
        XCTAssertEqual([event.id, event.schemaVersion, event.oauthClientId], ["w-9", "oauth_v1", "app-7"])
        XCTAssertFalse("\(event)".contains("legacy-webhook-secret"))
        XCTAssertTrue(event.rawJson.contains(#""webhookSecret":"***""#))
        for empty in ["", "whsec_"] {
            let field = await failure { _ = try verifyWebhook(body: self.body, headers: headers, secrets: [empty]) }?.details().field
            XCTAssertEqual(field, "secrets")
        }
    }

    /// What the sandbox's own receiver (`/_sandbox/sink/NAME`) got, raw.
    private struct Received: Decodable {
        let status: Int
        let body: String
        let headers: [String: String]
    }

    func testTheSandboxDeliversSignedEventsRetriedWithTheSameId() async throws {
        let sink = "\(sandbox.url())/_sandbox/sink/hooks"
        let endpoint = try sandbox.addWebhook(url: "\(sink)?fail_first=1", provider: "snaptrade", eventTypes: ["CONNECTION_ADDED"])
        XCTAssertTrue(endpoint.secret.hasPrefix("whsec_"))
        let client = try snaptrade()
        let user = try await client.registerUser(userId: "hooks-alice")
        let link = try await client.portalUrl(user: user)
        let done = try sandbox.completePortal(url: link.url.expose(), username: "user_good", password: "pass_good")
        guard case let .success(connectionId, _) = done else { return XCTFail("portal failed: \(done)") }

        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(sink)?count=2&timeout_ms=10000")!)
        let received = try JSONDecoder().decode([Received].self, from: data)
        XCTAssertEqual(received.map(\.status), [500, 204])
        let events = try received.map {
            try verifyWebhook(body: Data($0.body.utf8), headers: $0.headers, secrets: [endpoint.secret, sandbox.consumerKey()])
        }
        XCTAssertEqual(events[0].kind, .connectionAdded)
        XCTAssertEqual(events[0].connectionId, connectionId)
        XCTAssertEqual(events[0].id, events[1].id)

        // The sink has the retry before the sandbox has its answer: wait (bounded) for the log.
        var delivery = try XCTUnwrap(try sandbox.webhookDeliveries().first { $0.endpointId == endpoint.id })
        let deadline = Date().addingTimeInterval(5)
        while delivery.responseCode != 204 && Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
            delivery = try XCTUnwrap(try sandbox.webhookDeliveries().first { $0.endpointId == endpoint.id })
        }
        XCTAssertEqual(delivery.attempts, 2)
        XCTAssertEqual(delivery.responseCode, 204)
        XCTAssertTrue(try sandbox.removeWebhook(id: endpoint.id))
    }
}
