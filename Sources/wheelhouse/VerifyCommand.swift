import ArgumentParser

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every file against its recorded sha256 and size; report orphans and gaps."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("verify")
    }
}
