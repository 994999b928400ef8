import ArgumentParser
import WheelhouseApp
import WheelhouseCore
import WheelhouseStorage

struct YankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yank",
        abstract: "Yank a release (PEP 592): installers skip it unless it is pinned exactly."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The project.") var project: String
    @Argument(help: "The version to yank.") var version: String
    @Option(help: "Why it was yanked (shown by pip).") var reason: String?

    @Option(name: .customLong("manifest-parameter"), help: "An SSM parameter to republish the Glue manifest to afterwards.")
    var manifestParameter: String?

    @OptionGroup(title: "Manifest selection (with --manifest-parameter)") var manifest: ManifestSelectionOptions

    @OptionGroup(title: "Events (docs/events.md)") var events: EventOptions

    func run() async throws {
        try await failing { try await events.withEvents { sink in try await change(events: sink) } }
    }

    func change(events sink: any EventSink) async throws {
        let admin = StoreAdmin(store: try options.openStore())
        let record = try await admin.setYanked(true, project: project, version: version, reason: reason)
        let canonical = (try? Version(version))?.description ?? version
        sink.emit(StoreEvent(type: .yank, store: admin.store.displayName, project: record.name, version: canonical, reason: reason))
        if options.json {
            try printJSON(record)
        } else {
            print("yanked \(record.name) \(version)" + (reason.map { " (\($0))" } ?? ""))
        }
        if let manifestParameter {
            try await manifest.republish(manifestParameter, options: options, events: sink)
        }
    }
}
