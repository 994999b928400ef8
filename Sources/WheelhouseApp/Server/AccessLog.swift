import Foundation
import Logging
public import ServiceLifecycle
import Synchronization

/// The access log: one line per request, in the server log's format
/// (`2026-11-30T01:02:04+0000 info wheelhouse: bytes=… path=… status=… [WheelhouseApp] request`),
/// with client values escaped (`EscapingLogHandler.escape`).
///
/// A request only appends a small record to a buffer; a thread of the log's own formats the
/// records and writes them in one `write` every 50 ms, so neither formatting nor the write is
/// on the request path. When the writer cannot keep up (a full disk, a stalled pipe) records
/// past `capacity` are dropped and counted, never waited for. Run it as a service: it flushes
/// what is left when the group shuts down.
public final class AccessLog: Service, Sendable {
    struct Entry: Sendable {
        var time: Int
        var method: String
        var path: String
        var status: Int
        var durationNanos: Int64
        var bytes: String?
        var contentType: String?
        var userAgent: String?
        /// Hummingbird's request id (`hb.request.id`), described when the line is written.
        var requestID: Logger.MetadataValue?
    }

    private struct Pending {
        var entries: [Entry] = []
        var dropped = 0
        var stopped = false
    }

    private let pending = Mutex(Pending())
    private let fd: Int32
    let capacity: Int
    private let label: String

    /// Lines go to `fd` (standard error by default), as the rest of the server log.
    public init(fd: Int32 = 2, capacity: Int = 100_000, label: String = "wheelhouse") {
        self.fd = fd
        self.capacity = capacity
        self.label = label
    }

    func record(_ entry: Entry) {
        pending.withLock { pending in
            if pending.entries.count < capacity {
                pending.entries.append(entry)
            } else {
                pending.dropped += 1
            }
        }
    }

    public func run() async throws {
        let writer = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.05)
                if flush() { return }
            }
        }
        writer.name = "wheelhouse-access-log"
        writer.start()
        // Until the group shuts down (or the task is cancelled); then the thread writes what is
        // left and stops.
        try? await gracefulShutdown()
        pending.withLock { $0.stopped = true }
        while !writer.isFinished { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// Writes what is buffered; true once the log is stopped and empty.
    @discardableResult
    func flush() -> Bool {
        let (entries, dropped, stopped) = pending.withLock { pending in
            defer {
                pending.entries.removeAll(keepingCapacity: true)
                pending.dropped = 0
            }
            return (pending.entries, pending.dropped, pending.stopped)
        }
        if !entries.isEmpty || dropped > 0 {
            var out = [UInt8]()
            out.reserveCapacity(entries.count * 220)
            var clock = TimestampCache()
            for entry in entries { format(entry, clock: &clock, into: &out) }
            if dropped > 0 {
                out.append(
                    contentsOf:
                        "\(clock.text(Int(time(nil)))) warning \(label): dropped=\(dropped) [WheelhouseApp] access log lines dropped: the log could not keep up\n"
                        .utf8)
            }
            out.withUnsafeBytes { Self.writeAll(fd, $0) }
        }
        return stopped && entries.isEmpty
    }

    private func format(_ e: Entry, clock: inout TimestampCache, into out: inout [UInt8]) {
        // Keys in the order the server log sorts them, so a line reads the same either way.
        var line = clock.text(e.time)
        line += " info \(label): bytes=\(e.bytes ?? "-") content_type=\(Self.clean(e.contentType ?? "-"))"
        line += " duration_ms=\(Self.milliseconds(e.durationNanos)) hb.request.id=\(e.requestID?.description ?? "-") method=\(e.method)"
        line += " path=\(Self.clean(e.path)) status=\(e.status) user_agent=\(Self.clean(e.userAgent ?? "-")) [WheelhouseApp] request\n"
        out.append(contentsOf: line.utf8)
    }

    /// `12.34`: nanoseconds as milliseconds with two decimals (rounded), without `String(format:)`.
    static func milliseconds(_ nanos: Int64) -> String {
        let hundredths = (max(nanos, 0) + 5_000) / 10_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private static func clean(_ value: String) -> String {
        EscapingLogHandler.needsEscaping(value) ? EscapingLogHandler.escape(value) : value
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    /// `2026-11-30T01:02:04+0000`, formatted once per second.
    private struct TimestampCache {
        var second = -1
        var cached = ""

        mutating func text(_ seconds: Int) -> String {
            guard seconds != second else { return cached }
            var t = time_t(seconds)
            var parts = tm()
            localtime_r(&t, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
            cached = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            second = seconds
            return cached
        }
    }
}
