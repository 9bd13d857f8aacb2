import Brokerlink
import Foundation
import XCTest

/// No secret in `description` / `debugDescription` / `String(reflecting:)` (mirrors SecretsTest.kt).
/// Records print a credential they hold as its `Secret`, whose description and mirror show `***`.
final class SecretsTests: SandboxTestCase {
    private func assertHidden(_ secret: String, _ values: Any..., file: StaticString = #filePath, line: UInt = #line) {
        for value in values {
            for text in [String(describing: value), String(reflecting: value)] {
                XCTAssertFalse(text.contains(secret), "\(secret) shows in \(text)", file: file, line: line)
            }
        }
    }

    func testUserCredentialsPrintTheirSecretAsStars() {
        let user = UserCredentials(userId: "alice", userSecret: Secret("user-secret-0123456789"))
        XCTAssertEqual(String(describing: Secret("user-secret-0123456789")), "***")
        XCTAssertTrue(String(describing: user).contains("***"), String(describing: user))
        XCTAssertEqual(user.userSecret?.expose(), "user-secret-0123456789")
        XCTAssertEqual(user, UserCredentials(userId: "alice", userSecret: Secret("user-secret-0123456789")))
        assertHidden("user-secret-0123456789", user)
    }

    func testRegisteredUsersPortalLinksClientsAndErrorsHideWhatTheyCarry() async throws {
        let client = try snaptrade()
        let user = try await client.registerUser(userId: "secrets-alice")
        let secret = try XCTUnwrap(user.userSecret?.expose())
        let link = try await client.portalUrl(user: user)
        let token = try XCTUnwrap(URLComponents(string: link.url.expose())?.queryItems?.first { $0.name == "token" }?.value)
        XCTAssertTrue(String(describing: link).contains("***"), String(describing: link))
        assertHidden(secret, user, link, client)
        assertHidden(token, link)
        assertHidden(sandbox.consumerKey(), client)

        let wrong = UserCredentials(userId: "secrets-alice", userSecret: Secret("wrong-secret-abcdefghijkl"))
        let e = await failure { _ = try await client.connections(user: wrong) }
        assertHidden("wrong-secret-abcdefghijkl", e as Any, e?.localizedDescription ?? "", e?.details() as Any)

        let bad = try Client.snaptrade(clientId: "id", consumerKey: "consumer-key-xyz-987", options: ClientOptions(baseUrl: sandbox.url()))
        let unauthorized = await failure { _ = try await bad.listUsers() }
        assertHidden("consumer-key-xyz-987", bad, unauthorized as Any, unauthorized?.localizedDescription ?? "")
        let fin = try finatic()
        assertHidden(sandbox.apiKey(), fin)
    }

    func testFinaticSessionIdsAreCredentials() async throws {
        let client = try finatic()
        let session = try await client.startSession()
        let link = try await client.sessionPortalUrl(session: session)
        XCTAssertEqual(session.id.expose(), link.sessionId.expose())
        XCTAssertTrue(String(describing: session).contains("***"), String(describing: session))
        assertHidden(session.id.expose(), session, link)
        let e = await failure { _ = try await client.sessionUser(session: session) }
        assertHidden(session.id.expose(), e as Any, e?.localizedDescription ?? "", e?.details() as Any)
    }

    func testWebhookSignersHideTheirKeys() {
        let signers: [WebhookSigner] = [
            .snapTrade(consumerKey: "ck-0123456789"),
            .standard(secret: "whsec_c2VjcmV0LXNlY3JldA==", id: "msg_1", timestamp: 1_767_225_600),
            .finatic(secret: "fin-0123456789"),
        ]
        for signer in signers {
            assertHidden("0123456789", signer)
            assertHidden("c2VjcmV0LXNlY3JldA", signer)
        }
        XCTAssertEqual(signers[0].description, "SnapTrade(consumerKey=***)")
    }
}
