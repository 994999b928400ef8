import ArgumentParser

struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Fetch a requirement set and its dependencies from an upstream index into the store."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("mirror")
    }
}
