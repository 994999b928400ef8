import ArgumentParser
import WheelhouseApp

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by id or name.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The token's id or name.") var token: String

    func run() async throws {
        try await failing {
            let revoked = try await TokenStore(store: try options.openStore()).revoke(token)
            if options.json { return try printJSON(revoked.map(\.id)) }
            for r in revoked { print("revoked \(r.id) '\(r.name)'") }
        }
    }
}
