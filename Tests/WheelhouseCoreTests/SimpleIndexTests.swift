import Foundation
import Testing

@testable import WheelhouseCore

/// A project exercising every field of the simple API: metadata and none, yanked with and
/// without a reason, requires-python with characters HTML must escape, a `+` local version.
enum SimpleIndexFixture {
    static let requiresPython = #">=3.8, <4, !="3.9.*" & 'x'"#
    static let yankReason = #"bad <build> & "quotes" 'too'"#

    static func sha(_ character: Character) -> String { String(repeating: character, count: 64) }

    static var record: ProjectRecord {
        get throws {
            let files = [
                FileRecord(
                    filename: "demo_pkg-1.0-py3-none-any.whl", version: "1.0", packageType: "bdist_wheel", sha256: sha("1"),
                    size: 2048, uploadTime: Date(timeIntervalSince1970: 1_704_164_645.123456), requiresPython: requiresPython,
                    metadataSha256: sha("2"), pythonTag: "py3"),
                FileRecord(
                    filename: "demo_pkg-1.0.tar.gz", version: "1.0", packageType: "sdist", sha256: sha("3"), size: 1024,
                    uploadTime: Date(timeIntervalSince1970: 1_704_164_600), requiresPython: nil, metadataSha256: nil,
                    pythonTag: "source"),
                FileRecord(
                    filename: "demo_pkg-2.0+local-py3-none-any.whl", version: "2.0+local", packageType: "bdist_wheel",
                    sha256: sha("4"), size: 4096, uploadTime: Date(timeIntervalSince1970: 1_710_000_000.5),
                    requiresPython: ">=3.10", metadataSha256: sha("5"), pythonTag: "py3"),
                FileRecord(
                    filename: "demo_pkg-3.0.tar.gz", version: "3.0", packageType: "sdist", sha256: sha("6"), size: 10,
                    uploadTime: Date(timeIntervalSince1970: 1_720_000_000), requiresPython: nil, metadataSha256: sha("7"),
                    pythonTag: "source"),
            ]
            return try ProjectRecord(name: "demo-pkg", displayName: "Demo_Pkg", files: files)
                .yanking(version: "2.0+local", reason: yankReason)
                .yanking(version: "3.0", reason: nil)
        }
    }

    /// The version of each file of `record`, in order.
    static let fileVersions = ["1.0", "1.0", "2.0+local", "3.0"]

    static var page: SimpleProjectPage {
        get throws { SimpleProjectPage(record: try record, versions: ["1.0", "2.0+local", "3.0"], lastSerial: 42) }
    }

    static let list = SimpleProjectList(projects: [
        .init(displayName: "Zope.Interface", normalizedName: "zope-interface"),
        .init(displayName: "Demo_Pkg", normalizedName: "demo-pkg"),
        .init(displayName: "a<b>&\"c\"", normalizedName: "a-b-c"),
    ])

    /// A page of `count` files.
    static func bigPage(count: Int) -> SimpleProjectPage {
        let files = (0..<count).map { (index: Int) -> SimpleProjectPage.File in
            let filename: String = "big_project-\(index).0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
            let metadata: String? = index % 2 == 0 ? sha("b") : nil
            let yank: SimpleProjectPage.Yank = index % 10 == 0 ? .yanked(reason: "reason \(index)") : .notYanked
            let uploadTime = Date(timeIntervalSince1970: 1_700_000_000 + Double(index))
            return SimpleProjectPage.File(
                filename: filename, url: "../../packages/big-project/" + filename, sha256: sha("a"),
                requiresPython: ">=3.8, <4", coreMetadataSha256: metadata, yank: yank, size: 123_456_789,
                uploadTime: uploadTime)
        }
        return SimpleProjectPage(name: "big-project", files: files, versions: (0..<count).map { "\($0).0" })
    }
}

@Suite struct SimpleIndexTests {
    @Test func pageCarriesEveryFieldOfTheRecord() throws {
        let record = try SimpleIndexFixture.record
        let page = try SimpleIndexFixture.page
        #expect(page.name == "demo-pkg")
        #expect(page.lastSerial == 42)
        #expect(page.versions == ["1.0", "2.0+local", "3.0"])
        #expect(page.files.map(\.filename) == record.files.map(\.filename))
        #expect(record.files.map(\.version) == SimpleIndexFixture.fileVersions)
        #expect(page.files.map(\.sha256) == record.files.map(\.sha256))
        #expect(page.files.map(\.size) == record.files.map { Optional($0.size) })
        #expect(page.files.map(\.uploadTime) == record.files.map(\.uploadTime))
        #expect(page.files.map(\.requiresPython) == record.files.map(\.requiresPython))
        #expect(page.files.map(\.coreMetadataSha256) == record.files.map(\.metadataSha256))
        #expect(page.files.map(\.yank) == [.notYanked, .notYanked, .yanked(reason: SimpleIndexFixture.yankReason), .yanked(reason: nil)])
    }

    @Test func defaultURLsAreRelativeToTheProjectPage() throws {
        let page = try SimpleIndexFixture.page
        #expect(
            page.files.map(\.url) == [
                "../../packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl",
                "../../packages/demo-pkg/demo_pkg-1.0.tar.gz",
                "../../packages/demo-pkg/demo_pkg-2.0%2Blocal-py3-none-any.whl",
                "../../packages/demo-pkg/demo_pkg-3.0.tar.gz",
            ])
        // Resolved against the page, both where the server and where the bucket export serve it.
        for base in ["http://127.0.0.1:8080/simple/demo-pkg/", "https://b.s3.amazonaws.com/prefix/simple/demo-pkg/index.html"] {
            let resolved = try #require(URL(string: page.files[2].url, relativeTo: URL(string: base)))
            #expect(resolved.absoluteURL.path.hasSuffix("/packages/demo-pkg/demo_pkg-2.0+local-py3-none-any.whl"))
            #expect(!resolved.absoluteURL.path.contains("simple"))
        }
    }

    @Test func fileURLBuilderIsInjectable() throws {
        let record = try SimpleIndexFixture.record
        let absolute = SimpleProjectPage(record: record, versions: [], fileURL: SimpleProjectPage.fileURL(base: "https://cdn.example/root/"))
        #expect(absolute.files[2].url == "https://cdn.example/root/packages/demo-pkg/demo_pkg-2.0%2Blocal-py3-none-any.whl")
        let custom = SimpleProjectPage(record: record, versions: []) { project, file in "/files/\(project)/\(file.sha256.prefix(4))" }
        #expect(custom.files[0].url == "/files/demo-pkg/1111")
    }

    @Test func percentEncodingKeepsOnlyUnreservedCharacters() {
        #expect(SimpleProjectPage.percentEncoded("a-b_c.d~e") == "a-b_c.d~e")
        #expect(SimpleProjectPage.percentEncoded("x+y z!#?%é") == "x%2By%20z%21%23%3F%25%C3%A9")
    }

    @Test func projectListIsSortedByNormalizedName() throws {
        #expect(SimpleIndexFixture.list.projects.map(\.normalizedName) == ["a-b-c", "demo-pkg", "zope-interface"])
        let fromRecords = SimpleProjectList(
            records: [
                ProjectRecord(name: "zeta", displayName: "Zeta"), try SimpleIndexFixture.record,
            ], lastSerial: 7)
        #expect(fromRecords.projects == [.init(displayName: "Demo_Pkg", normalizedName: "demo-pkg"), .init(displayName: "Zeta", normalizedName: "zeta")])
        #expect(fromRecords.lastSerial == 7)
    }
}
