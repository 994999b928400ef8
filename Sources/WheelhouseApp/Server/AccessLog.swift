import Foundation
import Logging
public import ServiceLifecycle
import Synchronization

/// The access log: one line per request, in the server log's format
/// (`2026-11-30T01:02:04+0000 info wheelhouse: bytes=… path=… status=… [WheelhouseApp] request`),
/// with client values escaped (`EscapingLogHandler.escape`).
///
/// A request formats its line straight into bytes (no string interpolation, one copy of each
/// value) and appends it to one of a few buffers, picked by thread, so that the event loops do
/// not contend for one lock. A thread of the log's own swaps the buffers out and writes them
/// every 50 ms, so the write is never on the request path. Lines of different threads within
/// one 50 ms batch may appear out of order. When the writer cannot keep up (a full disk, a
/// stalled pipe) lines past `capacity` bytes are dropped and counted, never waited for. Run it
/// as a service: it flushes what is left when the group shuts down.
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
        /// Hummingbird's request id (`hb.request.id`).
        var requestID: Logger.MetadataValue?
    }

    private struct Shard {
        var bytes: [UInt8] = []
        var dropped = 0
        var clock = TimestampCache()
    }

    private final class ShardBox: Sendable {
        let mutex = Mutex(Shard())
    }

    private let shards: [ShardBox]
    private let stopped = Atomic<Bool>(false)
    private let fd: Int32
    /// Bytes each buffer may hold before lines are dropped.
    let capacity: Int
    private let label: [UInt8]

    /// Lines go to `fd` (standard error by default), as the rest of the server log.
    public init(fd: Int32 = 2, capacity: Int = 8 << 20, label: String = "wheelhouse") {
        self.fd = fd
        self.capacity = capacity
        self.label = Array(label.utf8)
        self.shards = (0..<4).map { _ in ShardBox() }
    }

    func record(_ entry: Entry) {
        var line = LineBuilder(label: label)
        line.append(entry)
        append(line)
    }

    /// A line of a request answered from the connection's bytes (`RawIndexFastPath`): the path
    /// and user agent as they came, the request id made here.
    func record(
        time: Int, path: UnsafeRawBufferPointer, status: Int, durationNanos: Int64, bytes: Int?, contentType: String,
        userAgent: UnsafeRawBufferPointer?, requestID: UInt64
    ) {
        var line = LineBuilder(label: label)
        line.bytes.reserveCapacity(256)
        line.start(time: time)
        line.text(" info ")
        line.raw(label)
        line.text(": bytes=")
        if let bytes { line.int(bytes) } else { line.text("-") }
        line.text(" content_type=")
        line.escaped(contentType)
        line.text(" duration_ms=")
        line.milliseconds(durationNanos)
        line.text(" hb.request.id=")
        line.raw(FastRequestID.prefix)
        line.hex16(requestID)
        line.text(" method=GET path=")
        line.escaped(path)
        line.text(" status=")
        line.int(status)
        line.text(" user_agent=")
        if let userAgent { line.escaped(userAgent) } else { line.text("-") }
        line.text(" [WheelhouseApp] request\n")
        append(line)
    }

    private func append(_ line: LineBuilder) {
        shards[Self.shardIndex(count: shards.count)].mutex.withLock { shard in
            // The timestamp is filled in here, from the shard's once-a-second cache.
            let timestamp = line.time.map { shard.clock.text($0) } ?? []
            if shard.bytes.count + timestamp.count + line.bytes.count <= capacity {
                shard.bytes.append(contentsOf: timestamp)
                shard.bytes.append(contentsOf: line.bytes)
            } else {
                shard.dropped += 1
            }
        }
    }

    /// The buffer of the calling thread: threads are spread over the buffers by their id.
    private static func shardIndex(count: Int) -> Int {
        let id = UInt(pthread_self())
        return Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> 58) % count
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
        stopped.store(true, ordering: .sequentiallyConsistent)
        while !writer.isFinished { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// Writes what is buffered; true once the log is stopped and empty.
    @discardableResult
    func flush() -> Bool {
        let stopped = self.stopped.load(ordering: .sequentiallyConsistent)
        var empty = true
        var spare = [UInt8]()
        for shard in shards {
            var dropped = 0
            var taken = [UInt8]()
            shard.mutex.withLock { shard in
                swap(&taken, &shard.bytes)
                // The buffer written last time goes back, with its capacity.
                shard.bytes = spare
                dropped = shard.dropped
                shard.dropped = 0
            }
            if !taken.isEmpty || dropped > 0 { empty = false }
            if dropped > 0 {
                var clock = TimestampCache()
                taken.append(contentsOf: clock.text(Int(time(nil))))
                taken.append(
                    contentsOf:
                        " warning \(String(decoding: label, as: UTF8.self)): dropped=\(dropped) [WheelhouseApp] access log lines dropped: the log could not keep up\n"
                        .utf8)
            }
            if !taken.isEmpty { taken.withUnsafeBytes { Self.writeAll(fd, $0) } }
            taken.removeAll(keepingCapacity: true)
            spare = taken
        }
        return stopped && empty
    }

    /// `12.34`: nanoseconds as milliseconds with two decimals (rounded), without `String(format:)`.
    static func milliseconds(_ nanos: Int64) -> String {
        var line = LineBuilder(label: [])
        line.milliseconds(nanos)
        return String(decoding: line.bytes, as: UTF8.self)
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

    /// One line being formatted, as bytes; the timestamp is added when it is appended.
    struct LineBuilder {
        var bytes: [UInt8] = []
        var time: Int?
        let label: [UInt8]

        init(label: [UInt8]) {
            self.label = label
        }

        mutating func start(time: Int) {
            self.time = time
        }

        /// The line of a request answered by the router. Keys in the order the server log
        /// sorts them, so a line reads the same either way.
        mutating func append(_ e: Entry) {
            bytes.reserveCapacity(256)
            start(time: e.time)
            text(" info ")
            raw(label)
            text(": bytes=")
            escaped(e.bytes ?? "-")
            text(" content_type=")
            escaped(e.contentType ?? "-")
            text(" duration_ms=")
            milliseconds(e.durationNanos)
            text(" hb.request.id=")
            escaped(e.requestID?.description ?? "-")
            text(" method=")
            escaped(e.method)
            text(" path=")
            escaped(e.path)
            text(" status=")
            int(e.status)
            text(" user_agent=")
            escaped(e.userAgent ?? "-")
            text(" [WheelhouseApp] request\n")
        }

        mutating func text(_ s: StaticString) {
            s.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func raw(_ b: [UInt8]) {
            bytes.append(contentsOf: b)
        }

        mutating func int(_ value: Int) {
            if value < 0 {
                bytes.append(UInt8(ascii: "-"))
                int(UInt64(value.magnitude))
            } else {
                int(UInt64(value))
            }
        }

        mutating func int(_ value: UInt64) {
            var digits:
                (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var n = value
            var count = 0
            withUnsafeMutableBytes(of: &digits) { d in
                repeat {
                    d[19 - count] = UInt8(ascii: "0") + UInt8(n % 10)
                    n /= 10
                    count += 1
                } while n > 0
                bytes.append(contentsOf: d[(20 - count)...])
            }
        }

        mutating func hex16(_ value: UInt64) {
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { hex in
                for shift in stride(from: 60, through: 0, by: -4) {
                    bytes.append(hex[Int((value >> UInt64(shift)) & 0xF)])
                }
            }
        }

        mutating func milliseconds(_ nanos: Int64) {
            let hundredths = UInt64((max(nanos, 0) + 5_000) / 10_000)
            int(hundredths / 100)
            bytes.append(UInt8(ascii: "."))
            let fraction = hundredths % 100
            if fraction < 10 { bytes.append(UInt8(ascii: "0")) }
            int(fraction)
        }

        /// A client value: as is when it is printable ASCII, otherwise with its control
        /// characters escaped as the server log escapes them.
        mutating func escaped(_ value: String) {
            var value = value
            value.withUTF8 { escaped(UnsafeRawBufferPointer($0)) }
        }

        mutating func escaped(_ value: UnsafeRawBufferPointer) {
            if value.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
                bytes.append(contentsOf: value)
            } else {
                bytes.append(contentsOf: EscapingLogHandler.escape(String(decoding: value, as: UTF8.self)).utf8)
            }
        }
    }

    /// `2026-11-30T01:02:04+0000`, formatted once per second.
    struct TimestampCache {
        var second = -1
        var cached: [UInt8] = []

        mutating func text(_ seconds: Int) -> [UInt8] {
            guard seconds != second else { return cached }
            var t = time_t(seconds)
            var parts = tm()
            localtime_r(&t, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
            cached = buffer[0..<count].map { UInt8(bitPattern: $0) }
            second = seconds
            return cached
        }
    }
}

/// Request ids of requests answered by `RawIndexFastPath`, in the shape of Hummingbird's
/// (`hb.request.id`: a random prefix per process and a counter in 16 hex digits).
enum FastRequestID {
    static let prefix: [UInt8] = Array(String(UInt64.random(in: .min ... .max), radix: 16).utf8)
    private static let next = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    static func make() -> UInt64 {
        next.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}
