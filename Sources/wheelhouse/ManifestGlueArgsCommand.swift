import ArgumentParser
import Foundation
import WheelhouseApp
import WheelhouseAWS

struct ManifestGlueArgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glue-args",
        abstract: "Print the Glue job arguments for a published manifest, or that point pip at a Wheelhouse server.",
        discussion: """
            With --parameter: the job arguments for the manifest in that SSM parameter, for its \
            format: urls and zip take --python-modules-installer-option --no-index (pip installs \
            the listed wheels and nothing from PyPI), a requirements file takes -r. \
            With --url: arguments that make Glue's pip resolve --additional-python-modules against \
            a Wheelhouse server in the job's VPC.
            """
    )

    @Option(help: "The SSM parameter a manifest was published to.") var parameter: String?
    @Option(help: "The AWS region of the parameter (default: the store's region, then AWS_REGION and the profile).")
    var region: String?
    @Option(help: "The server's simple index, e.g. https://wheelhouse.internal/simple/.") var url: HTTPURLOption?
    @Option(help: "With --url: requirements for --additional-python-modules, comma-separated, e.g. 'pandas==2.2.2,pyarrow'.")
    var modules: String?
    @OptionGroup var options: StoreOptions

    func validate() throws {
        guard (parameter == nil) != (url == nil) else {
            throw ValidationError("give either --parameter NAME (a published manifest) or --url URL (a server's index)")
        }
        if parameter != nil && modules != nil { throw ValidationError("--modules goes with --url") }
    }

    /// pip refuses a plain-http index unless its host is trusted.
    func installerOption(_ url: String) -> String {
        var index = url
        if !index.hasSuffix("/") { index += "/" }
        var option = "--index-url \(index)"
        if let components = URLComponents(string: url), components.scheme?.lowercased() == "http", let host = components.host {
            option += " --trusted-host \(host)"
        }
        return option
    }

    func run() async throws {
        try await failing {
            var arguments: [(name: String, value: String)]
            if let parameter {
                let location = try options.storeLocation
                let settings = ManifestSettings(target: .glue("5.0"), region: region)
                let ssm = try settings.ssmClient(for: location, environment: ProcessInfo.processInfo.environment)
                let value = try await ssm.getParameter(name: parameter).value
                arguments = ManifestFormat(value: value).glueArguments(value: value)
            } else {
                arguments = [
                    ("--python-modules-installer-option", installerOption(url?.text ?? "")),
                    ("--additional-python-modules", modules ?? "<requirements, e.g. pandas==2.2.2,pyarrow>"),
                ]
            }
            if options.json {
                try printJSON(Dictionary(uniqueKeysWithValues: arguments.map { ($0.name, $0.value) }))
                return
            }
            for argument in arguments { print("\(argument.name) \(argument.value)") }
        }
    }
}
