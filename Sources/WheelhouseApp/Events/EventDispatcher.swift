public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// A place events are delivered to: a webhook, an SNS topic.
public protocol EventDestination: Sendable {
    /// For logs: the URL without credentials, the topic ARN.
    var name: String { get }
    /// Delivers one event, retrying as the destination sees fit; throws when it gave up.
    /// Honours task cancellation.
    func deliver(_ event: StoreEvent, body: Data) async throws
}

/// Delivers events off the path of the change that caused them: `emit` puts the event on a
/// bounded queue per destination and returns at once; `run` (a ServiceLifecycle `Service` in
/// `serve`'s group, a task of its own in the other commands) delivers each queue in order.
///
/// A queue that is full drops the newest event and logs it: a receiver that is down for long
/// costs events, never memory or the speed of uploads. One slow destination never delays
/// another. On graceful shutdown (or `close()`) no more events are taken; what is queued is
/// delivered for at most `drainTimeout`, then abandoned (and logged).
public final class EventDispatcher: EventSink, Service {
    struct Lane: Sendable {
        var destination: any EventDestination
        var stream: AsyncStream<StoreEvent>
        var continuation: AsyncStream<StoreEvent>.Continuation
    }

    /// Counts, for tests and logs.
    public struct Counts: Sendable, Equatable {
        public var delivered = 0
        public var failed = 0
        public var dropped = 0
    }

    let lanes: [Lane]
    let logger: Logger
    public let drainTimeout: Duration
    private let closed: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)
    private let state = Mutex(Counts())

    public init(destinations: [any EventDestination], capacity: Int = 1000, drainTimeout: Duration = .seconds(10), logger: Logger) {
        lanes = destinations.map { destination in
            let (stream, continuation) = AsyncStream.makeStream(of: StoreEvent.self, bufferingPolicy: .bufferingOldest(max(1, capacity)))
            return Lane(destination: destination, stream: stream, continuation: continuation)
        }
        self.logger = logger
        self.drainTimeout = drainTimeout
        closed = AsyncStream.makeStream(of: Void.self)
    }

    public var isEmpty: Bool { lanes.isEmpty }
    /// The destinations' names (URLs without credentials, topic ARNs).
    public var destinationNames: [String] { lanes.map(\.destination.name) }
    public var counts: Counts { state.withLock { $0 } }

    public func emit(_ event: StoreEvent) {
        for lane in lanes {
            switch lane.continuation.yield(event) {
            case .enqueued: break
            case .dropped:
                state.withLock { $0.dropped += 1 }
                logger.error(
                    "event dropped: the delivery queue is full",
                    metadata: ["destination": "\(lane.destination.name)", "event": "\(event.id)", "type": "\(event.type.rawValue)"])
            case .terminated:
                state.withLock { $0.dropped += 1 }
                logger.warning(
                    "event dropped: delivery has stopped",
                    metadata: ["destination": "\(lane.destination.name)", "event": "\(event.id)", "type": "\(event.type.rawValue)"])
            @unknown default:
                break
            }
        }
    }

    /// Takes no more events; `run` returns once the queues are delivered, or `drainTimeout` later.
    public func close() {
        for lane in lanes { lane.continuation.finish() }
        closed.continuation.finish()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.deliverAll() }
                group.addTask {
                    for await _ in self.closed.stream {}
                    guard !Task.isCancelled else { return }
                    try? await Task.sleep(for: self.drainTimeout)
                }
                // Whichever ends first: every queue delivered, or the drain time after close is up.
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    func deliverAll() async {
        await withTaskGroup(of: Void.self) { group in
            for lane in lanes {
                group.addTask {
                    for await event in lane.stream {
                        if Task.isCancelled {
                            self.state.withLock { $0.failed += 1 }
                            self.logger.error(
                                "event abandoned at shutdown",
                                metadata: ["destination": "\(lane.destination.name)", "event": "\(event.id)", "type": "\(event.type.rawValue)"])
                            continue
                        }
                        do {
                            try await lane.destination.deliver(event, body: event.body())
                            self.state.withLock { $0.delivered += 1 }
                            self.logger.debug(
                                "event delivered",
                                metadata: ["destination": "\(lane.destination.name)", "event": "\(event.id)", "type": "\(event.type.rawValue)"])
                        } catch {
                            self.state.withLock { $0.failed += 1 }
                            self.logger.error(
                                "event not delivered",
                                metadata: [
                                    "destination": "\(lane.destination.name)", "event": "\(event.id)", "type": "\(event.type.rawValue)",
                                    "error": "\(error)",
                                ])
                        }
                    }
                }
            }
        }
    }
}
