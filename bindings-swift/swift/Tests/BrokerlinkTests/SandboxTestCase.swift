// Shared setup of the XCTest suite (mirrors bindings-swift/kotlin/src/test/kotlin/brokerlink).
// Not compiled on the Linux machines this project is developed on (no Swift toolchain there):
// run it with `swift test` on macOS, see bindings-swift/README.md.
import Brokerlink
import Foundation
import XCTest

/// A fresh in-process sandbox per test, on a free loopback port.
class SandboxTestCase: XCTestCase {
    var sandbox: Sandbox!

    /// What the sandbox starts with; subclasses override it.
    var sandboxOptions: SandboxOptions { SandboxOptions(rateLimitPerMinute: 0) }

    /// Quick polling for tests (the defaults poll for minutes).
    let quickWait = WaitOptions(timeout: 15, pollInterval: 0.05, maxPollInterval: 0.25)

    override func setUp() async throws {
        try await super.setUp()
        sandbox = try await Sandbox.start(options: sandboxOptions)
    }

    override func tearDown() async throws {
        try await sandbox?.shutdown()
        sandbox = nil
        try await super.tearDown()
    }

    func snaptrade(retry: RetryPolicy? = nil, timeout: TimeInterval? = nil, key: String? = nil) throws -> Client {
        try Client.snaptrade(
            clientId: sandbox.clientId(),
            consumerKey: key ?? sandbox.consumerKey(),
            options: ClientOptions(baseUrl: sandbox.url(), timeout: timeout, retry: retry)
        )
    }

    func finatic() throws -> Client {
        try Client.finatic(apiKey: sandbox.apiKey(), options: ClientOptions(baseUrl: sandbox.url()))
    }
}

/// The `BrokerlinkError` a call threw; fails the test (and returns nil) if it threw none or
/// something else.
func failure(
    _ call: () async throws -> Void,
    file: StaticString = #filePath,
    line: UInt = #line
) async -> BrokerlinkError? {
    do {
        try await call()
        XCTFail("expected a BrokerlinkError, but the call succeeded", file: file, line: line)
    } catch let error as BrokerlinkError {
        return error
    } catch {
        XCTFail("expected a BrokerlinkError, got \(error)", file: file, line: line)
    }
    return nil
}
