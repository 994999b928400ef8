import ArgumentParser
import Foundation
import WheelhouseApp

struct ManifestShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the manifest held in an SSM parameter, and which of its URIs the store no longer has."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The SSM parameter name.") var parameter: String
    @Option(help: "The AWS region (default: the store's region, then AWS_REGION and the profile).") var region: String?
    @Option(name: .customLong("uri-base"), help: "s3://bucket[/prefix] the store's keys are under, for a local store.")
    var uriBase: String?

    func run() async throws {
        try await failing {
            let location = try options.storeLocation
            let store = try options.openStore()
            let settings = ManifestSettings(target: .glue("5.0"), region: region, uriBase: uriBase)
            let base = try? settings.resolvedURIBase(for: location)
            let ssm = try settings.ssmClient(for: location, environment: ProcessInfo.processInfo.environment)
            let listing = try await ManifestListing.read(parameter: parameter, ssm: ssm, store: store, uriBase: base)
            if options.json {
                try printJSON(listing)
            } else {
                let width = max(7, listing.entries.map { ($0.project ?? "-").count }.max() ?? 0)
                let versionWidth = max(7, listing.entries.map { ($0.version ?? "-").count }.max() ?? 0)
                print(
                    "PROJECT".padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                        + "VERSION".padding(toLength: versionWidth, withPad: " ", startingAt: 0) + "  URI")
                for entry in listing.entries {
                    let state = entry.inStore == false ? "  (missing from the store)" : entry.inStore == nil ? "  (not in this store)" : ""
                    print(
                        (entry.project ?? "-").padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                            + (entry.version ?? "-").padding(toLength: versionWidth, withPad: " ", startingAt: 0) + "  " + entry.uri + state)
                }
                if listing.format != .urls, let wheels = listing.wheels {
                    print("\(listing.format == .zip ? "in the zip" : "pinned in the requirements file"): \(wheels.count) wheels")
                    for wheel in wheels { print("  \(wheel.project) \(wheel.version)") }
                }
                for library in listing.preinstalled ?? [] { print("preinstalled: \(library)") }
                print(
                    "\(listing.parameter): \(listing.target.map { "\($0), " } ?? "")format \(listing.format.rawValue), version \(listing.version), tier \(listing.tier ?? "unknown"), \(listing.entries.count) URIs, \(listing.missing.count) missing"
                )
            }
            if !listing.quarantined.isEmpty && !options.json {
                printError(
                    "warning: the manifest names quarantined project(s): \(listing.quarantined.joined(separator: "; ")); "
                        + "Glue jobs using it still install them: republish it (`wheelhouse manifest publish`)")
            }
            if !listing.missing.isEmpty && !options.json {
                printError("warning: \(listing.missing.count) URI(s) of the manifest are missing from the store; Glue jobs using it will fail to start")
            }
        }
    }
}
