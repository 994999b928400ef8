import ArgumentParser

/// The `wheelhouse` root command: configuration only; each subcommand lives in its own file.
@main
struct WheelhouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wheelhouse",
        abstract: "A self-hosted Python package index and wheel artifact server.",
        discussion: """
            Stores are named by URL: a path or file:///abs/path (a local directory, the default \
            ./data), or s3://BUCKET[/PREFIX][?region=R&endpoint=URL&path-style=true].
            """,
        version: WheelhouseVersion.string,
        subcommands: [
            ServeCommand.self,
            UploadCommand.self,
            ListCommand.self,
            YankCommand.self,
            UnyankCommand.self,
            PruneCommand.self,
            ProjectCommand.self,
            IndexCommand.self,
            VerifyCommand.self,
            ManifestCommand.self,
            ReplicateCommand.self,
            MirrorCommand.self,
            TokenCommand.self,
        ]
    )
}

enum WheelhouseVersion {
    static let string = "0.1.0"
}
