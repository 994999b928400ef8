import ArgumentParser

struct ReplicateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicate",
        abstract: "Make target stores identical to the source store."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("replicate")
    }
}
