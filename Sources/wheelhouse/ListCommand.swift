import ArgumentParser
import Foundation
import WheelhouseApp
import WheelhouseCore

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List projects, or the files of one project."
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "A project whose files to list.")
    var project: String?

    func run() async throws {
        try await failing {
            let admin = StoreAdmin(store: try options.openStore())
            if let project {
                let record = try await admin.record(project)
                if options.json { return try printJSON(record) }
                print("\(record.displayName) (\(record.name)): \(record.files.count) files")
                for file in record.files {
                    var line =
                        "  \(file.version.padding(toLength: 12, withPad: " ", startingAt: 0)) \(file.filename)  \(file.size) bytes  sha256:\(file.sha256.prefix(12))"
                    if let rp = file.requiresPython { line += "  requires-python \(rp)" }
                    if let origin = file.origin { line += "  mirrored from \(origin)" }
                    if file.yanked { line += "  YANKED" + (file.yankedReason.map { ": \($0)" } ?? "") }
                    print(line)
                }
            } else {
                let names = try await admin.projects()
                if options.json { return try printJSON(names) }
                names.forEach { print($0) }
                if names.isEmpty { printError("the store at \(options.storeURL) has no projects") }
            }
        }
    }
}
