import ArgumentParser

struct ManifestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "The SSM-parameter manifest of S3 wheel URIs for AWS Glue.",
        subcommands: [ManifestPublishCommand.self, ManifestShowCommand.self, ManifestGlueArgsCommand.self]
    )
}
