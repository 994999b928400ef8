import ArgumentParser

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List projects, or the files of one project."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("list")
    }
}
