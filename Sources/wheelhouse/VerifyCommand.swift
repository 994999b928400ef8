import ArgumentParser
import WheelhouseApp

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every file against its recorded sha256 and size; report orphans and gaps.",
        discussion: "Exits 1 when anything is wrong, listing each problem."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await failing {
            let admin = StoreAdmin(store: try options.openStore())
            let json = options.json
            let report = try await admin.verify(progress: { if !json { printError($0) } })
            if json {
                try printJSON(report)
            } else {
                for problem in report.problems { print(problem.description) }
                print(
                    "\(report.projects) projects, \(report.files) files, \(report.bytes) bytes checked: \(report.problems.isEmpty ? "no problems" : "\(report.problems.count) problems")"
                )
            }
            if !report.problems.isEmpty { throw ExitCode.failure }
        }
    }
}
