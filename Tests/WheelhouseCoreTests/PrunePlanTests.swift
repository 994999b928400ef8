import Foundation
import Testing
import WheelhouseCore

/// `wheelhouse prune`'s decisions, from records, manifest pins, the time and the options alone.
@Suite struct PrunePlanTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day = 86_400.0

    /// A release: version, age in days, yanked.
    typealias R = (version: String, ageDays: Double, yanked: Bool)

    static func record(_ releases: [R], project: String = "demo") -> ProjectRecord {
        let files = releases.flatMap { release in
            ["py3-none-any.whl", "tar.gz"].map { suffix in
                let filename = suffix == "tar.gz" ? "\(project)-\(release.version).tar.gz" : "\(project)-\(release.version)-\(suffix)"
                return FileRecord(
                    filename: filename, version: release.version, packageType: suffix == "tar.gz" ? "sdist" : "bdist_wheel",
                    sha256: String(repeating: "a", count: 64), size: 100, uploadTime: now.addingTimeInterval(-release.ageDays * day),
                    requiresPython: nil, metadataSha256: nil, yanked: release.yanked, pythonTag: suffix == "tar.gz" ? "source" : "py3")
            }
        }
        return ProjectRecord(name: project, displayName: project, files: files)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var releases: [R]
        var keepLatest: Int?
        var olderThanDays: Double?
        /// Versions pinned by a manifest.
        var pinned: [String] = []
        /// version → reason code, newest first.
        var expected: [(String, String)]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "keep-latest 2 of 4", releases: [("1.0", 40, false), ("1.1", 30, false), ("2.0", 20, false), ("2.1", 10, false)],
            keepLatest: 2, expected: [("2.1", "newest"), ("2.0", "latest"), ("1.1", "expired"), ("1.0", "expired")]),
        Case(
            name: "versions order by PEP 440, not text", releases: [("1.10", 40, false), ("1.9", 30, false), ("1.2", 20, false)],
            keepLatest: 1, expected: [("1.10", "newest"), ("1.9", "expired"), ("1.2", "expired")]),
        Case(
            name: "older-than keeps recent releases", releases: [("1.0", 40, false), ("1.1", 5, false), ("1.2", 1, false)],
            olderThanDays: 30, expected: [("1.2", "newest"), ("1.1", "recent"), ("1.0", "expired")]),
        Case(
            name: "the newest release survives any age", releases: [("1.0", 400, false), ("2.0", 300, false)],
            olderThanDays: 1, expected: [("2.0", "newest"), ("1.0", "expired")]),
        Case(
            name: "both options: removed only when failing both", releases: [("1.0", 40, false), ("1.1", 2, false), ("1.2", 1, false), ("1.3", 50, false)],
            keepLatest: 1, olderThanDays: 30, expected: [("1.3", "newest"), ("1.2", "recent"), ("1.1", "recent"), ("1.0", "expired")]),
        Case(
            name: "a pinned release survives", releases: [("1.0", 40, false), ("2.0", 30, false), ("3.0", 20, false)],
            keepLatest: 1, pinned: ["1.0"], expected: [("3.0", "newest"), ("2.0", "expired"), ("1.0", "pinned")]),
        Case(
            name: "a yanked newest is not the newest", releases: [("1.0", 40, false), ("2.0", 30, false), ("3.0", 20, true)],
            keepLatest: 1, expected: [("3.0", "expired"), ("2.0", "newest"), ("1.0", "expired")]),
        Case(
            name: "a yanked release takes no place of keep-latest", releases: [("1.0", 40, false), ("1.5", 35, true), ("2.0", 30, false)],
            keepLatest: 2, expected: [("2.0", "newest"), ("1.5", "expired"), ("1.0", "latest")]),
        Case(
            name: "all yanked: the highest stays", releases: [("1.0", 40, true), ("2.0", 30, true)],
            keepLatest: 1, expected: [("2.0", "newest"), ("1.0", "expired")]),
        Case(
            name: "a single release is never removed", releases: [("0.1", 900, false)],
            keepLatest: 1, olderThanDays: 1, expected: [("0.1", "newest")]),
        Case(
            name: "a yanked recent release is kept by older-than", releases: [("1.0", 40, false), ("2.0", 1, true)],
            olderThanDays: 30, expected: [("2.0", "recent"), ("1.0", "newest")]),
    ]

    @Test(arguments: cases)
    func decisions(_ c: Case) {
        let record = Self.record(c.releases)
        let pins = c.pinned.map { PrunePlan.Pin(project: "demo", filename: "demo-\($0)-py3-none-any.whl", manifest: "us-east-1/glue/app") }
        let plan = PrunePlan(
            records: [record], pins: pins, now: Self.now,
            options: .init(keepLatest: c.keepLatest, olderThan: c.olderThanDays.map { .seconds(Int64($0 * Self.day)) }))
        #expect(plan.releases.map { ($0.version) } == c.expected.map(\.0))
        #expect(plan.releases.map(\.reason.code) == c.expected.map(\.1))
        for release in plan.releases {
            #expect(release.remove == (release.reason.code == "expired"))
            #expect(release.files.count == 2)
        }
    }

    @Test func pinsAreByProjectAndFilename() {
        let a = Self.record([("1.0", 40, false), ("2.0", 30, false)], project: "a")
        let b = Self.record([("1.0", 40, false), ("2.0", 30, false)], project: "b")
        // A pin naming b's file protects b's release only, and names every manifest.
        let pins = [
            PrunePlan.Pin(project: "b", filename: "b-1.0.tar.gz", manifest: "eu-west-1/two"),
            PrunePlan.Pin(project: "b", filename: "b-1.0-py3-none-any.whl", manifest: "eu-west-1/one"),
        ]
        let plan = PrunePlan(records: [b, a], pins: pins, now: Self.now, options: .init(keepLatest: 1))
        #expect(plan.releases.map(\.project) == ["a", "a", "b", "b"])
        #expect(plan.removed.map { "\($0.project) \($0.version)" } == ["a 1.0"])
        #expect(plan.releases[3].reason == .pinned(manifests: ["eu-west-1/one", "eu-west-1/two"]))
        #expect(plan.releases[3].reason.text == "named by the published manifests eu-west-1/one, eu-west-1/two")
        #expect(plan.removed[0].bytes == 200)
    }

    @Test func withoutOptionsNothingIsRemoved() {
        let plan = PrunePlan(records: [Self.record([("1.0", 400, false), ("2.0", 300, false)])], pins: [], now: Self.now, options: .init())
        #expect(plan.removed.isEmpty)
    }

    @Test func reasonsReadWell() throws {
        let plan = PrunePlan(
            records: [Self.record([("1.0", 40, false), ("2.0", 30, true), ("3.0", 1, false)])], pins: [], now: Self.now,
            options: .init(keepLatest: 1, olderThan: .seconds(7 * 86_400)))
        #expect(
            plan.releases.map(\.reason.text) == [
                "the newest release",
                "yanked, last upload 2026-12-16T08:00:00.000000Z is more than 7d ago",
                "older than the 1 newest, last upload 2026-12-06T08:00:00.000000Z is more than 7d ago",
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(plan.releases[2]), as: UTF8.self)
        #expect(json.contains(#""action":"remove""#))
        #expect(json.contains(#""code":"expired""#))
        #expect(json.contains(#""files":["demo-1.0-py3-none-any.whl","demo-1.0.tar.gz"]"#))
    }
}
