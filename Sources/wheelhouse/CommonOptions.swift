import ArgumentParser
import Foundation
import NIOCore
import WheelhouseStorage

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

    /// Runs once, before the first store is opened.
    static let configureBlockingPool: Void = {
        NIOSingletons.blockingPoolThreadCountSuggestion = max(16, ProcessInfo.processInfo.activeProcessorCount * 4)
    }()

    var storeURL: String {
        if let store, !store.isEmpty { return store }
        if let env = ProcessInfo.processInfo.environment["WHEELHOUSE_STORE"], !env.isEmpty { return env }
        return "./data"
    }

    func openStore() throws -> any BlobStore {
        // The local store's reads, writes and fsyncs run on NIO's blocking pool (one thread per
        // core by default). They mostly wait on the disk, so more threads keep it busy.
        _ = Self.configureBlockingPool
        do {
            return try makeBlobStore(try StoreLocation(parsing: storeURL))
        } catch {
            throw CommandFailure("cannot open the store '\(storeURL)': \(error)")
        }
    }
}

/// A failure of the command itself: printed as one `error:` line, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension AsyncParsableCommand {
    /// A subcommand that is part of the command line contract but not built in this version.
    /// It says so and exits with status 3, so scripts can tell it apart from a usage error (64)
    /// or a failure of the command (1).
    func notYetAvailable(_ command: String) throws -> Never {
        printError("error: wheelhouse \(command) is not available in this version of Wheelhouse yet.")
        throw ExitCode(3)
    }

    /// Runs `body`, printing a `CommandFailure` (or any error) as one clear line and exiting 1.
    func failing(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch let error as CleanExit {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}
