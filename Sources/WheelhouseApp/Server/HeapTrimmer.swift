#if canImport(Glibc)
    import Glibc
#endif
import Logging
import ServiceLifecycle
import Synchronization

/// Hands the heap's free pages back to the system after the index cache has grown.
///
/// Loading a record and rendering its pages leaves short-lived allocations (the decoded JSON,
/// the rendering's intermediate arrays) freed between long-lived ones (the record, the pages).
/// glibc keeps such holes, whole pages of them, for later allocations and returns memory only
/// from the top of a heap; a server that has just loaded thousands of projects would keep tens
/// of megabytes it no longer uses. `malloc_trim(0)` releases the free pages inside every arena.
/// It runs at most once per `interval`, only when the cache stored something since the last
/// time, and off the event loops (it locks each arena while it walks it: a few milliseconds).
struct HeapTrimmer: Service {
    /// Bumped by `IndexCache` whenever it keeps a new record or page.
    static let growth = Atomic<Int>(0)

    static func noteGrowth() { growth.add(1, ordering: .relaxed) }

    let interval: Duration
    let logger: Logger

    init(interval: Duration = .seconds(2), logger: Logger) {
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        guard let trim = Self.mallocTrim else { return }
        let (interval, logger) = (self.interval, self.logger)
        try await cancelWhenGracefulShutdown {
            var seen = Self.growth.load(ordering: .relaxed)
            while true {
                do { try await Task.sleep(for: interval) } catch { return }
                let now = Self.growth.load(ordering: .relaxed)
                guard now != seen else { continue }
                seen = now
                let took = ContinuousClock().measure { _ = trim(0) }
                logger.debug("heap trimmed", metadata: ["duration": "\(took)"])
            }
        }
    }

    /// glibc's `malloc_trim`, which Swift's Glibc module does not declare; nil on other C libraries.
    nonisolated(unsafe) static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()
}
