import Foundation
import Testing

@testable import WheelhouseCore

@Suite struct UpstreamPageTests {
    static let pageURL = URL(string: "https://user:secret@pypi.example/simple/demo-pkg/")!
    static let sha = SimpleIndexFixture.sha

    /// Our own page, with absolute file URLs, as an upstream Wheelhouse serves it.
    static func absolutePage() throws -> SimpleProjectPage {
        try SimpleProjectPage(
            record: SimpleIndexFixture.record, versions: ["1.0", "2.0+local", "3.0"], lastSerial: 42,
            fileURL: SimpleProjectPage.fileURL(base: "https://pypi.example"))
    }

    @Test func readsBackEveryFieldOfOurJSON() throws {
        let page = try Self.absolutePage()
        let json = Data(SimpleJSONRenderer.render(page).utf8)
        let parsed = try UpstreamPageParser.parse(
            json, contentType: "application/vnd.pypi.simple.v1+json", project: "demo-pkg", pageURL: Self.pageURL)
        #expect(parsed.skipped == [])
        #expect(parsed.page == page)
    }

    @Test func readsBackEveryFieldOfOurHTMLButSizeAndTime() throws {
        let page = try Self.absolutePage()
        let html = Data(SimpleHTMLRenderer.render(page).utf8)
        let parsed = try UpstreamPageParser.parse(html, contentType: "text/html; charset=utf-8", project: "demo-pkg", pageURL: Self.pageURL)
        var expected = page
        expected.lastSerial = nil
        for index in expected.files.indices {
            expected.files[index].size = nil
            expected.files[index].uploadTime = nil
        }
        #expect(parsed.skipped == [])
        #expect(parsed.page == expected)
    }

    /// PEP 792 and PEP 740 from an upstream: the status and its reason from JSON and from the
    /// HTML meta tags, provenance URLs resolved like file URLs.
    @Test func readsStatusAndProvenanceInBothForms() throws {
        var page = try Self.absolutePage()
        page.status = ProjectStatus(.archived, reason: #"read "only" <now>"#)
        page.files[0].provenanceURL = "https://pypi.example/integrity/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl/provenance"
        let json = try UpstreamPageParser.parseJSON(Data(SimpleJSONRenderer.render(page).utf8), project: "demo-pkg", pageURL: Self.pageURL)
        #expect(json.page.status == page.status)
        #expect(json.page.files.map(\.provenanceURL) == page.files.map(\.provenanceURL))
        let html = try UpstreamPageParser.parseHTML(Data(SimpleHTMLRenderer.render(page).utf8), project: "demo-pkg", pageURL: Self.pageURL)
        #expect(html.page.status == page.status)
        #expect(html.page.files.map(\.provenanceURL) == page.files.map(\.provenanceURL))

        let relative = """
            <html><head><meta name="pypi:project-status" content="Deprecated"></head><body>
            <a href="../../f/demo_pkg-1.0.tar.gz#sha256=\(Self.sha("1"))" data-provenance="../../f/demo_pkg-1.0.tar.gz.provenance">x</a>
            <a href="../../f/demo_pkg-2.0.tar.gz#sha256=\(Self.sha("2"))" data-provenance="ftp://x/y">y</a>
            </body></html>
            """
        let parsed = try UpstreamPageParser.parseHTML(Data(relative.utf8), project: "demo-pkg", pageURL: Self.pageURL)
        #expect(parsed.page.status == ProjectStatus(.deprecated))
        #expect(parsed.page.files.map(\.provenanceURL) == ["https://pypi.example/f/demo_pkg-1.0.tar.gz.provenance", nil])
        // A quarantined upstream project offers nothing, whatever its page lists.
        let quarantined = relative.replacingOccurrences(of: "Deprecated", with: "quarantined")
        let closed = try UpstreamPageParser.parseHTML(Data(quarantined.utf8), project: "demo-pkg", pageURL: Self.pageURL)
        #expect(closed.page.status == ProjectStatus(.quarantined))
        #expect(closed.page.files.isEmpty && closed.page.versions.isEmpty)
        let unknown = #"{"meta":{"api-version":"1.4"},"files":[],"project-status":{"status":"frozen"}}"#
        #expect(try UpstreamPageParser.parseJSON(Data(unknown.utf8), project: "demo-pkg", pageURL: Self.pageURL).page.status == .active)
    }

    @Test func relativeLinksResolveAgainstThePageWithoutCredentials() throws {
        let html = Data(SimpleHTMLRenderer.render(try SimpleIndexFixture.page).utf8)
        let parsed = try UpstreamPageParser.parseHTML(html, project: "demo-pkg", pageURL: Self.pageURL)
        #expect(parsed.page.files.map(\.url).first == "https://pypi.example/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl")
        #expect(parsed.page.files.map(\.filename).contains("demo_pkg-2.0+local-py3-none-any.whl"))
        #expect(parsed.page.files.allSatisfy { !$0.url.contains("secret") && !$0.url.contains("#") })
    }

    struct HTMLCase: Sendable, CustomTestStringConvertible {
        var label: String
        var html: String
        var expected: [SimpleProjectPage.File]
        var skipped: [String] = []
        var testDescription: String { label }
    }

    static func file(
        _ filename: String, url: String? = nil, sha: Character = "a", requiresPython: String? = nil, metadata: Character? = nil,
        yank: SimpleProjectPage.Yank = .notYanked
    ) -> SimpleProjectPage.File {
        .init(
            filename: filename, url: url ?? "https://pypi.example/packages/\(filename)", sha256: Self.sha(sha),
            requiresPython: requiresPython, coreMetadataSha256: metadata.map { Self.sha($0) }, yank: yank, size: nil,
            uploadTime: nil)
    }

    static let htmlCases: [HTMLCase] = {
        let a = sha("a")
        return [
            HTMLCase(
                label: "pypiserver: absolute path, sha256 fragment",
                html: "<html><body><h1>Links for demo-pkg</h1><a href=\"/packages/demo_pkg-1.0.tar.gz#sha256=\(a)\">demo_pkg-1.0.tar.gz</a><br></body></html>",
                expected: [file("demo_pkg-1.0.tar.gz")]),
            HTMLCase(
                label: "single quotes, upper-case tag and attributes, uppercase hex",
                html: "<A HREF='/packages/demo_pkg-1.0.tar.gz#sha256=\(a.uppercased())' DATA-REQUIRES-PYTHON='&gt;=3.8'>x</A>",
                expected: [file("demo_pkg-1.0.tar.gz", requiresPython: ">=3.8")]),
            HTMLCase(
                label: "unquoted attributes, yanked without a value, metadata true has no hash",
                html: "<a href=/packages/demo_pkg-1.0.tar.gz#sha256=\(a) data-yanked data-dist-info-metadata=true>demo_pkg-1.0.tar.gz</a>",
                expected: [file("demo_pkg-1.0.tar.gz", yank: .yanked(reason: nil))]),
            HTMLCase(
                label: "core-metadata wins over dist-info-metadata; numeric entities",
                html:
                    "<a href=\"../../packages/demo_pkg-1.0-py3-none-any.whl#sha256=\(a)\" data-dist-info-metadata=\"sha256=\(sha("c"))\" data-core-metadata=\"sha256=\(sha("b"))\" data-yanked=\"&#x62;ad &#38; old\">w</a>",
                expected: [file("demo_pkg-1.0-py3-none-any.whl", metadata: "b", yank: .yanked(reason: "bad & old"))]),
            HTMLCase(
                label: "a base element moves relative links",
                html: "<head><base href=\"https://files.example/root/\"></head><a href=\"demo_pkg-1.0.tar.gz#sha256=\(a)\">demo_pkg-1.0.tar.gz</a>",
                expected: [file("demo_pkg-1.0.tar.gz", url: "https://files.example/root/demo_pkg-1.0.tar.gz")]),
            HTMLCase(
                label: "comments and scripts are not links",
                html:
                    "<!-- <a href=\"/x/demo_pkg-9.0.tar.gz#sha256=\(a)\">no</a> --><script>var s='<a href=\"/y/demo_pkg-8.0.tar.gz#sha256=\(a)\">';</script><a href=\"/packages/demo_pkg-1.0.tar.gz#sha256=\(a)\">ok</a>",
                expected: [file("demo_pkg-1.0.tar.gz")]),
            HTMLCase(
                label: "no sha256, md5 only, bad hex, other project, egg, javascript URL, duplicate: skipped",
                html: """
                    <a href="/packages/demo_pkg-1.0.tar.gz">a</a>
                    <a href="/packages/demo_pkg-1.1.tar.gz#md5=0123456789abcdef0123456789abcdef">b</a>
                    <a href="/packages/demo_pkg-1.2.tar.gz#sha256=xyz">c</a>
                    <a href="/packages/other-1.0.tar.gz#sha256=\(a)">d</a>
                    <a href="/packages/demo_pkg-1.0-py2.7.egg#sha256=\(a)">e</a>
                    <a href="javascript:alert(1)/demo_pkg-1.3.tar.gz#sha256=\(a)">f</a>
                    <a href="/packages/demo_pkg-2.0.tar.gz#sha256=\(a)">ok</a>
                    <a href="/mirror/demo_pkg-2.0.tar.gz#sha256=\(a)">again</a>
                    """,
                expected: [file("demo_pkg-2.0.tar.gz")],
                skipped: [
                    "demo_pkg-1.0.tar.gz", "demo_pkg-1.1.tar.gz", "demo_pkg-1.2.tar.gz", "other-1.0.tar.gz",
                    "demo_pkg-1.0-py2.7.egg", "demo_pkg-1.3.tar.gz", "demo_pkg-2.0.tar.gz",
                ]),
            HTMLCase(
                label: "a percent-encoded local version",
                html: "<a href=\"/packages/demo_pkg-2.0%2Blocal-py3-none-any.whl#sha256=\(a)\">demo_pkg-2.0+local-py3-none-any.whl</a>",
                expected: [file("demo_pkg-2.0+local-py3-none-any.whl", url: "https://pypi.example/packages/demo_pkg-2.0%2Blocal-py3-none-any.whl")]),
        ]
    }()

    @Test(arguments: htmlCases)
    func parsesHTML(_ test: HTMLCase) throws {
        let parsed = try UpstreamPageParser.parseHTML(Data(test.html.utf8), project: "demo-pkg", pageURL: Self.pageURL)
        #expect(parsed.page.files == test.expected)
        #expect(parsed.skipped.map(\.filename) == test.skipped, "\(parsed.skipped)")
        #expect(parsed.skipped.allSatisfy { !$0.reason.isEmpty })
    }

    @Test func htmlVersionsComeFromTheFilenamesInPEP440Order() throws {
        let a = Self.sha("a")
        let html = ["10.0", "2.0", "1.0rc1", "1.0"].map { "<a href=\"/p/demo_pkg-\($0).tar.gz#sha256=\(a)\">x</a>" }.joined()
        let parsed = try UpstreamPageParser.parseHTML(Data(html.utf8), project: "demo-pkg", pageURL: Self.pageURL)
        #expect(parsed.page.versions == ["1.0rc1", "1.0", "2.0", "10.0"])
    }

    struct JSONCase: Sendable, CustomTestStringConvertible {
        var label: String
        /// One file entry's JSON, merged with filename, url and hashes unless it sets them.
        var entry: String
        var expected: SimpleProjectPage.File?
        var testDescription: String { label }
    }

    static let jsonCases: [JSONCase] = {
        let base = file("demo_pkg-1.0-py3-none-any.whl", url: "https://pypi.example/files/demo_pkg-1.0-py3-none-any.whl")
        func with(_ change: (inout SimpleProjectPage.File) -> Void) -> SimpleProjectPage.File {
            var copy = base
            change(&copy)
            return copy
        }
        return [
            JSONCase(label: "minimal", entry: "", expected: base),
            JSONCase(label: "yanked true", entry: #","yanked":true"#, expected: with { $0.yank = .yanked(reason: nil) }),
            JSONCase(label: "yanked false", entry: #","yanked":false"#, expected: base),
            JSONCase(label: "yanked with reason", entry: #","yanked":"oops""#, expected: with { $0.yank = .yanked(reason: "oops") }),
            JSONCase(label: "yanked empty string", entry: #","yanked":"""#, expected: with { $0.yank = .yanked(reason: nil) }),
            JSONCase(
                label: "core-metadata hash", entry: #","core-metadata":{"sha256":"\#(sha("B"))"}"#,
                expected: with { $0.coreMetadataSha256 = sha("b") }),
            JSONCase(label: "core-metadata true gives no hash", entry: #","core-metadata":true"#, expected: base),
            JSONCase(
                label: "dist-info-metadata alone (PEP 714 fallback)", entry: #","dist-info-metadata":{"sha256":"\#(sha("c"))"}"#,
                expected: with { $0.coreMetadataSha256 = sha("c") }),
            JSONCase(
                label: "core-metadata false wins over dist-info-metadata",
                entry: #","core-metadata":false,"dist-info-metadata":{"sha256":"\#(sha("c"))"}"#, expected: base),
            JSONCase(
                label: "size, upload-time, requires-python",
                entry: #","size":123,"upload-time":"2024-01-02T03:04:05.123456Z","requires-python":">=3.9""#,
                expected: with {
                    $0.size = 123
                    $0.uploadTime = RFC3339Timestamp.parse("2024-01-02T03:04:05.123456Z")
                    $0.requiresPython = ">=3.9"
                }),
            JSONCase(label: "a boolean size is no size", entry: #","size":true"#, expected: base),
            JSONCase(label: "a malformed upload-time is unknown", entry: #","upload-time":"yesterday""#, expected: base),
            JSONCase(label: "sha512 only: skipped", entry: #","hashes":{"sha512":"00"}"#, expected: nil),
            JSONCase(
                label: "relative url", entry: #","url":"../../files/x/demo_pkg-1.0-py3-none-any.whl""#,
                expected: with { $0.url = "https://pypi.example/files/x/demo_pkg-1.0-py3-none-any.whl" }),
            JSONCase(label: "ftp url: skipped", entry: #","url":"ftp://pypi.example/demo_pkg-1.0-py3-none-any.whl""#, expected: nil),
        ]
    }()

    @Test(arguments: jsonCases)
    func parsesJSONFileEntries(_ test: JSONCase) throws {
        let defaults: [(String, String)] = [
            ("filename", #""demo_pkg-1.0-py3-none-any.whl""#),
            ("url", #""https://pypi.example/files/demo_pkg-1.0-py3-none-any.whl""#),
            ("hashes", #"{"sha256":"\#(Self.sha("a"))"}"#),
        ]
        // The case's keys replace the defaults; its text is used as written.
        let overridden = try JSONSerialization.jsonObject(with: Data(("{" + test.entry.dropFirst() + "}").utf8)) as? [String: Any] ?? [:]
        let kept = defaults.filter { overridden[$0.0] == nil }.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        let body = "{" + kept + test.entry + "}"
        let json = #"{"meta":{"api-version":"1.1"},"name":"demo-pkg","files":[\#(body)]}"#
        let parsed = try UpstreamPageParser.parseJSON(Data(json.utf8), project: "demo-pkg", pageURL: Self.pageURL)
        #expect(parsed.page.files == (test.expected.map { [$0] } ?? []))
        #expect(parsed.skipped.count == (test.expected == nil ? 1 : 0))
    }

    struct BadPage: Sendable, CustomTestStringConvertible {
        var label: String
        var body: String
        var contentType: String
        var expected: UpstreamPageError
        var testDescription: String { label }
    }

    static let badPages: [BadPage] = {
        let url = "https://pypi.example/simple/demo-pkg/"
        let json = "application/vnd.pypi.simple.v1+json"
        return [
            BadPage(label: "not JSON", body: "<html>", contentType: json, expected: .malformed(url: url, reason: "the body is not JSON")),
            BadPage(label: "a JSON list", body: "[]", contentType: json, expected: .malformed(url: url, reason: "the JSON is not an object")),
            BadPage(
                label: "no files", body: #"{"meta":{"api-version":"1.0"}}"#, contentType: json, expected: .malformed(url: url, reason: #"no "files" list"#)),
            BadPage(
                label: "JSON major version 2", body: #"{"meta":{"api-version":"2.0"},"files":[]}"#, contentType: json,
                expected: .unsupportedAPIVersion(url: url, version: "2.0")),
            BadPage(
                label: "HTML major version 2", body: #"<meta name="pypi:repository-version" content="2.1">"#, contentType: "text/html",
                expected: .unsupportedAPIVersion(url: url, version: "2.1")),
        ]
    }()

    @Test(arguments: badPages)
    func refusesPagesItCannotRead(_ test: BadPage) {
        #expect(throws: test.expected) {
            try UpstreamPageParser.parse(Data(test.body.utf8), contentType: test.contentType, project: "demo-pkg", pageURL: Self.pageURL)
        }
        #expect(!test.expected.description.contains("secret"))
    }

    @Test func anHTMLPageWithNoLinksIsAnEmptyProject() throws {
        let parsed = try UpstreamPageParser.parse(Data("<html><body></body></html>".utf8), contentType: nil, project: "demo-pkg", pageURL: Self.pageURL)
        #expect(parsed.page.files.isEmpty)
        #expect(parsed.page.name == "demo-pkg")
    }
}
