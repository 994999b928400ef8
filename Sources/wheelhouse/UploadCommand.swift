import ArgumentParser
import Foundation
import WheelhouseApp
import WheelhouseStorage

struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Ingest wheels and sdists (files or folders), validating each.",
        discussion: """
            Each file is fully verified (every RECORD hash, hostile entries, name and version \
            against its metadata) before it becomes visible. One bad file does not stop the others; \
            the exit status is 1 if any file failed.
            """
    )

    @OptionGroup var options: StoreOptions

    @Option(name: .customLong("repository-url"), help: "Upload to a running server's upload URL (e.g. http://host:8080/legacy/) instead of writing the store.")
    var repositoryURL: HTTPURLOption?

    @Option(help: "Upload token for --repository-url (default: $WHEELHOUSE_TOKEN).")
    var token: String?

    @Flag(name: .customLong("skip-existing"), help: "Count files that already exist with other contents as skipped, not failed.")
    var skipExisting = false

    @Option(help: "Files verified in parallel (store mode).")
    var jobs: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    @Argument(help: "Wheel or sdist files, or folders to search for them.")
    var paths: [String]

    @Option(
        name: .customLong("require-target"),
        help: ArgumentHelp(
            "Refuse a wheel no such runtime could install (repeatable: it must fit at least one): glue-4.0, glue-5.0, glue-5.1, glue-6.0, or python-X.Y:PLATFORM[,PLATFORM...].",
            valueName: "target"))
    var requireTarget: [String] = []

    @Option(name: .customLong("manifest-parameter"), help: "An SSM parameter to republish the Glue manifest to after the upload (store mode).")
    var manifestParameter: String?

    @OptionGroup(title: "Manifest selection (with --manifest-parameter)") var manifest: ManifestSelectionOptions

    @OptionGroup(title: "Events (store mode; docs/events.md)") var events: EventOptions

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("name at least one file or folder to upload") }
        do {
            _ = try RequiredTargets(specs: requireTarget)
        } catch {
            throw ValidationError(error.description)
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if manifestParameter != nil && repositoryURL != nil {
            throw ValidationError("--manifest-parameter works on the store; with --repository-url, start the server with it")
        }
        if repositoryURL != nil && !(events.webhooks.isEmpty && events.snsTopics.isEmpty) {
            throw ValidationError("--webhook and --events-sns-topic work on the store; with --repository-url, start the server with them")
        }
    }

    struct FileResult: Encodable {
        enum Status: String, Encodable {
            case added, unchanged, skipped, failed
        }

        var path: String
        var status: Status
        var project: String?
        var version: String?
        var sha256: String?
        var size: Int64?
        var error: String?
        /// What is unusual about the file's metadata; the file was accepted all the same.
        var warnings: [String]?
    }

    func run() async throws {
        do {
            _ = try events.settings()
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        try await events.withEvents { sink in try await upload(events: sink) }
    }

    func upload(events sink: any EventSink) async throws {
        var results: [FileResult] = []
        var files: [URL]
        do {
            files = try DistributionFinder.find(paths)
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
        if files.isEmpty {
            printError("error: no .whl, .tar.gz or .zip files found in \(paths.joined(separator: ", "))")
            throw ExitCode.failure
        }
        // --require-target: a wheel no required runtime installs is refused before it is sent.
        let required = try RequiredTargets(specs: requireTarget)
        var accepted: [URL] = []
        for file in files {
            if let problem = required.problem(with: file) {
                let result = FileResult(path: file.path, status: .failed, error: "refused by --require-target: \(problem)")
                report(result)
                results.append(result)
            } else {
                accepted.append(file)
            }
        }
        files = accepted
        if let repositoryURL {
            let uploader = RemoteUploader(
                repositoryURL: repositoryURL.url, token: token ?? ProcessInfo.processInfo.environment["WHEELHOUSE_TOKEN"])
            for file in files {
                let result: FileResult
                do {
                    let response = try await uploader.upload(file: file)
                    switch response.status {
                    case 200..<300:
                        let lines = response.message.split(separator: "\n").map(String.init)
                        let warnings = lines.filter { $0.hasPrefix("warning: ") }.map { String($0.dropFirst("warning: ".count)) }
                        result = FileResult(
                            path: file.path, status: response.result == .unchanged ? .unchanged : .added,
                            warnings: warnings.isEmpty ? nil : warnings)
                    case 409 where skipExisting:
                        result = FileResult(path: file.path, status: .skipped, error: response.message)
                    default:
                        result = FileResult(path: file.path, status: .failed, error: "HTTP \(response.status): \(response.message)")
                    }
                } catch {
                    result = FileResult(path: file.path, status: .failed, error: "\(error)")
                }
                report(result)
                results.append(result)
            }
        } else {
            let store: any BlobStore
            do {
                store = try options.openStore()
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
            var ingestor = Ingestor(store: store)
            ingestor.events = sink
            let candidates = files.map { Ingestor.Candidate(file: $0) }
            let outcomes = await ingestor.ingest(parallel: candidates, jobs: jobs)
            for (file, outcome) in zip(files, outcomes) {
                let result: FileResult
                switch outcome {
                case .success(let o):
                    result = FileResult(
                        path: file.path, status: o.status == .added ? .added : .unchanged, project: o.project, version: o.version, sha256: o.sha256,
                        size: o.size, warnings: o.warnings.isEmpty ? nil : o.warnings)
                case .failure(let error):
                    if case .conflict = error, skipExisting {
                        result = FileResult(path: file.path, status: .skipped, error: error.description)
                    } else {
                        result = FileResult(path: file.path, status: .failed, error: error.description)
                    }
                }
                report(result)
                results.append(result)
            }
        }
        if options.json { try printJSON(results) }
        let failed = results.filter { $0.status == .failed }.count
        if let manifestParameter, failed < results.count {
            try await failing { try await manifest.republish(manifestParameter, options: options, events: sink) }
        }
        if !options.json {
            let count = { (status: FileResult.Status) in results.filter { $0.status == status }.count }
            print("\(count(.added)) added, \(count(.unchanged)) unchanged, \(count(.skipped)) skipped, \(failed) failed")
        }
        if failed > 0 { throw ExitCode.failure }
    }

    /// Publishes the manifest after an ingest; a failure to publish fails the command.
    func republish(_ parameter: String) async throws {
        try await manifest.republish(parameter, options: options)
    }

    func report(_ result: FileResult) {
        guard !options.json else { return }
        let name = URL(fileURLWithPath: result.path).lastPathComponent
        switch result.status {
        case .failed: printError("failed     \(name): \(result.error ?? "")")
        case .skipped: print("skipped    \(name): already exists with other contents")
        default:
            let detail = result.project.map { " (\($0) \(result.version ?? ""))" } ?? ""
            print("\(result.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(name)\(detail)")
        }
        for warning in result.warnings ?? [] { printError("warning    \(name): \(warning)") }
    }
}
