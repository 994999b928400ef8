import ArgumentParser
import Foundation
import WheelhouseApp

struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token. The token is printed once and cannot be shown again."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "A name for the token (who or what uses it).") var name: String
    @Option(help: "upload (may also read) or read.") var scope: TokenScope = .upload

    func run() async throws {
        try await failing {
            let tokens = TokenStore(store: try options.openStore())
            let (record, token) = try await tokens.create(name: name, scope: scope)
            if options.json {
                struct Created: Encodable { var id, name, scope, token: String }
                return try printJSON(Created(id: record.id, name: record.name, scope: record.scope.rawValue, token: token))
            }
            printError("created token \(record.id) '\(record.name)' with scope \(record.scope.rawValue); it is shown only now:")
            print(token)
        }
    }
}
