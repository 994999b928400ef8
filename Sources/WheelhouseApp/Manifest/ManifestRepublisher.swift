public import Logging
public import ServiceLifecycle
import Synchronization

/// Keeps a manifest current in a long-running server, as a service of its `ServiceGroup`:
/// `storeChanged()` after each successful ingest asks for a publish; asks that arrive while one
/// runs give one more after it (a burst of uploads gives at most two publishes, the last of
/// which sees every upload). On graceful shutdown the publish asked for last still runs.
public final class ManifestRepublisher: Service, Sendable {
    private let publisher: ManifestPublisher
    private let parameter: String
    private let logger: Logger
    private let requests: AsyncStream<Int>
    private let requestSink: AsyncStream<Int>.Continuation
    private let progress = Mutex(Progress())

    private struct Progress {
        /// Asks so far, and the ask the last finished publish saw.
        var asked = 0
        var done = 0
        var waiters: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    public init(publisher: ManifestPublisher, parameter: String, logger: Logger) {
        self.publisher = publisher
        self.parameter = parameter
        self.logger = logger
        // Only the newest ask is kept: asks that pile up during a publish make one more.
        (requests, requestSink) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a publish; returns at once.
    public func storeChanged() {
        let ask = progress.withLock { progress in
            progress.asked += 1
            return progress.asked
        }
        requestSink.yield(ask)
    }

    /// Returns once every publish asked for before the call has finished (for tests).
    public func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            let ready = progress.withLock { progress in
                guard progress.done < progress.asked else { return true }
                progress.waiters.append((progress.asked, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await ask in requests {
                await publish()
                let ready = progress.withLock { progress in
                    progress.done = max(progress.done, ask)
                    let (ready, waiting) = (progress.waiters.filter { $0.upTo <= ask }, progress.waiters.filter { $0.upTo > ask })
                    progress.waiters = waiting
                    return ready
                }
                for waiter in ready { waiter.continuation.resume() }
            }
        } onGracefulShutdown: {
            // The stream still hands over an ask that is waiting, then ends.
            self.requestSink.finish()
        }
    }

    private func publish() async {
        await publisher.publishLogged(parameter, logger: logger)
    }
}

extension ManifestPublisher {
    /// Publishes to `parameter` and logs the outcome, the projects left out and any failure,
    /// for the long-running callers (`serve`, `replicate --watch`); `context` is added to each line.
    func publishLogged(_ parameter: String, logger: Logger, context: Logger.Metadata = [:]) async {
        do {
            let result = try await publish(parameter: parameter)
            logger.notice(
                "manifest published",
                metadata: context.merging([
                    "parameter": "\(parameter)", "written": "\(result.written)", "version": "\(result.version ?? 0)",
                    "tier": "\(result.tier)", "wheels": "\(result.wheels.count)",
                ]) { a, _ in a })
            for warning in result.warnings {
                logger.warning(
                    "manifest leaves out a project",
                    metadata: context.merging(["parameter": "\(parameter)", "reason": "\(warning)"]) { a, _ in a })
            }
        } catch {
            logger.error(
                "manifest not published",
                metadata: context.merging(["parameter": "\(parameter)", "error": "\(error)"]) { a, _ in a })
        }
    }
}
