import ArgumentParser

struct ManifestShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the manifest held in an SSM parameter."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The SSM parameter name.") var parameter: String
    @Option(help: "The AWS region.") var region: String?

    func run() async throws {
        try notYetAvailable("manifest show")
    }
}
