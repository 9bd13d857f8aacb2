import Brokerlink
import Foundation
import XCTest

/// `parsePortalResult` against the shared fixture tests/conformance/portal-messages.json
/// (mirrors PortalMessagesTest.kt; `expect` is spelled as the Node package's PortalResult).
final class PortalMessagesTests: XCTestCase {
    private func outcome(_ input: String) -> [String: Any] {
        let null = NSNull()
        do {
            switch try parsePortalResult(input: input) {
            case let .success(connectionId, userId):
                return ["type": "success", "connectionId": connectionId ?? null, "userId": userId ?? null]
            case let .error(code, message, statusCode):
                return ["type": "error", "code": code, "message": message ?? null, "statusCode": statusCode.map { Int($0) } ?? null]
            case .closed:
                return ["type": "closed"]
            case .abandoned:
                return ["type": "abandoned"]
            case let .resize(height):
                return ["type": "resize", "height": Int(height)]
            }
        } catch let error as BrokerlinkError {
            return ["error": error.kind().description]
        } catch {
            return ["unexpected": "\(error)"]
        }
    }

    func testParsePortalResultMatchesTheSharedFixture() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("tests/conformance/portal-messages.json"))
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 100)
        for c in cases {
            let input = try XCTUnwrap(c["input"] as? String)
            let expect = try XCTUnwrap(c["expect"] as? [String: Any])
            let got = outcome(input)
            XCTAssertTrue(
                NSDictionary(dictionary: got).isEqual(to: expect),
                "\(c["kind"] ?? "?"): \(c["name"] ?? "?"): expected \(expect), got \(got)"
            )
        }
    }
}
