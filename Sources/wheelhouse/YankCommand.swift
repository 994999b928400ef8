import ArgumentParser

struct YankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yank",
        abstract: "Yank a release (PEP 592)."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("yank")
    }
}
