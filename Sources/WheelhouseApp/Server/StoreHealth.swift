import Foundation
import Logging
import Synchronization
import WheelhouseCore
import WheelhouseStorage

/// `GET /healthz` (DESIGN.md §4: liveness, 503 when the store is unreachable).
///
/// A probe asks the store for one key's metadata (`simple/index.html`; absent is fine, an error
/// is not). Its answer is kept for `interval`, so load balancers probing often cost the store one
/// request per interval; concurrent probes share one request. A store that has not answered
/// within `timeout` counts as unreachable (the S3 client's own retries may take a minute).
actor StoreHealth {
    let store: any BlobStore
    let interval: Duration
    let timeout: Duration
    let logger: Logger
    private var last: (at: ContinuousClock.Instant, problem: String?)?
    private var inFlight: Task<String?, Never>?

    init(store: any BlobStore, interval: Duration = .seconds(2), timeout: Duration = .seconds(5), logger: Logger) {
        self.store = store
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    /// Nil when the store answered; else what went wrong (for the log, not for clients).
    func problem() async -> String? {
        if let last, ContinuousClock.now - last.at < interval { return last.problem }
        if let inFlight { return await inFlight.value }
        let task = Task { [store, timeout] in await Self.probe(store, timeout: timeout) }
        inFlight = task
        let problem = await task.value
        inFlight = nil
        if let problem, last?.problem == nil { logger.warning("health check: the store is unreachable", metadata: ["reason": "\(problem)"]) }
        last = (ContinuousClock.now, problem)
        return problem
    }

    /// The first of: the store's answer, or the timeout. A slow request is left to finish on its own.
    static func probe(_ store: any BlobStore, timeout: Duration) async -> String? {
        let pending = Mutex<CheckedContinuation<String?, Never>?>(nil)
        let finish: @Sendable (String?) -> Void = { value in
            pending.withLock { continuation in
                continuation?.resume(returning: value)
                continuation = nil
            }
        }
        return await withCheckedContinuation { continuation in
            pending.withLock { $0 = continuation }
            Task {
                do {
                    _ = try await store.head(StorageLayout.exportRootKey)
                    finish(nil)
                } catch {
                    finish("\(error)")
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                finish("no answer within \(timeout)")
            }
        }
    }
}
