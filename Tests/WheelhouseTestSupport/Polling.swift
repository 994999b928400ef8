import Foundation

/// Polls `condition` every `interval` until it holds; throws `PollTimeout` naming `what` when
/// `timeout` passes first. For tests that wait on another process instead of sleeping a fixed time.
public func poll(
    _ what: String, timeout: Duration = .seconds(30), interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw PollTimeout(what: what, timeout: timeout) }
        try await Task.sleep(for: interval)
    }
}

/// A condition `poll` waited for did not hold in time.
public struct PollTimeout: Error, CustomStringConvertible {
    public let what: String
    public let timeout: Duration
    public var description: String { "timed out after \(timeout) waiting for \(what)" }
}

/// `read`'s value once two reads `interval` apart agree (a log another process still writes
/// has settled); throws `PollTimeout` if it keeps changing for `timeout`.
public func settled<T: Equatable>(
    timeout: Duration = .seconds(10), interval: Duration = .milliseconds(100), _ read: () async throws -> T
) async throws -> T {
    var last = try await read()
    try await poll("a settled value", timeout: timeout, interval: .zero) {
        try await Task.sleep(for: interval)
        let next = try await read()
        defer { last = next }
        return next == last
    }
    return last
}
