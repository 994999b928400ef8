import ArgumentParser
import Foundation

struct ManifestGlueArgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glue-args",
        abstract: "Print the Glue job arguments that point pip at a Wheelhouse server (for a server in the job's VPC).",
        discussion: """
            Glue passes --python-modules-installer-option to pip when it installs \
            --additional-python-modules, so pip resolves the listed requirements against the server.
            """
    )

    @Option(help: "The server's simple index, e.g. https://wheelhouse.internal/simple/.") var url: String
    @Option(help: "Requirements for --additional-python-modules, comma-separated, e.g. 'pandas==2.2.2,pyarrow'.")
    var modules: String?
    @OptionGroup var options: StoreOptions

    func validate() throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else { throw ValidationError("--url must be the server's http(s) simple index URL, like https://host/simple/ (got '\(url)')") }
    }

    /// pip refuses a plain-http index unless its host is trusted.
    var installerOption: String {
        var index = url
        if !index.hasSuffix("/") { index += "/" }
        var option = "--index-url \(index)"
        if let components = URLComponents(string: url), components.scheme?.lowercased() == "http", let host = components.host {
            option += " --trusted-host \(host)"
        }
        return option
    }

    func run() async throws {
        let arguments: [(String, String)] = [
            ("--python-modules-installer-option", installerOption),
            ("--additional-python-modules", modules ?? "<requirements, e.g. pandas==2.2.2,pyarrow>"),
        ]
        if options.json {
            try printJSON(Dictionary(uniqueKeysWithValues: arguments))
            return
        }
        for (name, value) in arguments { print("\(name) \(value)") }
    }
}
