import Brokerlink
import Foundation
import XCTest

/// The fault matrix subset of FaultMatrixTest.kt (and core/tests/fault_matrix.rs): an
/// idempotent read, a read that decodes a list and a non-idempotent write × every fault.
final class FaultMatrixTests: SandboxTestCase {
    private enum Call: CaseIterable { case listUsers, connections, registerUser
        var idempotent: Bool { self != .registerUser }
    }

    private let faults: [(String, Fault)] = [
        ("429 Retry-After 0", .status(status: 429, bodyJson: nil, retryAfter: 0)),
        ("500", .status(status: 500, bodyJson: nil, retryAfter: nil)),
        ("502", .status(status: 502, bodyJson: nil, retryAfter: nil)),
        ("503", .status(status: 503, bodyJson: nil, retryAfter: nil)),
        ("504", .status(status: 504, bodyJson: nil, retryAfter: nil)),
        ("reset", .reset),
        ("delay past timeout", .delay(delayMs: 700)),
        ("truncated body", .truncate),
        ("invalid JSON", .invalidJson),
        ("wrong shape", .status(status: 200, bodyJson: #"{"surprise":[1,2,3]}"#, retryAfter: nil)),
        ("50 MB body", .largeBody(bytes: 50_000_000)),
    ]

    private struct Outcome: Equatable {
        let kind: ErrorKind
        let status: UInt16?
        let attempts: UInt32
    }

    /// nil: retried once and succeeded.
    private func expected(_ call: Call, _ fault: String) -> Outcome? {
        switch fault {
        case "429 Retry-After 0": return nil
        case "500": return Outcome(kind: .server, status: 500, attempts: 1)
        case "502", "503": return call.idempotent ? nil : Outcome(kind: .server, status: UInt16(fault), attempts: 1)
        case "504": return call.idempotent ? nil : Outcome(kind: .timeout, status: 504, attempts: 1)
        case "reset", "truncated body": return call.idempotent ? nil : Outcome(kind: .network, status: nil, attempts: 1)
        case "delay past timeout": return call.idempotent ? nil : Outcome(kind: .timeout, status: nil, attempts: 1)
        default: return Outcome(kind: .decode, status: 200, attempts: 1)
        }
    }

    func testEveryFaultOnEachCallHasItsDocumentedOutcome() async throws {
        let client = try snaptrade(
            retry: RetryPolicy(maxAttempts: 3, initialBackoff: 0.001, maxBackoff: 0.005, maxRetryAfter: 1),
            timeout: 0.3
        )
        let user = try await client.registerUser(userId: "matrix")
        var fresh = 0
        for call in Call.allCases {
            for (name, fault) in faults {
                try sandbox.clearFaults()
                _ = try sandbox.injectFault(fault: fault)
                let served = try sandbox.state().requestsServed
                var error: BrokerlinkError?
                do {
                    switch call {
                    case .listUsers: _ = try await client.listUsers()
                    case .connections: _ = try await client.connections(user: user)
                    case .registerUser:
                        fresh += 1
                        _ = try await client.registerUser(userId: "new-\(fresh)")
                    }
                } catch let e as BrokerlinkError {
                    error = e
                }
                let sent = try sandbox.state().requestsServed - served
                if let want = expected(call, name) {
                    let d = error?.details()
                    XCTAssertEqual(d.map { Outcome(kind: $0.kind, status: $0.status, attempts: $0.attempts) }, want, "\(call) × \(name)")
                    if d?.status != nil { XCTAssertNotNil(d?.requestId, "\(call) × \(name)") }
                } else {
                    XCTAssertNil(error, "\(call) × \(name)")
                    XCTAssertEqual(sent, 2, "\(call) × \(name): requests sent")
                }
                // Let a delayed request finish on the server before the next case.
                if name == "delay past timeout" { try await Task.sleep(nanoseconds: 500_000_000) }
            }
        }
    }

    func testARegistrationWhoseOutcomeIsUnknownIsNotRepeated() async throws {
        let client = try snaptrade(retry: RetryPolicy(maxAttempts: 3, initialBackoff: 0.001), timeout: 0.3)
        let before = try await client.listUsers().count
        _ = try sandbox.injectFault(fault: .delay(delayMs: 700), options: FaultOptions(method: "POST"))
        let e = await failure { _ = try await client.registerUser(userId: "maybe") }
        XCTAssertEqual(e?.kind(), .timeout)
        XCTAssertEqual(e?.details().attempts, 1)
        try await Task.sleep(nanoseconds: 600_000_000)
        let after = try await client.listUsers().count
        XCTAssertEqual(after, before + 1, "registered exactly once")
        let again = await failure { _ = try await client.registerUser(userId: "maybe") }
        XCTAssertEqual(again?.kind(), .conflict)
    }
}
