import ArgumentParser
import Foundation
import WheelhouseApp

struct ManifestLockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Write the manifest's resolution as a PEP 751 lock file (pylock.toml) naming a Wheelhouse server.",
        discussion: """
            The same selection and target options as manifest publish; each selected wheel is \
            locked with its URL on the server (--index-url), size and sha256, and the target is \
            the file's environments marker. For virtual environments (AWS Glue 6.0) and other \
            runtimes: `uv pip install -r pylock.toml`. Preinstalled libraries the resolution \
            keeps are not locked; --ignore-preinstalled locks a complete environment.
            """
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var selection: ManifestSelectionOptions

    @Option(help: ArgumentHelp("The lock file to write; PEP 751 names it pylock.toml or pylock.NAME.toml.", valueName: "file"))
    var out: String
    @Argument(help: "PEP 508 requirements naming the roots (with or instead of --requirements).") var specs: [String] = []

    func validate() throws {
        guard selection.indexURL != nil else {
            throw ValidationError("--index-url names the Wheelhouse server the lock's URLs point at, e.g. https://wheelhouse.internal/simple/")
        }
        if selection.format != nil || selection.bundle {
            throw ValidationError("--format and --bundle are for manifest publish; a lock is always pylock.toml")
        }
        let name = URL(fileURLWithPath: out).lastPathComponent
        guard name == "pylock.toml" || (name.hasPrefix("pylock.") && name.hasSuffix(".toml") && name.count > "pylock..toml".count) else {
            throw ValidationError("PEP 751 names a lock file pylock.toml or pylock.NAME.toml (got '\(name)'); installers look for that name")
        }
    }

    func run() async throws {
        try await failing {
            let settings = try selection.settings(specs: specs)
            let (lock, chosen) = try await settings.lock(store: try options.openStore())
            do {
                try Data(lock.text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(out): \(error.localizedDescription)")
            }
            if options.json {
                struct Output: Encodable {
                    var out: String
                    var wheels: [String]
                    var preinstalled: [PreinstalledReport]
                    var notes: [String]
                }
                try printJSON(Output(out: out, wheels: chosen.wheels.map(\.filename), preinstalled: chosen.preinstalled, notes: chosen.notes))
                return
            }
            for note in chosen.notes { printError("note: \(note)") }
            for warning in chosen.warnings { printError("warning: \(warning)") }
            for library in chosen.preinstalled { print("preinstalled: \(library)") }
            print("\(out): \(chosen.wheels.count) wheels locked")
        }
    }
}
