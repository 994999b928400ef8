import ArgumentParser

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the index server (PEP 503/691 simple API, downloads, twine uploads)."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("serve")
    }
}
