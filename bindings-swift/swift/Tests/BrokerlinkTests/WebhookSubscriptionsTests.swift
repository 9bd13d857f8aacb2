import Brokerlink
import Foundation
import XCTest

/// Finatic webhook subscriptions through the client (mirrors WebhookSubscriptionsTest.kt).
final class WebhookSubscriptionsTests: SandboxTestCase {
    func testSubscriptionsAreCreatedListedPausedAndRevoked() async throws {
        let client = try finatic()
        let catalog = try await client.webhookCatalog()
        XCTAssertEqual(catalog.first { $0.eventType == "account.grant.revoked" }?.category, "account")
        let created = try await client.createWebhookSubscription(
            subscription: NewWebhookSubscription(url: "http://127.0.0.1:9/hook", eventTypes: ["account.grant.created"], description: "swift")
        )
        XCTAssertEqual(created.status, .active)
        let secret = try XCTUnwrap(created.secret?.expose())
        XCTAssertFalse(String(describing: created).contains(secret))
        let listed = try await client.webhookSubscriptions().first { $0.id == created.id }
        XCTAssertEqual(listed?.eventTypes, ["account.grant.created"])
        XCTAssertNil(listed?.secret)

        let paused = try await client.updateWebhookSubscription(
            subscriptionId: created.id, update: WebhookSubscriptionUpdate(description: "paused", enabled: false)
        )
        XCTAssertEqual(paused.status, .disabled)
        let ended = try await client.revokeWebhookSubscription(subscriptionId: created.id)
        XCTAssertEqual(ended.status, .revoked)

        let bad = await failure {
            _ = try await client.createWebhookSubscription(
                subscription: NewWebhookSubscription(url: "not a url", eventTypes: ["order.filled"])
            )
        }
        guard case let .InvalidInput(details)? = bad else { return XCTFail("expected InvalidInput, got \(String(describing: bad))") }
        XCTAssertEqual(details.field, "url")
    }
}
