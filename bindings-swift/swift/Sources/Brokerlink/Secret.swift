import Foundation

/// A credential: a user secret, a session id, a portal link. It prints as `***` (so does every
/// record that holds one, in `description`, `dump` and string interpolation); `expose()` gives
/// the text, for storing it. Hand-written beside the generated sources: uniffi maps
/// brokerlink's `Secret` onto it (`uniffi.toml`).
public struct Secret: Equatable, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The credential itself, for storing or sending it; never print it.
    public func expose() -> String {
        value
    }

    public var description: String { "***" }

    public var debugDescription: String { "***" }

    /// No children, so `dump` and `Mirror` cannot reach the value either.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
