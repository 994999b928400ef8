import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseCore

@Suite struct SimpleHTMLRendererTests {
    @Test func rendersTheProjectPage() throws {
        let html = SimpleHTMLRenderer.render(try SimpleIndexFixture.page)
        let sha = SimpleIndexFixture.sha
        #expect(
            html == """
                <!DOCTYPE html>
                <html>
                  <head>
                    <meta charset="utf-8">
                    <meta name="pypi:repository-version" content="1.4">
                    <meta name="pypi:project-status" content="active">
                    <title>Links for demo-pkg</title>
                  </head>
                  <body>
                    <h1>Links for demo-pkg</h1>
                    <a href="../../packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl#sha256=\(sha("1"))" \
                data-requires-python="&gt;=3.8, &lt;4, !=&quot;3.9.*&quot; &amp; &#39;x&#39;" \
                data-dist-info-metadata="sha256=\(sha("2"))" data-core-metadata="sha256=\(sha("2"))">demo_pkg-1.0-py3-none-any.whl</a><br />
                    <a href="../../packages/demo-pkg/demo_pkg-1.0.tar.gz#sha256=\(sha("3"))">demo_pkg-1.0.tar.gz</a><br />
                    <a href="../../packages/demo-pkg/demo_pkg-2.0%2Blocal-py3-none-any.whl#sha256=\(sha("4"))" \
                data-requires-python="&gt;=3.10" data-dist-info-metadata="sha256=\(sha("5"))" data-core-metadata="sha256=\(sha("5"))" \
                data-yanked="bad &lt;build&gt; &amp; &quot;quotes&quot; &#39;too&#39;">demo_pkg-2.0+local-py3-none-any.whl</a><br />
                    <a href="../../packages/demo-pkg/demo_pkg-3.0.tar.gz#sha256=\(sha("6"))" \
                data-dist-info-metadata="sha256=\(sha("7"))" data-core-metadata="sha256=\(sha("7"))" data-yanked="">demo_pkg-3.0.tar.gz</a><br />
                  </body>
                </html>

                """)
    }

    @Test func rendersTheProjectList() {
        let html = SimpleHTMLRenderer.render(SimpleIndexFixture.list)
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        #expect(html.contains(#"<meta name="pypi:repository-version" content="1.4">"#))
        #expect(!html.contains("pypi:project-status"))
        #expect(
            html.contains(
                """
                    <a href="a-b-c/">a&lt;b&gt;&amp;&quot;c&quot;</a>
                    <a href="demo-pkg/">Demo_Pkg</a>
                    <a href="zope-interface/">Zope.Interface</a>
                """))
    }

    @Test func escapesEverythingItInterpolates() {
        let hostile = #"<script>"'&"#
        let page = SimpleProjectPage(
            name: hostile,
            files: [
                .init(
                    filename: hostile, url: hostile, sha256: hostile, requiresPython: hostile, coreMetadataSha256: hostile,
                    yank: .yanked(reason: hostile), size: 1, uploadTime: nil)
            ],
            versions: [])
        let html = SimpleHTMLRenderer.render(page)
        #expect(!html.contains("<script>"))
        #expect(!html.contains(#""'"#))
        // title, h1, href, sha256 fragment, two metadata attributes, requires-python, yanked, link text
        #expect(html.components(separatedBy: "&lt;script&gt;&quot;&#39;&amp;").count == 10)
    }

    @Test func outputIsDeterministic() throws {
        let page = try SimpleIndexFixture.page
        #expect(SimpleHTMLRenderer.render(page) == SimpleHTMLRenderer.render(try SimpleIndexFixture.page))
        #expect(SimpleHTMLRenderer.render(SimpleIndexFixture.list) == SimpleHTMLRenderer.render(SimpleIndexFixture.list))
    }

    @Test func rendersAFiveHundredFilePage() {
        let page = SimpleIndexFixture.bigPage(count: 500)
        #expect(SimpleHTMLRenderer.render(page).components(separatedBy: "<a href=").count == 501)
    }

    /// pypi-simple, a real client library, reads back every field we render.
    @Test(.tags(.endToEnd), .skippedInFastTier) func pypiSimpleReadsEveryField() throws {
        let page = try SimpleIndexFixture.page
        let parsed = try PypiSimpleParse.run(format: "html", base: "https://example.test/simple/demo-pkg/", body: SimpleHTMLRenderer.render(page))
        try PypiSimpleParse.expectMatches(parsed, page, versions: SimpleIndexFixture.fileVersions, html: true)

        let list = try PypiSimpleParse.runIndex(format: "html", body: SimpleHTMLRenderer.render(SimpleIndexFixture.list))
        #expect(list == ["a<b>&\"c\"", "Demo_Pkg", "Zope.Interface"])
    }

    /// PEP 792 and PEP 740 as pypi-simple reads them, in both serializations: each status with
    /// its reason, a quarantined page without files, provenance URLs on the files that have one.
    @Test(.tags(.endToEnd), .skippedInFastTier) func pypiSimpleReadsStatusAndProvenance() throws {
        var page = try SimpleIndexFixture.page
        page.files[0].provenanceURL = "https://example.test/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl.provenance"
        for state in ProjectStatus.State.allCases {
            let status = ProjectStatus(state, reason: state == .active ? nil : #"because <of> "this" & that"#)
            let shown = SimpleProjectPage(name: page.name, files: page.files, versions: page.versions, lastSerial: page.lastSerial, status: status)
            let base = "https://example.test/simple/demo-pkg/"
            let html = try PypiSimpleParse.run(format: "html", base: base, body: SimpleHTMLRenderer.render(shown))
            try PypiSimpleParse.expectMatches(html, shown, versions: SimpleIndexFixture.fileVersions, html: true)
            let json = try PypiSimpleParse.run(format: "json", base: base, body: SimpleJSONRenderer.render(shown))
            try PypiSimpleParse.expectMatches(json, shown, versions: SimpleIndexFixture.fileVersions, html: false)
            #expect(html.packages.isEmpty == (state == .quarantined))
            #expect(json.packages.isEmpty == (state == .quarantined))
            #expect(json.status == state.rawValue && html.status == state.rawValue)
        }
    }

    @Test func statusMetaTagsAndProvenanceAttribute() throws {
        var page = try SimpleIndexFixture.page
        page.status = ProjectStatus(.deprecated, reason: #"use <other> & "new""#)
        page.files[1].provenanceURL = "http://h/packages/demo-pkg/demo_pkg-1.0.tar.gz.provenance"
        let html = SimpleHTMLRenderer.render(page)
        #expect(html.contains(#"<meta name="pypi:project-status" content="deprecated">"#))
        #expect(html.contains(#"<meta name="pypi:project-status-reason" content="use &lt;other&gt; &amp; &quot;new&quot;">"#))
        #expect(html.contains(#"data-provenance="http://h/packages/demo-pkg/demo_pkg-1.0.tar.gz.provenance">demo_pkg-1.0.tar.gz</a>"#))
        #expect(html.components(separatedBy: "data-provenance=").count == 2)

        let quarantined = SimpleProjectPage(name: page.name, files: page.files, versions: page.versions, status: ProjectStatus(.quarantined))
        let closed = SimpleHTMLRenderer.render(quarantined)
        #expect(closed.contains(#"<meta name="pypi:project-status" content="quarantined">"#))
        #expect(!closed.contains("pypi:project-status-reason"))
        #expect(!closed.contains("<a "))
    }
}

/// Parses rendered pages with the `pypi_simple` library through the test venv's Python.
enum PypiSimpleParse {
    static let script = #"""
        import json, sys
        import pypi_simple

        kind, fmt = sys.argv[1], sys.argv[2]
        body = sys.stdin.buffer.read()
        if kind == "index":
            page = (pypi_simple.IndexPage.from_html(body) if fmt == "html"
                    else pypi_simple.IndexPage.from_json_data(json.loads(body)))
            print(json.dumps({"projects": page.projects, "repository_version": page.repository_version,
                              "last_serial": page.last_serial}))
            sys.exit(0)
        base = sys.argv[3]
        page = (pypi_simple.ProjectPage.from_html("demo-pkg", body, base_url=base) if fmt == "html"
                else pypi_simple.ProjectPage.from_json_data(json.loads(body), base_url=base))
        print(json.dumps({
            "project": page.project,
            "repository_version": page.repository_version,
            "last_serial": page.last_serial,
            "versions": page.versions,
            "status": page.status.value if page.status else None,
            "status_reason": page.status_reason,
            "packages": [{
                "filename": p.filename, "url": p.url, "digests": p.digests,
                "requires_python": p.requires_python, "is_yanked": p.is_yanked, "yanked_reason": p.yanked_reason,
                "has_metadata": p.has_metadata, "metadata_digests": p.metadata_digests,
                "metadata_url": p.metadata_url, "size": p.size,
                "upload_time": p.upload_time.isoformat() if p.upload_time else None,
                "version": p.version, "provenance_url": p.provenance_url,
            } for p in page.packages],
        }))
        """#

    struct Package: Decodable, Equatable {
        var filename: String
        var url: String
        var digests: [String: String]
        var requires_python: String?
        var is_yanked: Bool
        var yanked_reason: String?
        var has_metadata: Bool?
        var metadata_digests: [String: String]?
        var metadata_url: String
        var size: Int64?
        var upload_time: String?
        var version: String?
        var provenance_url: String?
    }

    struct Page: Decodable {
        var project: String
        var repository_version: String?
        var status: String?
        var status_reason: String?
        var last_serial: String?
        var versions: [String]?
        var packages: [Package]
    }

    struct Index: Decodable {
        var projects: [String]
        var repository_version: String?
    }

    static func invoke(_ args: [String], body: String) throws -> Data {
        let result = try runPython(script: script, args: args, stdin: Data(body.utf8))
        guard result.status == 0 else {
            throw PythonRunnerError(
                description: """
                    pypi_simple failed (status \(result.status)); is pypi-simple installed in \(TestSupport.python)? \
                    Set WHEELHOUSE_TEST_PYTHON to a Python that has it.
                    \(String(decoding: result.stderr, as: UTF8.self))
                    """)
        }
        return result.stdout
    }

    static func run(format: String, base: String, body: String) throws -> Page {
        try JSONDecoder().decode(Page.self, from: invoke(["project", format, base], body: body))
    }

    static func runIndex(format: String, body: String) throws -> [String] {
        let index = try JSONDecoder().decode(Index.self, from: invoke(["index", format], body: body))
        #expect(index.repository_version == SimpleJSONRenderer.apiVersion)
        return index.projects
    }

    /// Every field pypi_simple exposes, checked against the page we rendered.
    static func expectMatches(_ parsed: Page, _ page: SimpleProjectPage, versions: [String], html: Bool) throws {
        #expect(parsed.project == page.name)
        #expect(parsed.repository_version == SimpleJSONRenderer.apiVersion)
        #expect(parsed.status == page.status.state.rawValue)
        #expect(parsed.status_reason == page.status.reason)
        #expect(parsed.packages.count == page.files.count)
        if !html {
            #expect(parsed.versions == page.versions)
            #expect(parsed.last_serial == page.lastSerial.map(String.init))
        }
        for ((got, file), version) in zip(zip(parsed.packages, page.files), versions) {
            #expect(got.filename == file.filename)
            let expectedURL = try #require(URL(string: file.url, relativeTo: URL(string: "https://example.test/simple/demo-pkg/")))
            #expect(got.url == expectedURL.absoluteString)
            #expect(got.metadata_url == expectedURL.absoluteString + ".metadata")
            #expect(got.digests == ["sha256": file.sha256])
            #expect(got.requires_python == file.requiresPython)
            switch file.yank {
            case .notYanked:
                #expect(!got.is_yanked && got.yanked_reason == nil)
            case .yanked(let reason):
                #expect(got.is_yanked)
                #expect(got.yanked_reason == reason ?? (html ? "" : nil))
            }
            // PEP 658: in HTML a missing attribute means "unknown"; JSON says false.
            #expect(got.has_metadata == (file.coreMetadataSha256 != nil ? true : html ? nil : false))
            #expect(got.metadata_digests == file.coreMetadataSha256.map { ["sha256": $0] })
            #expect(got.version == version)
            #expect(got.provenance_url == file.provenanceURL)
            if !html {
                #expect(got.size == file.size)
                // Python's isoformat drops the "Z" for "+00:00" and omits zero microseconds.
                let expectedTime = file.uploadTime.map(RFC3339Timestamp.format)
                let gotTime = got.upload_time.flatMap { RFC3339Timestamp.parse($0) }.map(RFC3339Timestamp.format)
                #expect(gotTime == expectedTime)
            }
        }
    }
}
