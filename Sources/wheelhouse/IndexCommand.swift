import ArgumentParser

struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Maintain the index records and the static export.",
        subcommands: [IndexRebuildCommand.self]
    )
}
