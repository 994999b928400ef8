import ArgumentParser
import WheelhouseApp

struct UnyankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unyank",
        abstract: "Undo a yank."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The project.") var project: String
    @Argument(help: "The version to restore.") var version: String

    func run() async throws {
        try await failing {
            let admin = StoreAdmin(store: try options.openStore())
            let record = try await admin.setYanked(false, project: project, version: version, reason: nil)
            if options.json { return try printJSON(record) }
            print("unyanked \(record.name) \(version)")
        }
    }
}
