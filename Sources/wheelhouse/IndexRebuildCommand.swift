import ArgumentParser

struct IndexRebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild every project record and the static export from packages/ alone."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("rebuild")
    }
}
