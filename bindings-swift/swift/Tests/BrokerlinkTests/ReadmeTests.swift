import Brokerlink
import Foundation
import XCTest

/// The README's Swift example, as written there (mirrors ReadmeTest.kt).
final class ReadmeTests: XCTestCase {
    func testTheQuickStartRuns() async throws {
        var out: [String] = []
        func print(_ line: String) { out.append(line) }

        let sandbox = try await Sandbox.start()
        let client = try Client.snaptrade(
            clientId: sandbox.clientId(), consumerKey: sandbox.consumerKey(), options: ClientOptions(baseUrl: sandbox.url())
        )
        do {
            let user = try await client.registerUser(userId: "app-user-42")          // store user.userSecret?.expose()
            let link = try await client.portalUrl(user: user, options: PortalOptions(connectionType: .read))
            _ = try sandbox.completePortal(url: link.url.expose(), username: "user_good", password: "pass_good")
            let connection = try await client.waitForConnection(user: user)
            print("\(connection.broker.name) is \(connection.status)")              // "Alpaca is active"
        } catch BrokerlinkError.Conflict(let details) {
            print("already registered (\(details.providerCode ?? "-"))")
        } catch let error as BrokerlinkError {
            print("brokerlink \(error.kind()): \(error.description), HTTP \(error.details().status.map { "\($0)" } ?? "-")")
        }
        try await sandbox.shutdown()
        XCTAssertEqual(out, ["Alpaca is active"])
    }
}
