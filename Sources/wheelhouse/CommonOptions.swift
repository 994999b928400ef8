import ArgumentParser
import Foundation

/// Options every command takes: where the store is, and whether to print JSON.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The store: a directory path, file:///abs/path, or s3://BUCKET[/PREFIX][?region=R&endpoint=URL&path-style=true]. Defaults to $WHEELHOUSE_STORE, then ./data.",
            valueName: "url"))
    var store: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false
}

/// A subcommand that is part of the command line contract but not built in this version.
/// It says so and exits with status 3, so scripts can tell it apart from a usage error (64)
/// or a failure of the command itself (1).
struct NotYetAvailable: Error, CustomStringConvertible {
    let command: String
    var description: String {
        "wheelhouse \(command) is not available in this version of Wheelhouse yet."
    }
}

extension AsyncParsableCommand {
    func notYetAvailable(_ command: String) throws -> Never {
        printError("error: \(NotYetAvailable(command: command))")
        throw ExitCode(3)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
