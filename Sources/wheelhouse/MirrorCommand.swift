import ArgumentParser
import Foundation
import WheelhouseApp
import WheelhouseCore

struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Fetch a requirement set and its dependencies from an upstream index into the store.",
        discussion: """
            Resolves the requirements' dependency closure for the target runtime against the upstream \
            (a Glue runtime's preinstalled libraries count as installed; projects hosted in the store \
            take precedence over the upstream), downloads every selected wheel the store lacks, checks \
            its sha256 and ingests it as mirrored. `manifest publish` with the same requirements and \
            target then selects exactly this set. A second run downloads nothing.
            """
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "An upstream simple index URL, e.g. https://pypi.org/simple/ (repeatable: asked in order).")
    var upstream: [HTTPURLOption] = []
    @Option(name: [.customShort("r"), .customLong("requirements")], help: "A requirements file (repeatable; pip's format, hashes and includes too).")
    var requirements: [String] = []
    @Option(
        name: .customLong("glue-version"), help: "Target Glue runtime: 4.0, 5.0, 5.1 or 6.0 (the default: 5.0); its preinstalled libraries are not mirrored.")
    var glueVersion: GlueVersionOption?
    @Option(help: "Target Python version, e.g. 3.11 (with --platform, instead of --glue-version).") var python: String?
    @Option(help: "Target platform tag (repeatable; with --python).") var platform: [String] = []
    @Option(
        name: .customLong("upgrade-preinstalled"),
        help: ArgumentHelp("Mirror this preinstalled library too when a requirement needs another version (repeatable; :all:).", valueName: "name"))
    var upgradePreinstalled: [String] = []
    @Flag(name: .customLong("ignore-preinstalled"), help: "Resolve as if the runtime had nothing installed.")
    var ignorePreinstalled = false
    @Option(
        name: .customLong("min-age"),
        help: ArgumentHelp(
            "Hide upstream files uploaded less than this long ago (e.g. 7d); files without an upload time are hidden too.", valueName: "duration"))
    var minAge: DurationOption?
    @Option(name: .customLong("min-age-exempt"), help: ArgumentHelp("A project --min-age does not apply to (repeatable).", valueName: "name"))
    var minAgeExempt: [String] = []
    @Option(help: "Downloads at once.") var jobs = 8
    @Flag(name: .customLong("dry-run"), help: "Resolve and report what would be fetched; download nothing.") var dryRun = false
    @Argument(help: "PEP 508 requirements.") var specs: [String] = []

    func validate() throws {
        if upstream.isEmpty { throw ValidationError("--upstream URL is required (the simple index to mirror from)") }
        if glueVersion != nil && (python != nil || !platform.isEmpty) {
            throw ValidationError("give either --glue-version or --python with --platform, not both")
        }
        if python != nil && platform.isEmpty { throw ValidationError("--python needs at least one --platform") }
        if specs.isEmpty && requirements.isEmpty { throw ValidationError("name what to mirror: SPEC arguments or -r FILE") }
        if jobs < 1 || jobs > 64 { throw ValidationError("--jobs must be between 1 and 64") }
    }

    func run() async throws {
        try await failing {
            // Roots from every requirements file and the arguments.
            var roots: [Requirement] = []
            var constraints: [Requirement] = []
            var hashes: [String: Set<String>] = [:]
            var notes: [String] = []
            let files = requirements.isEmpty ? [nil] : requirements.map { Optional(URL(fileURLWithPath: $0)) }
            for (index, file) in files.enumerated() {
                let read = try ManifestSettings.Roots.read(specs: index == 0 ? specs : [], requirementsFile: file)
                roots += read.requirements ?? []
                constraints += read.constraints
                hashes.merge(read.allowedSHA256) { $0.union($1) }
                notes += read.notes.map { $0.replacingOccurrences(of: "the selection uses its own store or upstream", with: "mirror uses --upstream") }
            }

            let target: ManifestTarget = python.map { .python($0, platforms: platform) } ?? .glue(glueVersion?.version ?? "5.0")
            let environment: TargetEnvironment
            var installed: InstalledSet?
            if let profile = try target.glueProfile() {
                environment = try profile.target()
                installed = try PreinstalledPolicy(ignore: ignorePreinstalled, upgrade: upgradePreinstalled).installedSet(for: profile)
            } else {
                environment = try TargetEnvironment(python: python ?? "3.11", platforms: platform)
            }

            let client = UpstreamHTTPClient(proxies: try UpstreamProxySettings(environment: ProcessInfo.processInfo.environment))
            let spool = FileManager.default.temporaryDirectory.appendingPathComponent("wheelhouse-mirror-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
            let report: SetMirror.Report
            do {
                defer { try? FileManager.default.removeItem(at: spool) }
                var upstreams: [UpstreamIndex] = []
                for option in upstream {
                    upstreams.append(try UpstreamIndex(url: option.url, http: client))
                }
                var mirror = SetMirror(
                    store: try options.openStore(), upstreams: upstreams, target: environment, installed: installed, roots: roots)
                mirror.constraints = constraints
                mirror.allowedSHA256 = hashes
                mirror.minAge = minAge?.duration
                mirror.minAgeExempt = Set(minAgeExempt.map(ProjectName.normalize))
                mirror.jobs = jobs
                let quiet = options.json
                mirror.progress = { line in if !quiet { print(line) } }
                do {
                    report = try await mirror.run(dryRun: dryRun, spool: spool)
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try? await client.shutdown()
            }
            if options.json {
                try printJSON(report)
                return
            }
            for note in notes + report.notes { printError("note: \(note)") }
            for entry in report.wheels where entry.status != .fetched {
                let status = entry.status == .missing ? "would fetch" : "present"
                print("\(status.padding(toLength: 11, withPad: " ", startingAt: 0)) \(entry.filename) (\(entry.project) \(entry.version))")
            }
            for library in report.preinstalled { print("preinstalled \(library)") }
            let count = { (status: SetMirror.Entry.Status) in report.wheels.filter { $0.status == status }.count }
            print(
                "\(report.wheels.count) wheels for \(report.target): \(count(.fetched)) fetched (\(report.fetchedBytes) bytes), "
                    + "\(count(.present)) already in the store" + (dryRun ? ", \(count(.missing)) to fetch (dry run)" : ""))
        }
    }
}
