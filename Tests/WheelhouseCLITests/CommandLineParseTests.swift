import ArgumentParser
import Logging
import Testing
import WheelhouseApp
import WheelhouseCore

@testable import wheelhouse
import FoundationEssentials
import NIOCore

/// Every subcommand's command line, parsed in process as `wheelhouse` parses it (`parseAsRoot`
/// runs `validate()` too): typed values for good input, a usage error (status 64) naming the
/// option for bad input.
@Suite struct CommandLineParseTests {
    func parse<T: ParsableCommand>(_ arguments: [String], as type: T.Type = T.self) throws -> T {
        let command = try WheelhouseCommand.parseAsRoot(arguments)
        return try #require(command as? T, "\(arguments) parsed as \(Swift.type(of: command))")
    }

    /// The message and exit status `wheelhouse` would print and exit with.
    func refusal(_ arguments: [String]) throws -> (message: String, status: Int32) {
        do {
            let command = try WheelhouseCommand.parseAsRoot(arguments)
            Issue.record("\(arguments) parsed as \(type(of: command)), expected a usage error")
            return ("", 0)
        } catch {
            return (WheelhouseCommand.fullMessage(for: error), WheelhouseCommand.exitCode(for: error).rawValue)
        }
    }

    func expectUsageError(_ arguments: [String], mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (message, status) = try refusal(arguments)
        #expect(status == 64, "\(arguments): status \(status)", sourceLocation: sourceLocation)
        #expect(message.contains(text), "\(arguments): \(message)", sourceLocation: sourceLocation)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: serve

    @Test func serveDefaultsAndTypedOptions() throws {
        let defaults = try parse(["serve"], as: ServeCommand.self)
        #expect(defaults.host == "127.0.0.1" && defaults.port == 8080)
        #expect(defaults.tokensRequiredFor == .upload)
        #expect(defaults.logLevel == .info)
        #expect(Self.seconds(defaults.upstreamTTL.duration) == 600)
        #expect(defaults.upstreamMinAge == nil)

        let set = try parse(
            [
                "serve", "--tokens-required-for", "read", "--log-level", "debug", "--port", "9000", "--store", "/tmp/s",
                "--upstream", "https://pypi.org/simple/", "--upstream-ttl", "90s", "--upstream-min-age", "7d",
            ],
            as: ServeCommand.self)
        #expect(set.tokensRequiredFor == .read && set.logLevel == .debug && set.port == 9000)
        #expect(set.options.storeURL == "/tmp/s")
        let upstream = try #require(try set.upstreamSettings())
        #expect(Self.seconds(upstream.ttl) == 90)
        #expect(upstream.minAge.map(Self.seconds) == 604_800)
    }

    @Test func serveRefusesBadValues() throws {
        try expectUsageError(["serve", "--tokens-required-for", "everyone"], mentioning: "--tokens-required-for")
        try expectUsageError(["serve", "--log-level", "loud"], mentioning: "--log-level")
        try expectUsageError(["serve", "--upstream", "https://pypi.org/simple/", "--upstream-ttl", "soon"], mentioning: "--upstream-ttl")
        try expectUsageError(["serve", "--upstream-min-age", "7d"], mentioning: "need --upstream")
        try expectUsageError(["serve", "--port", "0"], mentioning: "--port")
        try expectUsageError(["serve", "--idle-timeout", "0"], mentioning: "--idle-timeout")
    }

    // MARK: upload

    @Test func upload() throws {
        let remote = try parse(
            ["upload", "--repository-url", "http://127.0.0.1:8080/legacy/", "--token", "t", "--skip-existing", "a.whl", "dist"],
            as: UploadCommand.self)
        #expect(remote.repositoryURL?.url.absoluteString == "http://127.0.0.1:8080/legacy/")
        #expect(remote.token == "t" && remote.skipExisting && remote.paths == ["a.whl", "dist"])
        let local = try parse(["upload", "--jobs", "3", "--require-target", "glue-5.0", "dist"], as: UploadCommand.self)
        #expect(local.repositoryURL == nil && local.jobs == 3 && local.requireTarget == ["glue-5.0"])

        try expectUsageError(["upload", "--repository-url", "ftp://host/legacy/", "a.whl"], mentioning: "--repository-url")
        try expectUsageError(["upload", "--repository-url", "http:///legacy/", "a.whl"], mentioning: "--repository-url")
        try expectUsageError(["upload"], mentioning: "<paths>")
        try expectUsageError(["upload", "--jobs", "0", "a.whl"], mentioning: "--jobs")
        try expectUsageError(["upload", "--require-target", "glue-9.9", "a.whl"], mentioning: "--require-target")
        try expectUsageError(
            ["upload", "--repository-url", "http://h/legacy/", "--manifest-parameter", "/x", "a.whl"], mentioning: "--manifest-parameter")
    }

    // MARK: list, yank, unyank, index rebuild, verify

    @Test func storeCommands() throws {
        let list = try parse(["list", "requests", "--json", "--store", "s3://bucket/prefix"], as: ListCommand.self)
        #expect(list.project == "requests" && list.options.json && list.options.storeURL == "s3://bucket/prefix")
        #expect(try parse(["list"], as: ListCommand.self).project == nil)

        let yank = try parse(["yank", "requests", "2.0", "--reason", "broken"], as: YankCommand.self)
        #expect(yank.project == "requests" && yank.version == "2.0" && yank.reason == "broken")
        try expectUsageError(["yank", "requests"], mentioning: "version")

        let unyank = try parse(["unyank", "requests", "2.0", "--manifest-parameter", "/glue/x"], as: UnyankCommand.self)
        #expect(unyank.version == "2.0" && unyank.manifestParameter == "/glue/x")

        _ = try parse(["index", "rebuild", "--store", "/tmp/s"], as: IndexRebuildCommand.self)
        _ = try parse(["verify", "--json"], as: VerifyCommand.self)
        try expectUsageError(["index", "frobnicate"], mentioning: "frobnicate")
    }

    // MARK: manifest

    @Test func manifest() throws {
        let publish = try parse(
            ["manifest", "publish", "--parameter", "/glue/etl", "--glue-version", "5.0", "--format", "zip", "--dry-run", "pandas>=2"],
            as: ManifestPublishCommand.self)
        #expect(publish.parameter == "/glue/etl" && publish.dryRun && publish.specs == ["pandas>=2"])
        #expect(publish.selection.resolvedFormat == .zip)
        #expect(try parse(["manifest", "publish", "--parameter", "/x", "--bundle"], as: ManifestPublishCommand.self).selection.resolvedFormat == .zip)
        try expectUsageError(["manifest", "publish", "--parameter", "/x", "--glue-version", "3.0"], mentioning: "'4.0', '5.0', '5.1' or '6.0'")
        try expectUsageError(["manifest", "publish", "--parameter", "/x", "--format", "tarball"], mentioning: "--format")
        try expectUsageError(["manifest", "publish", "--parameter", "/x", "--glue-version", "4.0", "--bundle"], mentioning: "Glue 5.0")
        try expectUsageError(["manifest", "publish", "--parameter", "/x", "--format", "requirements"], mentioning: "--index-url")
        try expectUsageError(["manifest", "publish"], mentioning: "--parameter")

        let lock = try parse(
            ["manifest", "lock", "--out", "pylock.toml", "--index-url", "https://wheelhouse.internal/simple/", "app"],
            as: ManifestLockCommand.self)
        #expect(lock.out == "pylock.toml" && lock.specs == ["app"])
        try expectUsageError(["manifest", "lock", "--out", "lock.toml", "--index-url", "https://h/simple/"], mentioning: "pylock")

        let show = try parse(["manifest", "show", "--parameter", "/x", "--region", "eu-west-1"], as: ManifestShowCommand.self)
        #expect(show.parameter == "/x" && show.region == "eu-west-1")

        let glueArgs = try parse(["manifest", "glue-args", "--url", "https://h/simple/", "--modules", "a,b"], as: ManifestGlueArgsCommand.self)
        #expect(glueArgs.url?.text == "https://h/simple/" && glueArgs.modules == "a,b")
        try expectUsageError(["manifest", "glue-args", "--url", "ftp://h/simple/"], mentioning: "--url")
        try expectUsageError(["manifest", "glue-args"], mentioning: "--parameter")
        try expectUsageError(["manifest", "glue-args", "--parameter", "/x", "--modules", "a"], mentioning: "--modules")
    }

    // MARK: replicate

    @Test func replicate() throws {
        let once = try parse(["replicate", "--source", "/tmp/a", "--target", "/tmp/b", "--target", "s3://bucket"], as: ReplicateCommand.self)
        #expect(once.source == "/tmp/a" && once.target == ["/tmp/b", "s3://bucket"] && once.jobs == 8)
        #expect(Self.seconds(once.interval.duration) == 30)

        let watch = try parse(
            ["replicate", "--target", "/tmp/b", "--watch", "--interval", "500ms", "--metrics-port", "9100", "--delete"], as: ReplicateCommand.self)
        #expect(watch.watch && watch.delete && watch.metricsPort == 9100)
        #expect(Self.seconds(watch.interval.duration) == 0.5)

        try expectUsageError(["replicate", "--source", "/tmp/a"], mentioning: "at least one --target")
        try expectUsageError(["replicate", "--target", "/tmp/b", "--interval", "soon"], mentioning: "--interval")
        try expectUsageError(["replicate", "--target", "/tmp/b", "--interval", "0"], mentioning: "--interval")
        try expectUsageError(["replicate", "--target", "/tmp/b", "--jobs", "0"], mentioning: "--jobs")
        try expectUsageError(["replicate", "--target", "/tmp/b", "--verify", "--watch"], mentioning: "cannot be combined")
        try expectUsageError(["replicate", "--target", "/tmp/b", "--metrics-port", "9100"], mentioning: "--watch")
        try expectUsageError(["replicate", "--target", "/tmp/b", "--manifest-parameter", "/x"], mentioning: "S3 targets")
    }

    // MARK: mirror

    @Test func mirror() throws {
        let mirror = try parse(
            ["mirror", "--upstream", "https://pypi.org/simple/", "--min-age", "7d", "--glue-version", "5.0", "-r", "req.txt", "app"],
            as: MirrorCommand.self)
        #expect(mirror.upstream.map(\.url.absoluteString) == ["https://pypi.org/simple/"])
        #expect(mirror.minAge.map { Self.seconds($0.duration) } == 604_800)
        #expect(mirror.requirements == ["req.txt"] && mirror.specs == ["app"])

        try expectUsageError(["mirror", "app"], mentioning: "--upstream")
        try expectUsageError(["mirror", "--upstream", "ftp://host/simple/", "app"], mentioning: "--upstream")
        try expectUsageError(["mirror", "--upstream", "https://pypi.org/simple/", "--min-age", "soon", "app"], mentioning: "--min-age")
        try expectUsageError(["mirror", "--upstream", "https://pypi.org/simple/"], mentioning: "SPEC")
        try expectUsageError(["mirror", "--upstream", "https://pypi.org/simple/", "--jobs", "65", "app"], mentioning: "--jobs")
    }

    // MARK: token

    @Test func token() throws {
        let create = try parse(["token", "create", "ci", "--scope", "read"], as: TokenCreateCommand.self)
        #expect(create.name == "ci" && create.scope == .read)
        #expect(try parse(["token", "create", "ci"], as: TokenCreateCommand.self).scope == .upload)
        try expectUsageError(["token", "create", "ci", "--scope", "admin"], mentioning: "--scope")
        _ = try parse(["token", "list", "--json"], as: TokenListCommand.self)
        #expect(try parse(["token", "revoke", "abc123"], as: TokenRevokeCommand.self).token == "abc123")
        try expectUsageError(["token", "revoke"], mentioning: "token")
    }

    @Test func unknownSubcommandsAndOptionsAreUsageErrors() throws {
        try expectUsageError(["frobnicate"], mentioning: "frobnicate")
        try expectUsageError(["list", "--no-such-option"], mentioning: "--no-such-option")
    }
}
