import ArgumentParser

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List tokens."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("list")
    }
}
