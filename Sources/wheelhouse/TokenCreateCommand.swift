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
    @Option(help: "upload (may also read) or read.") var scope: String = "upload"

    func validate() throws {
        guard TokenScope(rawValue: scope) != nil else { throw ValidationError("--scope must be upload or read (got '\(scope)')") }
    }

    func run() async throws {
        try await failing {
            let tokens = TokenStore(store: try options.openStore())
            let (record, token) = try await tokens.create(name: name, scope: TokenScope(rawValue: scope) ?? .upload)
            if options.json {
                struct Created: Encodable { var id, name, scope, token: String }
                return try printJSON(Created(id: record.id, name: record.name, scope: record.scope.rawValue, token: token))
            }
            printError("created token \(record.id) '\(record.name)' with scope \(record.scope.rawValue); it is shown only now:")
            print(token)
        }
    }
}

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (never their secrets).")
    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await failing {
            let records = try await TokenStore(store: try options.openStore()).list()
            if options.json {
                struct Listed: Encodable { var id, name, scope: String; var created: Date }
                return try printJSON(records.map { Listed(id: $0.id, name: $0.name, scope: $0.scope.rawValue, created: $0.created) })
            }
            for r in records {
                print("\(r.id)  \(r.scope.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))  \(r.name)  created \(r.created.formatted(.iso8601))")
            }
        }
    }
}

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
