import Brokerlink
import Foundation
import XCTest

/// One client shared by many tasks (mirrors ConcurrencyTest.kt).
final class ConcurrencyTests: SandboxTestCase {
    func testFiftyConcurrentCallsOnOneClient() async throws {
        let client = try snaptrade()
        let users = try await withThrowingTaskGroup(of: UserCredentials.self) { group in
            for i in 1...50 {
                group.addTask { try await client.registerUser(userId: "many-\(i)") }
            }
            var users: [UserCredentials] = []
            for try await user in group { users.append(user) }
            return users
        }
        let ids = users.map { $0.userId }
        XCTAssertEqual(Set(ids), Set((1...50).map { "many-\($0)" }))
        let listed = try await client.listUsers()
        XCTAssertTrue(Set(listed).isSuperset(of: ids))
        // Fifty reads at once.
        let found = try await withThrowingTaskGroup(of: Int.self) { group in
            for user in users {
                group.addTask { try await client.connections(user: user).count }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(found, 0)
    }

    /// Swift's task cancellation does not reach a call already running (uniffi's Swift
    /// bindings do not forward it); bound waits with their own timeout instead.
    func testAWaitIsBoundedByItsTimeout() async throws {
        let client = try snaptrade()
        let user = try await client.registerUser(userId: "bounded")
        let e = await failure { _ = try await client.waitForConnection(user: user, options: WaitOptions(timeout: 0.3)) }
        XCTAssertEqual(e?.kind(), .timeout)
        let connections = try await client.connections(user: user)
        XCTAssertEqual(connections, [])
    }
}
