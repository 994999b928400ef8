import ArgumentParser
import WheelhouseApp

struct YankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yank",
        abstract: "Yank a release (PEP 592): installers skip it unless it is pinned exactly."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The project.") var project: String
    @Argument(help: "The version to yank.") var version: String
    @Option(help: "Why it was yanked (shown by pip).") var reason: String?

    func run() async throws {
        try await failing {
            let admin = StoreAdmin(store: try options.openStore())
            let record = try await admin.setYanked(true, project: project, version: version, reason: reason)
            if options.json { return try printJSON(record) }
            print("yanked \(record.name) \(version)" + (reason.map { " (\($0))" } ?? ""))
        }
    }
}
