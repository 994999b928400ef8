import ArgumentParser

struct ManifestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "The AWS Glue manifest: a resolved wheel set for a Glue runtime, published to SSM or written as a lock file.",
        subcommands: [ManifestPublishCommand.self, ManifestShowCommand.self, ManifestGlueArgsCommand.self, ManifestLockCommand.self]
    )
}
