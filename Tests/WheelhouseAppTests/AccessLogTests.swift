import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseApp
import Logging

/// The access log's lines and its bound, through a pipe, in process.
struct AccessLogTests {
    static func lines(capacity: Int = 1 << 20, _ entries: [AccessLog.Entry]) throws -> [String] {
        var fds: [Int32] = [0, 0]
        #expect(TestSupport.makePipe(&fds) == 0)
        defer { close(fds[0]) }
        let log = AccessLog(fd: fds[1], capacity: capacity)
        for entry in entries { log.record(entry) }
        log.flush()
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0]).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func entry(path: String = "/simple/demo/", status: Int = 200, userAgent: String? = "pip/24.0") -> AccessLog.Entry {
        AccessLog.Entry(
            time: 1_764_464_524, method: "GET", path: path, status: status, durationNanos: 1_234_567, bytes: "512",
            contentType: "text/html", userAgent: userAgent, requestID: "abc123")
    }

    @Test func aLineHasTheServerLogsFieldsInItsOrder() throws {
        let lines = try Self.lines([Self.entry()])
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(
            line.hasSuffix(
                " info wheelhouse: bytes=512 content_type=text/html duration_ms=1.23 hb.request.id=abc123 method=GET"
                    + " path=/simple/demo/ status=200 user_agent=pip/24.0 [WheelhouseApp] request"), "\(line)")
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "#, options: .regularExpression) != nil, "\(line)")
    }

    @Test func clientValuesCannotStartALineOfTheirOwn() throws {
        let forged = "x\n2099-01-01T00:00:00+0000 notice wheelhouse: forged"
        let lines = try Self.lines([Self.entry(path: "/simple/" + forged, userAgent: "ua\r\nX: y")])
        #expect(lines.count == 1, "\(lines)")
        #expect(lines[0].contains(#"path=/simple/x\n2099-01-01"#) && lines[0].contains(#"user_agent=ua\r\nX: y"#), "\(lines)")
    }

    @Test func recordsPastTheCapacityAreDroppedAndCounted() throws {
        // The capacity is in bytes: room for three lines and a half.
        let length = try #require(try Self.lines([Self.entry(path: "/simple/p0/")]).first).utf8.count + 1
        let lines = try Self.lines(capacity: length * 7 / 2, (0..<5).map { Self.entry(path: "/simple/p\($0)/") })
        #expect(lines.count == 4, "\(lines)")
        #expect(
            lines.prefix(3).map { $0.contains("path=/simple/p\(0)/") || $0.contains("path=/simple/p1/") || $0.contains("path=/simple/p2/") } == [
                true, true, true,
            ])
        #expect(lines[3].contains("dropped=2") && lines[3].contains("access log lines dropped"), "\(lines)")
    }
}
