import Foundation

/// Durations written on the command line: `500ms`, `30s`, `10m`, `2h`, `7d`, `1w`, or a plain
/// number of seconds; fractions allowed (`1.5h`), case and surrounding spaces ignored.
public enum DurationText {
    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800),
    ]

    /// The duration, or nil for text that is not one, a negative value, or more than about
    /// 317 years (1e10 seconds).
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty else { return nil }
        var number = Substring(trimmed)
        var scale = 1.0
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value >= 0, value.isFinite, value * scale < 1e10 else { return nil }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    /// Like `parse`, refusing zero.
    public static func parsePositive(_ text: String) -> Duration? {
        guard let duration = parse(text), duration > .zero else { return nil }
        return duration
    }
}
