import Foundation
import Testing

@testable import WheelhouseCore

@Suite struct LegacyJSONRendererTests {
    static func file(
        _ filename: String, _ version: String, yanked: Bool = false, reason: String? = nil, metadata: Bool = true, md5: String? = nil
    ) -> FileRecord {
        let isWheel = filename.hasSuffix(".whl")
        return FileRecord(
            filename: filename, version: version, packageType: isWheel ? "bdist_wheel" : "sdist",
            sha256: String(repeating: "a", count: 64), size: 1234,
            uploadTime: Date(timeIntervalSince1970: 1_700_000_000.25), requiresPython: ">=3.9",
            metadataSha256: metadata && isWheel ? String(repeating: "b", count: 64) : nil,
            yanked: yanked, yankedReason: reason, pythonTag: isWheel ? "py3" : "source", md5: md5)
    }

    static let record = ProjectRecord(
        name: "demo-pkg", displayName: "Demo_Pkg",
        files: [
            file("demo_pkg-1.0-py3-none-any.whl", "1.0"),
            file("demo_pkg-1.0.tar.gz", "1.0"),
            file("demo_pkg-1.1-py3-none-any.whl", "1.1", yanked: true, reason: "broken"),
            file("demo_pkg-2.0b1-py3-none-any.whl", "2.0b1"),
        ])

    static let metadata = CoreMetadata.parse(
        Array(
            """
            Metadata-Version: 2.4
            Name: Demo_Pkg
            Version: 1.0
            Summary: <script>alert(1)</script> demo
            Author: A. Author
            Author-email: a@example.com
            License-Expression: MIT
            Keywords: one,two
            Classifier: Programming Language :: Python :: 3
            Home-page: https://example.com
            Project-URL: Source, https://example.com/src
            Requires-Python: >=3.9
            Requires-Dist: requests>=2
            Provides-Extra: fast
            Description-Content-Type: text/markdown

            # Demo
            Body text.

            """.utf8))

    func render(_ version: String, metadata: CoreMetadata? = Self.metadata, releases: Bool = true) throws -> [String: Any] {
        let data = LegacyJSONRenderer.render(
            .init(record: Self.record, version: version, metadata: metadata, baseURL: "http://index.test:8080/", includesReleases: releases))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The latest version skips yanked releases and pre-releases, as PyPI's `info` does.
    @Test func latestVersionIsTheNewestNonYankedFinalRelease() {
        #expect(LegacyJSONRenderer.latestVersion(Self.record) == "1.0")
        let onlyPre = ProjectRecord(name: "p", displayName: "p", files: [Self.file("p-2.0b1-py3-none-any.whl", "2.0b1")])
        #expect(LegacyJSONRenderer.latestVersion(onlyPre) == "2.0b1")
        let allYanked = ProjectRecord(
            name: "p", displayName: "p",
            files: [Self.file("p-1.0-py3-none-any.whl", "1.0", yanked: true), Self.file("p-0.9-py3-none-any.whl", "0.9", yanked: true)])
        #expect(LegacyJSONRenderer.latestVersion(allYanked) == "1.0")
        #expect(LegacyJSONRenderer.latestVersion(ProjectRecord(name: "p", displayName: "p")) == nil)
        let tenBeatsNine = ProjectRecord(
            name: "p", displayName: "p",
            files: [Self.file("p-10.0-py3-none-any.whl", "10.0"), Self.file("p-9.0-py3-none-any.whl", "9.0")])
        #expect(LegacyJSONRenderer.latestVersion(tenBeatsNine) == "10.0")
    }

    @Test func infoCarriesTheCoreMetadataUnderPyPINames() throws {
        let json = try render("1.0")
        let info = try #require(json["info"] as? [String: Any])
        #expect(info["name"] as? String == "Demo_Pkg")
        #expect(info["version"] as? String == "1.0")
        #expect(info["summary"] as? String == "<script>alert(1)</script> demo")
        #expect(info["description"] as? String == "# Demo\nBody text.\n")
        #expect(info["description_content_type"] as? String == "text/markdown")
        #expect(info["author"] as? String == "A. Author")
        #expect(info["author_email"] as? String == "a@example.com")
        #expect(info["license_expression"] as? String == "MIT")
        #expect(info["keywords"] as? String == "one,two")
        #expect(info["classifiers"] as? [String] == ["Programming Language :: Python :: 3"])
        #expect(info["home_page"] as? String == "https://example.com")
        #expect(info["project_urls"] as? [String: String] == ["Homepage": "https://example.com", "Source": "https://example.com/src"])
        #expect(info["requires_dist"] as? [String] == ["requests>=2"])
        #expect(info["requires_python"] as? String == ">=3.9")
        #expect(info["provides_extra"] as? [String] == ["fast"])
        #expect(info["yanked"] as? Bool == false)
        #expect(info["yanked_reason"] is NSNull)
        #expect(info["maintainer"] is NSNull)
        #expect(info["platform"] is NSNull)
        #expect(info["package_url"] as? String == "http://index.test:8080/#/project/demo-pkg")
        #expect(info["release_url"] as? String == "http://index.test:8080/#/project/demo-pkg/1.0")
        #expect(json["vulnerabilities"] as? [Any] != nil)
        #expect((json["vulnerabilities"] as? [Any])?.isEmpty == true)
        #expect(json["last_serial"] as? Int == 1_700_000_000_250_000)
    }

    @Test func filesOfTheVersionAndEveryRelease() throws {
        let json = try render("1.0")
        let urls = try #require(json["urls"] as? [[String: Any]])
        #expect(urls.map { $0["filename"] as? String } == ["demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"])
        let wheel = urls[0]
        #expect(wheel["url"] as? String == "http://index.test:8080/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl")
        #expect(wheel["digests"] as? [String: String] == ["sha256": String(repeating: "a", count: 64)])
        #expect(wheel["packagetype"] as? String == "bdist_wheel")
        #expect(wheel["python_version"] as? String == "py3")
        #expect(wheel["requires_python"] as? String == ">=3.9")
        #expect(wheel["size"] as? Int == 1234)
        #expect(wheel["upload_time"] as? String == "2023-11-14T22:13:20")
        #expect(wheel["upload_time_iso_8601"] as? String == "2023-11-14T22:13:20.250000Z")
        #expect(wheel["has_sig"] as? Bool == false)
        #expect(wheel["comment_text"] as? String == "")
        #expect(urls[1]["packagetype"] as? String == "sdist")
        #expect(urls[1]["python_version"] as? String == "source")
        #expect(urls[1]["core-metadata"] as? Bool == false)

        let releases = try #require(json["releases"] as? [String: [[String: Any]]])
        #expect(Set(releases.keys) == ["1.0", "1.1", "2.0b1"])
        let yanked = try #require(releases["1.1"]?.first)
        #expect(yanked["yanked"] as? Bool == true)
        #expect(yanked["yanked_reason"] as? String == "broken")

        let version = try render("1.1", metadata: nil, releases: false)
        #expect(version["releases"] == nil)
        let info = try #require(version["info"] as? [String: Any])
        #expect(info["yanked"] as? Bool == true)
        #expect(info["yanked_reason"] as? String == "broken")
        #expect(info["summary"] is NSNull)
        #expect(info["classifiers"] as? [String] == [])
        #expect(info["name"] as? String == "Demo_Pkg")
    }

    @Test func withheldFilesLeaveEveryListEmpty() throws {
        let data = LegacyJSONRenderer.render(
            .init(record: Self.record, version: "1.0", metadata: nil, baseURL: "", includesReleases: true, listsFiles: false))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["urls"] as? [Any])?.isEmpty == true)
        let releases = try #require(json["releases"] as? [String: [Any]])
        #expect(Set(releases.keys) == ["1.0", "1.1", "2.0b1"])
        let counts = releases.values.map(\.count)
        #expect(counts == [0, 0, 0])
    }

    /// The key sets match a response captured from pypi.org (`Tests/Fixtures/pypi-six.json`),
    /// less `md5_digest` for a file whose record keeps no md5 (one ingested before md5s were
    /// recorded).
    @Test func keySetsMatchPyPIs() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pypi-six.json")
        let pypi = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])
        let ours = try render("1.0")
        #expect(Set(ours.keys) == Set(pypi.keys))
        let pypiInfo = try #require(pypi["info"] as? [String: Any])
        let ourInfo = try #require(ours["info"] as? [String: Any])
        #expect(Set(ourInfo.keys) == Set(pypiInfo.keys))
        let pypiFile = try #require((pypi["urls"] as? [[String: Any]])?.first)
        let ourFile = try #require((ours["urls"] as? [[String: Any]])?.first)
        #expect(Set(ourFile.keys) == Set(pypiFile.keys).subtracting(["md5_digest"]))
        #expect(Set((ourFile["digests"] as? [String: Any] ?? [:]).keys).isSubset(of: Set((pypiFile["digests"] as? [String: Any] ?? [:]).keys)))

        // With the md5 recorded: PyPI's keys exactly, and the md5 in both places.
        let md5 = String(repeating: "c", count: 32)
        let record = ProjectRecord(name: "demo-pkg", displayName: "Demo_Pkg", files: [Self.file("demo_pkg-1.0-py3-none-any.whl", "1.0", md5: md5)])
        let data = LegacyJSONRenderer.render(
            .init(record: record, version: "1.0", metadata: Self.metadata, baseURL: "http://index.test/", includesReleases: true))
        let withMD5 = try #require(((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["urls"] as? [[String: Any]])?.first)
        #expect(Set(withMD5.keys) == Set(pypiFile.keys))
        #expect(withMD5["md5_digest"] as? String == md5)
        #expect((withMD5["digests"] as? [String: String]) == ["md5": md5, "sha256": String(repeating: "a", count: 64)])
    }

    @Test func projectListCarriesNullsForWhatIsUnknown() throws {
        let data = ProjectListJSONRenderer.render([
            .init(name: "Demo_Pkg", normalized: "demo-pkg", version: "1.0", summary: "<b>x</b>", status: "archived"),
            .init(name: "empty", normalized: "empty", version: nil, summary: nil),
        ])
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [[String: Any]]])
        let projects = try #require(json["projects"])
        #expect(projects[0]["summary"] as? String == "<b>x</b>")
        #expect(projects[0]["status"] as? String == "archived")
        #expect(projects[1]["version"] is NSNull)
        #expect(projects[1]["status"] is NSNull)
    }
}
