import ArgumentParser
import WheelhouseApp

struct IndexRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild every project record and the static export from packages/ alone."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await failing {
            let admin = StoreAdmin(store: try options.openStore())
            let json = options.json
            let report = try await admin.rebuild(progress: { if !json { printError($0) } })
            if json {
                try printJSON(report)
            } else {
                print("rebuilt \(report.projects) projects, \(report.files) files")
                for (key, reason) in report.refused.sorted(by: { $0.key < $1.key }) { printError("refused \(key): \(reason)") }
                for project in report.removedRecords { print("removed the record of \(project): no files left") }
            }
            if !report.refused.isEmpty { throw ExitCode.failure }
        }
    }
}
