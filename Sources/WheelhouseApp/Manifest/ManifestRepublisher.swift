import Logging

/// Keeps a manifest current in a long-running server: `storeChanged()` after each successful
/// ingest starts a publish, or, when one is running, one more after it (a burst of uploads
/// gives at most two publishes, the last of which sees every upload).
public actor ManifestRepublisher {
    private let publisher: ManifestPublisher
    private let parameter: String
    private let logger: Logger
    private var running = false
    private var pending = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    public init(publisher: ManifestPublisher, parameter: String, logger: Logger) {
        self.publisher = publisher
        self.parameter = parameter
        self.logger = logger
    }

    /// Asks for a publish; returns at once.
    public func storeChanged() {
        pending = true
        guard !running else { return }
        running = true
        Task { await self.drain() }
    }

    /// Returns once no publish is running or asked for (for tests and shutdown).
    public func waitUntilIdle() async {
        guard running || pending else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private func drain() async {
        while pending {
            pending = false
            do {
                let result = try await publisher.publish(parameter: parameter)
                logger.notice(
                    "manifest published",
                    metadata: [
                        "parameter": "\(parameter)", "written": "\(result.written)", "version": "\(result.version ?? 0)",
                        "tier": "\(result.tier)", "wheels": "\(result.wheels.count)",
                    ])
                for warning in result.warnings {
                    logger.warning("manifest leaves out a project", metadata: ["parameter": "\(parameter)", "reason": "\(warning)"])
                }
            } catch {
                logger.error("manifest not published", metadata: ["parameter": "\(parameter)", "error": "\(error)"])
            }
        }
        running = false
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
