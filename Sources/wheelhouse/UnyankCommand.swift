import ArgumentParser
import WheelhouseApp
import WheelhouseCore
import WheelhouseStorage

struct UnyankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unyank",
        abstract: "Undo a yank."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The project.") var project: String
    @Argument(help: "The version to restore.") var version: String

    @Option(name: .customLong("manifest-parameter"), help: "An SSM parameter to republish the Glue manifest to afterwards.")
    var manifestParameter: String?

    @OptionGroup(title: "Manifest selection (with --manifest-parameter)") var manifest: ManifestSelectionOptions

    @OptionGroup(title: "Events (docs/events.md)") var events: EventOptions

    func run() async throws {
        try await failing { try await events.withEvents { sink in try await change(events: sink) } }
    }

    func change(events sink: any EventSink) async throws {
        let admin = StoreAdmin(store: try options.openStore())
        let record = try await admin.setYanked(false, project: project, version: version, reason: nil)
        let canonical = (try? Version(version))?.description ?? version
        sink.emit(StoreEvent(type: .unyank, store: admin.store.displayName, project: record.name, version: canonical, reason: nil))
        if options.json {
            try printJSON(record)
        } else {
            print("unyanked \(record.name) \(version)")
        }
        if let manifestParameter {
            try await manifest.republish(manifestParameter, options: options, events: sink)
        }
    }
}
