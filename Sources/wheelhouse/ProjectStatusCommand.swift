public import ArgumentParser
import Foundation
import WheelhouseApp
import WheelhouseCore
import WheelhouseStorage

extension ProjectStatus.State: ExpressibleByArgument {}

struct ProjectStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show or set a project's status (PEP 792).",
        discussion: """
            active: the default. archived: uploads refused (403 with the reason), files still \
            served. quarantined: the page lists no files, downloads answer 404 with the reason, \
            `manifest publish` refuses the project. deprecated: served as usual, the status shown. \
            Without a status, prints the current one. The status is stored in the project's record, \
            so every server on the store and every replica follows it.
            """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The project.") var project: String
    @Argument(help: "The new status: active, archived, quarantined or deprecated.") var status: ProjectStatus.State?
    @Option(help: "Why (shown in the index pages and in refusals).") var reason: String?
    @OptionGroup(title: "Events (docs/events.md)") var events: EventOptions

    func validate() throws {
        if reason != nil, status == nil { throw ValidationError("--reason needs a status to set.") }
    }

    struct Output: Encodable {
        var project: String
        var status: String
        var reason: String?
        var previous: String?
        var previousReason: String?

        enum CodingKeys: String, CodingKey {
            case project, status, reason, previous
            case previousReason = "previous_reason"
        }
    }

    func run() async throws {
        try await failing { try await events.withEvents { sink in try await change(events: sink) } }
    }

    func change(events sink: any EventSink) async throws {
        let admin = StoreAdmin(store: try options.openStore())
        let output: Output
        if let status {
            let (old, record) = try await admin.setStatus(ProjectStatus(status, reason: reason), project: project)
            if old != record.status {
                sink.emit(
                    .projectStatus(
                        store: admin.store.displayName, project: record.name, status: record.status.state.rawValue,
                        previous: old.state.rawValue, reason: record.status.reason))
            }
            output = Output(
                project: record.name, status: record.status.state.rawValue, reason: record.status.reason,
                previous: old.state.rawValue, previousReason: old.reason)
        } else {
            let record = try await admin.record(project)
            output = Output(project: record.name, status: record.status.state.rawValue, reason: record.status.reason)
        }
        if options.json {
            try printJSON(output)
        } else if let previous = output.previous {
            print("\(output.project): \(previous) -> \(output.status)" + (output.reason.map { " (\($0))" } ?? ""))
        } else {
            print("\(output.project): \(output.status)" + (output.reason.map { " (\($0))" } ?? ""))
        }
    }
}
