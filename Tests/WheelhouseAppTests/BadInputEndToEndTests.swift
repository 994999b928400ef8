import Foundation
import Testing
import WheelhouseTestSupport

/// Every broken or hostile archive of the archive tests, sent through the CLI and over HTTP:
/// each is refused with a message naming the problem, and the store stays byte-for-byte the same.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct BadInputEndToEndTests {
    @Test func everyBadArchiveIsRefusedByTheCLIAndOverHTTPWithoutChangingTheStore() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-bad")
        let store = work.appendingPathComponent("store")
        let cases = try WheelFixtures.makeBadArchives(into: work.appendingPathComponent("bad"))
        // `many_entries` is refused only under the lowered entry limit the archive tests use.
        let bad = cases.filter { !$0.key.contains("good") && $0.key != "many_entries" }
        #expect(bad.count >= 10, "expected the full set of bad archives, got \(cases.keys.sorted())")

        // A store with content, so "unchanged" means something.
        let seed = try await DistFixtures.make("seed-project", "1.0", in: work.appendingPathComponent("seed"))
        try await ProcessRunner.check(Products.wheelhouse, ["upload", "--store", store.path, seed.path])
        let tokenResult = try await ProcessRunner.check(Products.wheelhouse, ["token", "create", "ci", "--store", store.path, "--json"])
        let token = try #require((try JSONSerialization.jsonObject(with: tokenResult.stdout) as? [String: Any])?["token"] as? String)
        let before = try DistFixtures.treeSnapshot(store)

        for (name, file) in bad.sorted(by: { $0.key < $1.key }) {
            let cli = try await ProcessRunner.run(Products.wheelhouse, ["upload", "--store", store.path, file.path])
            #expect(cli.status == 1, "\(name): CLI should fail")
            #expect(cli.stderrText.contains("failed     \(file.lastPathComponent): Invalid"), "\(name): \(cli.stderrText)")
        }
        #expect(try DistFixtures.treeSnapshot(store) == before, "the CLI changed the store")

        let server = try await ServerProcess.start(store: store)
        for (name, file) in bad.sorted(by: { $0.key < $1.key }) {
            let http = try await ProcessRunner.run(
                Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, file.path])
            #expect(http.status == 1, "\(name): HTTP upload should fail")
            #expect(http.stderrText.contains("HTTP 400: Invalid distribution file"), "\(name): \(http.stderrText)")
        }
        // Not a distribution at all, by name.
        let junk = work.appendingPathComponent("notes-1.0.exe")
        try Data("MZ".utf8).write(to: junk)
        let named = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, junk.path])
        #expect(named.stderrText.contains("HTTP 400: Invalid distribution filename 'notes-1.0.exe'"), "\(named.stderrText)")
        await server.stop()
        #expect(try DistFixtures.treeSnapshot(store) == before, "HTTP uploads changed the store")
    }
}
