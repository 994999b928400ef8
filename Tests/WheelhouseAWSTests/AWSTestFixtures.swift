import Foundation
import WheelhouseTestSupport

@testable import WheelhouseAWS

/// Shared files and environments for the credential and settings tests.
enum AWSTestFixtures {
    /// Writes `credentials` and `config` (when given) under a fresh `$HOME/.aws` and returns an
    /// environment whose `HOME` points there, merged with `extra`.
    static func home(credentials: String? = nil, config: String? = nil, extra: [String: String] = [:]) throws -> [String: String] {
        let home = try TestSupport.makeTemporaryDirectory("aws-home")
        let aws = home.appendingPathComponent(".aws")
        try FileManager.default.createDirectory(at: aws, withIntermediateDirectories: true)
        if let credentials { try Data(credentials.utf8).write(to: aws.appendingPathComponent("credentials")) }
        if let config { try Data(config.utf8).write(to: aws.appendingPathComponent("config")) }
        return extra.merging(["HOME": home.path]) { given, _ in given }
    }
}

/// A clock tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// Hands out scripted results and counts the calls.
actor ScriptedProvider: CredentialProvider {
    private var results: [Result<AWSCredentials, AWSConfigurationError>]
    private(set) var calls = 0
    private let delay: Duration

    init(_ results: [Result<AWSCredentials, AWSConfigurationError>], delay: Duration = .zero) {
        self.results = results
        self.delay = delay
    }

    func credentials() async throws -> AWSCredentials {
        calls += 1
        if delay > .zero { try await Task.sleep(for: delay) }
        let next = results.count > 1 ? results.removeFirst() : results[0]
        return try next.get()
    }
}
