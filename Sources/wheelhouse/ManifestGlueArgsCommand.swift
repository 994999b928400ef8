import ArgumentParser

struct ManifestGlueArgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glue-args",
        abstract: "Print the Glue installer option that points pip at a Wheelhouse server."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try notYetAvailable("manifest glue-args")
    }
}
