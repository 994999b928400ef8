import ArgumentParser

struct ReplicateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicate",
        abstract: "Make target stores identical to the source store."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The source store URL.") var source: String
    @Option(help: "A target store URL (repeatable).") var target: [String] = []
    @Flag(help: "Keep running and replicate changes as they happen.") var watch = false
    @Flag(help: "Compare every target against the source and report differences.") var verify = false

    func run() async throws {
        try notYetAvailable("replicate")
    }
}
