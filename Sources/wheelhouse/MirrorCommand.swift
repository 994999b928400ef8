import ArgumentParser

struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Fetch a requirement set and its dependencies from an upstream index into the store."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The upstream simple index URL.") var upstream: String
    @Option(name: [.customShort("r"), .customLong("requirements")], help: "A requirements file.") var requirements: String?
    @Option(help: "Target Python version, e.g. 3.11.") var python: String?
    @Option(help: "Target platform tag (repeatable).") var platform: [String] = []
    @Argument(help: "PEP 508 requirements.") var specs: [String] = []

    func run() async throws {
        try notYetAvailable("mirror")
    }
}
