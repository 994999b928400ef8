import ArgumentParser
import Foundation
import WheelhouseApp

struct ManifestPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract:
            "Select a dependency-closed set of wheels for a Glue runtime and publish it to an SSM parameter (S3 URIs, a .gluewheels.zip or a requirements file).",
        discussion: """
            The selection is a resolution for the target runtime: every dependency of a selected \
            wheel is selected too, one version per project, the newest that fits. A Glue runtime's \
            preinstalled libraries count as installed: a requirement they satisfy ships nothing, \
            one they do not satisfy fails unless --upgrade-preinstalled NAME lets the manifest ship \
            its own. The parameter is written only when its value changes; standard tier up to \
            4,096 characters, advanced up to 8,192 (an advanced parameter stays advanced); a longer \
            list of URLs is refused: use --format zip or --format requirements.
            """
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var selection: ManifestSelectionOptions

    @Option(help: "The SSM parameter name.") var parameter: String
    @Option(help: "The parameter's description.") var description: String?
    @Flag(name: .customLong("dry-run"), help: "Print what would be written; write nothing.") var dryRun = false
    @Argument(help: "PEP 508 requirements naming the roots (with or instead of --requirements).") var specs: [String] = []
    @OptionGroup(title: "Events (docs/events.md)") var events: EventOptions

    func validate() throws {
        try selection.validateForPublishing()
    }

    func run() async throws {
        try await failing { try await events.withEvents { sink in try await publish(events: sink) } }
    }

    func publish(events sink: any EventSink) async throws {
        do {
            let location = try options.storeLocation
            let settings = try selection.settings(specs: specs, description: description)
            _ = try settings.resolvedURIBase(for: location)  // refuse a local store before opening (creating) it
            var publisher = try settings.publisher(store: try options.openStore(), location: location)
            publisher.events = sink
            let result = try await publisher.publish(parameter: parameter, dryRun: dryRun)
            if options.json {
                try printJSON(result)
                return
            }
            for note in result.notes { printError("note: \(note)") }
            for warning in result.warnings { printError("warning: \(warning)") }
            for wheel in result.wheels {
                print("\(wheel.project.padding(toLength: max(24, wheel.project.count), withPad: " ", startingAt: 0)) \(wheel.version)")
            }
            for library in result.preinstalled { print("preinstalled: \(library)") }
            if let bundle = result.bundle { print("bundle: \(bundle)") }
            if let file = result.requirementsFile { print("requirements file: \(file)") }
            print("value: \(result.value)")
            let state = result.dryRun ? "dry run, nothing written" : result.written ? "written" : "unchanged"
            print(
                "\(result.parameter): \(result.wheels.count) wheels for \(result.target), \(result.characters) characters, "
                    + "tier \(result.tier), version \(result.version.map(String.init) ?? "none") (\(state))")
        }
    }
}
