import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseCore

@Suite struct SimpleJSONRendererTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func rendersTheProjectPage() throws {
        let page = try SimpleIndexFixture.page
        let json = try object(SimpleJSONRenderer.render(page))
        let meta = try #require(json["meta"] as? [String: Any])
        #expect(meta["api-version"] as? String == "1.4")
        #expect(json["project-status"] as? [String: String] == ["status": "active"])
        #expect(meta["_last-serial"] as? Int == 42)
        #expect(json["name"] as? String == "demo-pkg")
        #expect(json["versions"] as? [String] == ["1.0", "2.0+local", "3.0"])
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.count == 4)
        let sha = SimpleIndexFixture.sha

        #expect(files[0]["filename"] as? String == "demo_pkg-1.0-py3-none-any.whl")
        #expect(files[0]["url"] as? String == "../../packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl")
        #expect(files[0]["hashes"] as? [String: String] == ["sha256": sha("1")])
        #expect(files[0]["requires-python"] as? String == SimpleIndexFixture.requiresPython)
        #expect(files[0]["core-metadata"] as? [String: String] == ["sha256": sha("2")])
        #expect(files[0]["dist-info-metadata"] as? [String: String] == ["sha256": sha("2")])
        #expect(files[0]["yanked"] as? Bool == false)
        #expect(files[0]["size"] as? Int == 2048)
        #expect(files[0]["upload-time"] as? String == "2024-01-02T03:04:05.123456Z")

        #expect(files[1]["requires-python"] == nil)
        #expect(files[1]["core-metadata"] as? Bool == false)
        #expect(files[1]["dist-info-metadata"] as? Bool == false)
        #expect(files[1]["upload-time"] as? String == "2024-01-02T03:03:20.000000Z")

        #expect(files[2]["url"] as? String == "../../packages/demo-pkg/demo_pkg-2.0%2Blocal-py3-none-any.whl")
        #expect(files[2]["yanked"] as? String == SimpleIndexFixture.yankReason)
        #expect(files[2]["upload-time"] as? String == "2024-03-09T16:00:00.500000Z")
        #expect(files[3]["yanked"] as? Bool == true)
        #expect(files.allSatisfy { $0["provenance"] == nil })
    }

    @Test func statusAndProvenance() throws {
        var page = try SimpleIndexFixture.page
        page.status = ProjectStatus(.archived, reason: #"read "only""#)
        page.files[2].provenanceURL = "http://h/p.provenance"
        let json = try object(SimpleJSONRenderer.render(page))
        #expect(json["project-status"] as? [String: String] == ["status": "archived", "reason": #"read "only""#])
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files[2]["provenance"] as? String == "http://h/p.provenance")
        #expect(files.filter { $0["provenance"] != nil }.count == 1)

        let quarantined = SimpleProjectPage(
            name: "a", files: page.files, versions: page.versions, status: ProjectStatus(.quarantined, reason: "malware"))
        #expect(
            SimpleJSONRenderer.render(quarantined)
                == #"{"files":[],"meta":{"api-version":"1.4"},"name":"a","project-status":{"reason":"malware","status":"quarantined"},"versions":[]}"#)
    }

    @Test func exactBytesForASmallPage() {
        let page = SimpleProjectPage(
            name: "a",
            files: [
                .init(
                    filename: "a-1.tar.gz", url: "u", sha256: "ff", requiresPython: nil, coreMetadataSha256: nil,
                    yank: .yanked(reason: ""), size: 3, uploadTime: nil)
            ],
            versions: ["1"])
        #expect(
            SimpleJSONRenderer.render(page) == """
                {"files":[{"core-metadata":false,"dist-info-metadata":false,"filename":"a-1.tar.gz","hashes":{"sha256":"ff"},\
                "size":3,"url":"u","yanked":true}],"meta":{"api-version":"1.4"},"name":"a","project-status":{"status":"active"},"versions":["1"]}
                """)
    }

    @Test func rendersTheProjectList() throws {
        let text = SimpleJSONRenderer.render(SimpleIndexFixture.list)
        #expect(text == #"{"meta":{"api-version":"1.4"},"projects":[{"name":"a<b>&\"c\""},{"name":"Demo_Pkg"},{"name":"Zope.Interface"}]}"#)
        var list = SimpleIndexFixture.list
        list.lastSerial = 9
        #expect(SimpleJSONRenderer.render(list).hasPrefix(#"{"meta":{"_last-serial":9,"api-version":"1.4"},"projects":["#))
    }

    @Test func escapesStrings() throws {
        let nasty = "q\"b\\s/\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}é😀\u{2028}"
        let page = SimpleProjectPage(
            name: nasty,
            files: [
                .init(
                    filename: nasty, url: nasty, sha256: nasty, requiresPython: nasty, coreMetadataSha256: nasty,
                    yank: .yanked(reason: nasty), size: Int64.max, uploadTime: nil)
            ],
            versions: [nasty])
        let text = SimpleJSONRenderer.render(page)
        #expect(text.contains(#""q\"b\\s/\n\r\t\b\f\u0000\u001f"#))
        let json = try object(text)
        #expect(json["name"] as? String == nasty)
        let file = try #require((json["files"] as? [[String: Any]])?.first)
        for key in ["filename", "url", "requires-python", "yanked"] {
            #expect(file[key] as? String == nasty, "\(key)")
        }
        #expect((file["core-metadata"] as? [String: String])?["sha256"] == nasty)
        #expect((file["size"] as? NSNumber)?.int64Value == Int64.max)
    }

    @Test func outputIsDeterministic() throws {
        #expect(SimpleJSONRenderer.render(try SimpleIndexFixture.page) == SimpleJSONRenderer.render(try SimpleIndexFixture.page))
    }

    @Test func rendersAFiveHundredFilePage() throws {
        let page = SimpleIndexFixture.bigPage(count: 500)
        #expect((try object(SimpleJSONRenderer.render(page))["files"] as? [Any])?.count == 500)
    }

    /// pypi-simple, a real client library, reads back every field we render.
    @Test(.tags(.endToEnd), .skippedInFastTier) func pypiSimpleReadsEveryField() throws {
        let page = try SimpleIndexFixture.page
        let parsed = try PypiSimpleParse.run(format: "json", base: "https://example.test/simple/demo-pkg/", body: SimpleJSONRenderer.render(page))
        try PypiSimpleParse.expectMatches(parsed, page, versions: SimpleIndexFixture.fileVersions, html: false)

        let list = try PypiSimpleParse.runIndex(format: "json", body: SimpleJSONRenderer.render(SimpleIndexFixture.list))
        #expect(list == ["a<b>&\"c\"", "Demo_Pkg", "Zope.Interface"])
    }
}
