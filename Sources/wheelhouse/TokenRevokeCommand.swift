import ArgumentParser

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("revoke")
    }
}
