import ArgumentParser

struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token (shown once)."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("create")
    }
}
