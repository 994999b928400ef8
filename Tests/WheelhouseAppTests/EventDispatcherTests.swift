import Foundation
import Logging
import Synchronization
import Testing

@testable import WheelhouseApp
import NIOHTTP1

/// The event body, its signature and the delivery queue, in-process (the real webhook and SNS
/// deliveries are in `EventsEndToEndTests`).
@Suite struct EventDispatcherTests {
    /// Records what it is given; `gate` holds each delivery until opened.
    final class Recorder: EventDestination {
        let name: String
        let received = Mutex<[String]>([])
        let open: Mutex<Bool>
        init(_ name: String, open: Bool = true) {
            self.name = name
            self.open = Mutex(open)
        }
        func deliver(_ event: StoreEvent, body: Data) async throws {
            while !open.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
            received.withLock { $0.append(event.id) }
        }
    }

    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func event(_ id: String) -> StoreEvent {
        StoreEvent(type: .upload, store: "/srv/store", project: "demo", id: id, time: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func bodyIsSortedJSONWithoutAbsentFields() {
        var event = StoreEvent(
            type: .yank, store: "s3://b/p", project: "demo", version: "1.0", reason: "bad", id: "e1", time: Date(timeIntervalSince1970: 1_800_000_000.5))
        #expect(
            String(decoding: event.body(), as: UTF8.self)
                == #"{"id":"e1","project":"demo","reason":"bad","schema":1,"store":"s3://b/p","time":"2027-01-15T08:00:00.500000Z","type":"yank","version":"1.0"}"#
        )
        event = StoreEvent.projectStatus(store: "s", project: "demo", status: "quarantined", previous: "active", reason: nil)
        let text = String(decoding: event.body(), as: UTF8.self)
        #expect(text.contains(#""type":"project.status""#) && text.contains(#""previous_status":"active""#) && text.contains(#""status":"quarantined""#))
        #expect(!text.contains("reason"))
    }

    @Test func signatureIsHMACSHA256OfTheBody() {
        // RFC 4231-style known answer (the "quick brown fox" HMAC-SHA256 vector).
        let signature = WebhookDestination.signature(body: Data("The quick brown fox jumps over the lazy dog".utf8), key: Array("key".utf8))
        #expect(signature == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        let destination = WebhookDestination(url: URL(fileURLWithPath: "/"), secret: Array("key".utf8))
        let body = Self.event("e1").body()
        let headers = destination.headers(for: Self.event("e1"), body: body)
        #expect(headers.first(name: "X-Wheelhouse-Signature") == WebhookDestination.signature(body: body, key: Array("key".utf8)))
        #expect(headers.first(name: "X-Wheelhouse-Delivery") == "e1")
        #expect(headers.first(name: "X-Wheelhouse-Timestamp") == "1800000000")
        #expect(
            WebhookDestination(url: URL(fileURLWithPath: "/"), secret: nil).headers(for: Self.event("e1"), body: body)
                .first(name: "X-Wheelhouse-Signature") == nil)
    }

    @Test func backoffDoublesUpToTheCap() {
        let destination = WebhookDestination(
            url: URL(fileURLWithPath: "/"), secret: nil, baseDelay: .milliseconds(500), maxDelay: .seconds(3))
        for (attempt, ceiling) in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (30, 3.0)] {
            let delay = destination.delay(afterAttempt: attempt)
            #expect(delay <= .milliseconds(Int64(ceiling * 1000)) && delay >= .milliseconds(Int64(ceiling * 750)), "\(attempt): \(delay)")
        }
    }

    @Test func eachDestinationGetsEveryEventInOrderAndASlowOneDelaysNoOther() async throws {
        let fast = Recorder("fast")
        let slow = Recorder("slow", open: false)
        let dispatcher = EventDispatcher(destinations: [fast, slow], capacity: 100, logger: Self.quiet)
        let running = Task { try await dispatcher.run() }
        for index in 0..<20 { dispatcher.emit(Self.event("e\(index)")) }
        let expected = (0..<20).map { "e\($0)" }
        let deadline = ContinuousClock.now + .seconds(60)
        while fast.received.withLock({ $0.count }) < 20, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(fast.received.withLock { $0 } == expected)
        #expect(slow.received.withLock { $0 }.isEmpty)
        slow.open.withLock { $0 = true }
        dispatcher.close()
        try await running.value
        #expect(slow.received.withLock { $0 } == expected)
        #expect(dispatcher.counts == .init(delivered: 40, failed: 0, dropped: 0))
    }

    @Test func aFullQueueDropsAndCloseStopsWithinTheDrainTime() async throws {
        let stuck = Recorder("stuck", open: false)
        let dispatcher = EventDispatcher(destinations: [stuck], capacity: 3, drainTimeout: .milliseconds(200), logger: Self.quiet)
        let running = Task { try await dispatcher.run() }
        // Emitting never waits, however full the queue.
        let clock = ContinuousClock()
        let started = clock.now
        for index in 0..<50 { dispatcher.emit(Self.event("e\(index)")) }
        #expect(clock.now - started < .seconds(1))
        #expect(dispatcher.counts.dropped >= 46)
        let closing = clock.now
        dispatcher.close()
        try await running.value
        // The drain time is 200 ms; the bound only tells a bounded close from one that waits for
        // the stuck destination, with room for a machine busy running every other suite.
        #expect(clock.now - closing < .seconds(30))
        #expect(stuck.received.withLock { $0 }.isEmpty)
        dispatcher.emit(Self.event("late"))
        #expect(dispatcher.counts.dropped >= 47, "an event after close is dropped, not queued")
    }
}
