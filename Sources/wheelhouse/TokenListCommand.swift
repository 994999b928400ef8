import ArgumentParser
import Foundation
import WheelhouseApp

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
