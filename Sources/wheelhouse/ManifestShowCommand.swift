import ArgumentParser

struct ManifestShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the manifest held in an SSM parameter."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("show")
    }
}
