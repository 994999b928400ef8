import Foundation

/// The two date formats AWS answers use (S3 headers and listings, STS and credential documents).
enum AWSDates {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 7231 IMF-fixdate (`Wed, 25 Nov 2026 16:40:00 GMT`), as in `Last-Modified`.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        return date(year: year, month: month + 1, day: day, hour: time[0], minute: time[1], second: time[2])
    }

    /// ISO 8601 (`2026-11-25T16:40:00.000Z`), as in listings; fractions of a second are dropped.
    static func iso8601(_ text: String) -> Date? {
        let fields = text.split(whereSeparator: { "-T:.Z".contains($0) }).prefix(6).compactMap { Int($0) }
        guard fields.count == 6, text.hasSuffix("Z") else { return nil }
        return date(year: fields[0], month: fields[1], day: fields[2], hour: fields[3], minute: fields[4], second: fields[5])
    }

    private static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }
}
