import ArgumentParser
import Foundation
import WheelhouseApp
import WheelhouseCore

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old releases' files, keeping the newest release and every file a published manifest names.",
        discussion: """
            A release (the files of one version) is removed when it is not among the --keep-latest \
            newest non-yanked releases and its last file was uploaded more than --older-than ago \
            (with one option, that one decides). Always kept: the newest release (the highest \
            version not yanked), and every release a published manifest (its record under \
            _wheelhouse/manifests/) names a file of. A yanked release never counts as one of the \
            newest. Each project's record is rewritten first, then its static page; the bytes go \
            --grace later, so no reader sees a listed file missing. Replicas follow with \
            `wheelhouse replicate --delete`.
            """
    )

    @OptionGroup var options: StoreOptions

    @Option(name: .customLong("keep-latest"), help: "Keep this many newest non-yanked releases of each project.")
    var keepLatest: Int?

    @Option(name: .customLong("older-than"), help: "Remove only releases whose last file was uploaded longer ago than this (30d, 12w).")
    var olderThan: DurationOption?

    @Option(name: .customLong("project"), help: "Prune only this project (repeatable; default: every project).")
    var projects: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Report what would be removed; change nothing.")
    var dryRun = false

    @Option(help: "Time between unlisting files and deleting their bytes: longer than any server's --index-staleness.")
    var grace = DurationOption(default: "5s")

    @OptionGroup(title: "Events (docs/events.md)") var events: EventOptions

    func validate() throws {
        guard keepLatest != nil || olderThan != nil else {
            throw ValidationError("name what to keep: --keep-latest N, --older-than DURATION, or both")
        }
        if let keepLatest, keepLatest < 1 { throw ValidationError("--keep-latest must be at least 1") }
    }

    func run() async throws {
        try await failing { try await events.withEvents { sink in try await prune(events: sink) } }
    }

    func prune(events sink: any EventSink) async throws {
        let admin = StoreAdmin(store: try options.openStore())
        let json = options.json
        let report = try await admin.prune(
            options: PrunePlan.Options(keepLatest: keepLatest, olderThan: olderThan?.duration), projects: projects, dryRun: dryRun,
            grace: grace.duration, events: sink, progress: { if !json { printError($0) } })
        if json {
            try printJSON(report)
            return
        }
        let verb = dryRun ? "would remove" : "removed"
        for release in report.releases {
            let action = release.remove ? (dryRun ? "would remove" : "removed") : "kept"
            print(
                "\(action.padding(toLength: 12, withPad: " ", startingAt: 0)) \(release.project) \(release.version)"
                    + " (\(release.files.count) file\(release.files.count == 1 ? "" : "s"), \(Self.bytes(release.bytes))): \(release.reason.text)")
        }
        for (key, error) in report.leftBehind.sorted(by: { $0.key < $1.key }) {
            printError("warning: \(key) is no longer listed but could not be deleted: \(error)")
        }
        let projectCount = Set(report.removed.map(\.project)).count
        print(
            "\(verb) \(report.removed.count) release\(report.removed.count == 1 ? "" : "s") (\(report.removedFiles) files, "
                + "\(Self.bytes(report.removedBytes))) of \(projectCount) project\(projectCount == 1 ? "" : "s"); kept \(report.kept.count)"
                + (report.manifests.isEmpty ? "" : "; manifests read: \(report.manifests.joined(separator: ", "))"))
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
