import ArgumentParser

struct UnyankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unyank",
        abstract: "Undo a yank."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("unyank")
    }
}
