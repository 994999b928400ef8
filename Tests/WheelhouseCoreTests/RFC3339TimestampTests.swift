import Foundation
import Testing

@testable import WheelhouseCore

@Suite struct RFC3339TimestampTests {
    @Test func formatsAsPEP700Wants() {
        #expect(RFC3339Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(RFC3339Timestamp.format(Date(timeIntervalSince1970: 1_704_164_645.123456)) == "2024-01-02T03:04:05.123456Z")
        #expect(RFC3339Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000000Z")
        #expect(RFC3339Timestamp.format(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500000Z")
        #expect(RFC3339Timestamp.format(Date(timeIntervalSince1970: 253_402_300_799.5)) == "9999-12-31T23:59:59.500000Z")
    }

    @Test func agreesWithFoundationOnWholeSeconds() throws {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var seconds: Int64 = -2_000_000_000
        while seconds < 4_000_000_000 {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let expected = formatter.string(from: date).replacingOccurrences(of: "Z", with: ".000000Z")
            #expect(RFC3339Timestamp.format(date) == expected)
            #expect(RFC3339Timestamp.parse(expected) == date)
            seconds += 86_400 * 17 + 3_607
        }
    }

    @Test func parsesVariants() throws {
        let base = try #require(RFC3339Timestamp.parse("2024-01-02T03:04:05Z"))
        #expect(RFC3339Timestamp.format(base) == "2024-01-02T03:04:05.000000Z")
        #expect(RFC3339Timestamp.parse("2024-01-02t03:04:05z") == base)
        #expect(RFC3339Timestamp.parse("2024-01-02T05:04:05+02:00") == base)
        #expect(RFC3339Timestamp.parse("2024-01-01T23:34:05-03:30") == base)
        #expect(RFC3339Timestamp.parse("2024-01-02T03:04:05.1Z").map(RFC3339Timestamp.format) == "2024-01-02T03:04:05.100000Z")
        #expect(RFC3339Timestamp.parse("2024-01-02T03:04:05.123456789Z").map(RFC3339Timestamp.format) == "2024-01-02T03:04:05.123456Z")
    }

    @Test(arguments: [
        "", "2024-01-02", "2024-01-02T03:04:05", "2024-13-02T03:04:05Z", "2023-02-29T00:00:00Z", "2024-01-32T00:00:00Z",
        "2024-01-02T24:00:00Z", "2024-01-02T03:60:00Z", "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05.1234567890Z",
        "2024-01-02 03:04:05Z", "2024-01-02T03:04:05+0200", "2024-01-02T03:04:05Zjunk", "24-01-02T03:04:05Z",
    ])
    func refusesMalformed(_ text: String) {
        #expect(RFC3339Timestamp.parse(text) == nil)
    }

    @Test func roundTripsToTheMicrosecond() {
        for interval in [0.0, 1e-6, 0.4999994, 1_704_164_645.123456, 1_900_000_000.999999, -12.000001] {
            let normalized = RFC3339Timestamp.normalized(Date(timeIntervalSince1970: interval))
            #expect(RFC3339Timestamp.parse(RFC3339Timestamp.format(normalized)) == normalized)
            #expect(RFC3339Timestamp.normalized(normalized) == normalized)
        }
    }
}
