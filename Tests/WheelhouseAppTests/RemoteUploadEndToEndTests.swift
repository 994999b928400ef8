import Foundation
import Testing
import WheelhouseTestSupport

/// `wheelhouse upload --repository-url`: the form streamed over AsyncHTTPClient, the result
/// read from the server's `X-Wheelhouse-Upload-Result` header.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct RemoteUploadEndToEndTests {
    static func results(_ output: Data) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
    }

    @Test func addedThenUnchangedThenRefusedWithAWrongToken() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-remote-upload")
        let store = work.appendingPathComponent("store")
        let dists = work.appendingPathComponent("dists")
        // A wheel of a few MiB, so the body is sent in several chunks.
        let wheel = try await DistFixtures.make("streamed", "1.0", in: dists, payload: 5 << 20)
        let small = try await DistFixtures.make("small", "2.0", in: dists)
        let created = try await ProcessRunner.check(Products.wheelhouse, ["token", "create", "ci", "--store", store.path, "--json"])
        let token = try #require((try JSONSerialization.jsonObject(with: created.stdout) as? [String: Any])?["token"] as? String)
        let server = try await ServerProcess.start(store: store)

        let first = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, "--json", wheel.path, small.path])
        #expect(first.status == 0, "\(first.stdoutText)\(first.stderrText)")
        #expect(try Self.results(first.stdout).map { $0["status"] as? String } == ["added", "added"], "\(first.stdoutText)")

        let again = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, wheel.path])
        #expect(again.status == 0, "\(again.stdoutText)\(again.stderrText)")
        #expect(again.stdoutText.contains("0 added, 1 unchanged, 0 skipped, 0 failed"), "\(again.stdoutText)")

        let stored = try Data(contentsOf: store.appendingPathComponent("packages/streamed/\(wheel.lastPathComponent)"))
        #expect(try stored == Data(contentsOf: wheel), "the server holds the bytes sent")

        let refused = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", "wrong", "--json", small.path])
        #expect(refused.status == 1)
        let failure = try #require(try Self.results(refused.stdout).first)
        #expect(failure["status"] as? String == "failed")
        #expect((failure["error"] as? String)?.hasPrefix("HTTP 403") == true, "\(failure)")
        _ = await server.stop()
    }
}
