import Foundation
import Testing

@testable import WheelhouseAWS

@Suite struct CachingCredentialProviderTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func temporary(_ id: String, expiresIn seconds: TimeInterval) -> AWSCredentials {
        AWSCredentials(accessKeyId: id, secretAccessKey: "s", sessionToken: "t", expiration: start + seconds)
    }

    @Test func longTermCredentialsAreFetchedOnce() async throws {
        let source = ScriptedProvider([.success(AWSCredentials(accessKeyId: "A", secretAccessKey: "s"))])
        let cache = CachingCredentialProvider(wrapping: source, now: { Self.start })
        for _ in 0..<3 { #expect(try await cache.credentials().accessKeyId == "A") }
        #expect(await source.calls == 1)
    }

    @Test func temporaryCredentialsRefreshFiveMinutesBeforeExpiry() async throws {
        let clock = ManualClock(Self.start)
        let source = ScriptedProvider([
            .success(Self.temporary("first", expiresIn: 3600)), .success(Self.temporary("second", expiresIn: 7200)),
        ])
        let cache = CachingCredentialProvider(wrapping: source, now: { clock.now })
        #expect(try await cache.credentials().accessKeyId == "first")
        clock.advance(by: 3600 - 301)
        #expect(try await cache.credentials().accessKeyId == "first")
        #expect(await source.calls == 1)
        clock.advance(by: 1)
        #expect(try await cache.credentials().accessKeyId == "second")
        #expect(await source.calls == 2)
    }

    @Test func failedRefreshKeepsUnexpiredCredentials() async throws {
        let clock = ManualClock(Self.start)
        let source = ScriptedProvider([
            .success(Self.temporary("first", expiresIn: 600)),
            .failure(.noCredentials(tried: ["test"])),
        ])
        let cache = CachingCredentialProvider(wrapping: source, now: { clock.now })
        _ = try await cache.credentials()
        clock.advance(by: 400)  // inside the refresh window, not expired
        #expect(try await cache.credentials().accessKeyId == "first")
        clock.advance(by: 200)  // expired now: the failure surfaces
        await #expect(throws: AWSConfigurationError.noCredentials(tried: ["test"])) {
            try await cache.credentials()
        }
        #expect(await source.calls == 3)
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        let source = ScriptedProvider([.success(Self.temporary("only", expiresIn: 3600))], delay: .milliseconds(50))
        let cache = CachingCredentialProvider(wrapping: source, now: { Self.start })
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.credentials().accessKeyId } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(ids == Array(repeating: "only", count: 20))
        #expect(await source.calls == 1)
    }
}
