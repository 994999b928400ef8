import Testing
import WheelhouseCore

/// Durations on the command line (`--interval`, `--upstream-ttl`, `--min-age`).
@Suite struct DurationTextTests {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test(arguments: [
        ("10m", 600.0), ("30s", 30), ("2h", 7200), ("7d", 604_800), ("1w", 604_800), ("45", 45), ("0.5m", 30), ("0s", 0),
        ("500ms", 0.5), ("1.5h", 5400), (" 5M ", 300), ("0.001s", 0.001),
    ])
    func durations(text: String, seconds: Double) throws {
        let duration = try #require(DurationText.parse(text))
        #expect(Self.seconds(duration) == seconds)
    }

    @Test(arguments: ["", "m", "ms", "-1d", "soon", "1y", "1e20s", "nan", "inf", "5 m", "1s2"])
    func badDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [("30s", true), ("500ms", true), ("0", false), ("0s", false), ("0ms", false), ("-5", false), ("x", false)])
    func positive(text: String, accepted: Bool) {
        #expect((DurationText.parsePositive(text) != nil) == accepted)
    }
}
