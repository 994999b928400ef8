import ArgumentParser
import WheelhouseApp

struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Fetch a requirement set and its dependencies from an upstream index into the store."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The upstream simple index URL.") var upstream: String
    @Option(name: [.customShort("r"), .customLong("requirements")], help: "A requirements file.") var requirements: String?
    @Option(name: .customLong("glue-version"), help: "Target Glue runtime: 4.0, 5.0, 5.1 or 6.0 (instead of --python/--platform).")
    var glueVersion: String?
    @Option(help: "Target Python version, e.g. 3.11.") var python: String?
    @Option(help: "Target platform tag (repeatable).") var platform: [String] = []
    @Argument(help: "PEP 508 requirements.") var specs: [String] = []

    func validate() throws {
        if let glueVersion, !ManifestTarget.glueVersions.contains(glueVersion) {
            throw ValidationError("--glue-version must be one of \(ManifestTarget.glueVersions.joined(separator: ", ")) (got '\(glueVersion)')")
        }
        if glueVersion != nil && (python != nil || !platform.isEmpty) {
            throw ValidationError("give either --glue-version or --python with --platform, not both")
        }
    }

    func run() async throws {
        try notYetAvailable("mirror")
    }
}
