/// The pages of an account's activities as an `AsyncSequence`:
/// `for try await page in try client.activityPages(user: user, accountId: id) { … }`.
/// It reads on from wherever the reader is, so iterate it once.
extension ActivityPages: AsyncSequence {
    public typealias Element = [Activity]

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pages: ActivityPages

        public mutating func next() async throws -> [Activity]? {
            try await pages.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: self)
    }
}
