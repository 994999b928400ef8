import ArgumentParser

struct ManifestPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Select a dependency-closed set of wheels and write their S3 URIs to an SSM parameter."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("publish")
    }
}
