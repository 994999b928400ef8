import ArgumentParser

struct ManifestPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Select a dependency-closed set of wheels and write their S3 URIs to an SSM parameter."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The SSM parameter name.") var parameter: String
    @Option(help: "The AWS region.") var region: String?
    @Option(help: "Target Python version, e.g. 3.11.") var python: String?
    @Option(help: "Target platform tag (repeatable).") var platform: [String] = []
    @Option(help: "A requirements file naming the roots.") var requirements: String?

    func run() async throws {
        try notYetAvailable("manifest publish")
    }
}
