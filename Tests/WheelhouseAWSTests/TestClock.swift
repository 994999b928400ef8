import Foundation
import Synchronization

/// A clock whose time moves only when something sleeps on it: a sleep records its duration
/// and returns at once, so backoff can be checked without waiting. Like a real clock, a
/// sleep in a cancelled task throws `CancellationError`; `cancelOnSleep` cancels the
/// sleeping task first (the cancellation arrives during the backoff).
final class TestClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleeps: [Duration] = []
    }

    private let state = Mutex(State())
    let cancelOnSleep: Bool

    init(cancelOnSleep: Bool = false) { self.cancelOnSleep = cancelOnSleep }

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .nanoseconds(1) }
    /// Every sleep so far, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        if cancelOnSleep { withUnsafeCurrentTask { $0?.cancel() } }
        try Task.checkCancellation()
        state.withLock {
            $0.sleeps.append($0.now.duration(to: deadline))
            $0.now = max($0.now, deadline)
        }
    }
}
