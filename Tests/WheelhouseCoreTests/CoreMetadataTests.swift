import Foundation
import Testing
@testable import WheelhouseCore

@Suite struct CoreMetadataTests {
    static func parse(_ text: String) -> CoreMetadata { CoreMetadata.parse(Array(text.utf8)) }

    /// Every case of `Vectors/metadata_parse.jsonl`: our fields, reshaped the way
    /// `packaging.metadata.parse_email` shapes them, equal packaging's `(raw, unparsed)`.
    @Test func matchesPackagingParseEmail() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Vectors/metadata_parse.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(lines.count >= 50)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let encoded = try #require(object["input"] as? String)
            let input = try #require(Data(base64Encoded: encoded))
            let metadata = CoreMetadata.parse(Array(input))
            #expect(metadata.rawBytes == Array(input))
            let (raw, unparsed) = Self.packagingShape(metadata)
            let expectedRaw = try #require(object["raw"] as? NSDictionary)
            let expectedUnparsed = try #require(object["unparsed"] as? NSDictionary)
            let text = String(decoding: input, as: UTF8.self).debugDescription
            #expect(NSDictionary(dictionary: raw) == expectedRaw, "\(text)")
            #expect(NSDictionary(dictionary: unparsed) == expectedUnparsed, "\(text)")
        }
    }

    /// packaging's `parse_email` post-processing (metadata.py), applied to our parsed fields.
    static func packagingShape(_ m: CoreMetadata) -> (raw: [String: Any], unparsed: [String: Any]) {
        let stringFields: Set = [
            "author", "author_email", "description", "description_content_type", "download_url",
            "home_page", "license", "license_expression", "maintainer", "maintainer_email",
            "metadata_version", "name", "requires_python", "summary", "version",
        ]
        let listFields: Set = [
            "classifiers", "dynamic", "license_files", "obsoletes", "obsoletes_dist", "platforms",
            "provides", "provides_dist", "provides_extra", "requires", "requires_dist",
            "requires_external", "supported_platforms", "import_names", "import_namespaces",
        ]
        let renamed = [
            "classifier": "classifiers", "license-file": "license_files", "platform": "platforms",
            "project-url": "project_urls", "supported-platform": "supported_platforms",
            "import-name": "import_names", "import-namespace": "import_namespaces",
        ]
        var raw: [String: Any] = [:]
        var unparsed: [String: Any] = [:]
        var seen: [String] = []
        for field in m.fields where !seen.contains(field.name.lowercased()) { seen.append(field.name.lowercased()) }
        for key in seen {
            let values = m.values(key)
            let rawName = renamed[key] ?? key.replacing("-", with: "_")
            let known = stringFields.contains(rawName) || listFields.contains(rawName) || rawName == "keywords" || rawName == "project_urls"
            if !known {
                unparsed[key] = values
            } else if stringFields.contains(rawName) && values.count == 1 {
                raw[rawName] = values[0]
            } else if listFields.contains(rawName) {
                raw[rawName] = values
            } else if rawName == "keywords" && values.count == 1 {
                raw[rawName] = m.keywords
            } else if rawName == "project_urls" {
                let pairs = m.projectURLs
                if Set(pairs.map(\.label)).count == pairs.count {
                    raw[rawName] = Dictionary(pairs.map { ($0.label, $0.url) }, uniquingKeysWith: { a, _ in a })
                } else {
                    unparsed[key] = values
                }
            } else {
                unparsed[key] = values
            }
        }
        if let body = m.body {
            if let header = raw.removeValue(forKey: "description") {
                unparsed["description"] = [header, body]
            } else if let previous = unparsed["description"] as? [String] {
                unparsed["description"] = previous + [body]
            } else {
                raw["description"] = body
            }
        }
        return (raw, unparsed)
    }

    @Test func typedFields() {
        let m = Self.parse(
            """
            Metadata-Version: 2.4
            Name: Foo.Bar
            Version: 1.0
            Requires-Python: >=3.9
            License-Expression: MIT
            License-File: LICENSE
            Keywords: a, b ,c
            Classifier: Programming Language :: Python
            Classifier: Topic :: Utilities
            Requires-Dist: requests>=2
            Requires-Dist: rich; extra == "cli"
            Provides-Extra: cli
            Project-URL: Source, https://example.org/src

            # Foo

            The description.

            """)
        #expect(m.metadataVersion == "2.4")
        #expect(m.name == "Foo.Bar")
        #expect(m.requiresPython == ">=3.9")
        #expect(m.licenseExpression == "MIT")
        #expect(m.licenseFiles == ["LICENSE"])
        #expect(m.keywords == ["a", "b", "c"])
        #expect(m.classifiers.count == 2)
        #expect(m.requiresDist == ["requests>=2", "rich; extra == \"cli\""])
        #expect(m.providesExtra == ["cli"])
        #expect(m.projectURLs.map { "\($0.label)=\($0.url)" } == ["Source=https://example.org/src"])
        #expect(m.description == "# Foo\n\nThe description.\n")
        #expect(throws: Never.self) { try m.validate() }
    }

    @Test func unfoldsTheDescriptionHeader() {
        let piped = Self.parse("Metadata-Version: 1.2\nName: a\nVersion: 1\nDescription: line one\n        |\n        |    code\n        |last\n")
        #expect(piped.description == "line one\n\n    code\nlast")
        let indented = Self.parse("Metadata-Version: 1.2\nName: a\nVersion: 1\nDescription: line one\n        \n            code\n        last\n")
        #expect(indented.description == "line one\n\n    code\nlast")
        #expect(indented.value("Description") == "line one\n        \n            code\n        last")
    }

    @Test func validationReportsEveryProblemAndRefusesOnlyErrors() {
        let m = Self.parse(
            """
            Metadata-Version: 2.1
            Name: -bad-
            Version: one.two
            Name: again
            License-Expression: MIT
            Dynamic: Version
            Provides-Extra: _x
            Requires-Python:\u{20}
            Summary: one
              two

            """)
        #expect(
            Set(m.problems()) == [
                .invalidName("-bad-"), .invalidVersion("one.two"), .repeatedField(field: "Name", count: 2),
                .fieldTooNew(field: "License-Expression", introducedIn: "2.4", declared: "2.1"),
                .fieldTooNew(field: "Dynamic", introducedIn: "2.2", declared: "2.1"),
                .invalidDynamic("Version"), .invalidExtra("_x"), .invalidRequiresPython(""), .multilineSummary,
            ])
        do {
            try m.validate()
            Issue.record("invalid metadata accepted")
        } catch {
            #expect(error.problems == [.invalidName("-bad-"), .invalidVersion("one.two")])
            #expect(error.description == "invalid core metadata: Name '-bad-' is not a valid project name; Version 'one.two' is not a valid PEP 440 version")
        }
    }

    /// Validates `text`, expecting acceptance, and returns the warnings.
    static func warnings(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [MetadataProblem] {
        do {
            return try parse(text).validate()
        } catch {
            Issue.record("refused: \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    // MARK: Historical quirks that pip installs and PyPI serves: accepted, with warnings

    @Test func metadataVersion20FromOldBdistWheel() {
        // bdist_wheel before 0.31 wrote 2.0 with Provides-Extra and Description-Content-Type.
        let w = Self.warnings(
            """
            Metadata-Version: 2.0
            Name: old-wheel
            Version: 0.9.1
            Summary: A wheel from 2017
            Provides-Extra: tests
            Requires-Dist: six (>=1.9)
            Requires-Dist: pytest; extra == 'tests'
            Description-Content-Type: text/x-rst

            A body.
            """)
        #expect(w == [])
    }

    @Test(arguments: ["2.1", "2.2", "2.3"])
    func licenseFileBelow24IsAWarning(_ declared: String) {
        let w = Self.warnings("Metadata-Version: \(declared)\nName: lf\nVersion: 1.0\nLicense: MIT\nLicense-File: LICENSE\nLicense-File: NOTICE\n")
        #expect(w == [.fieldTooNew(field: "License-File", introducedIn: "2.4", declared: declared)])
        #expect(w[0].description == "field 'License-File' needs Metadata-Version 2.4 or later, but the file declares \(declared)")
    }

    @Test func descriptionContentTypeUnder12IsAWarning() {
        let w = Self.warnings(
            "Metadata-Version: 1.2\nName: future-like\nVersion: 0.18.2\nRequires-Python: >=2.6, !=3.0.*, !=3.1.*, !=3.2.*\nDescription-Content-Type: text/markdown\n"
        )
        #expect(w == [.fieldTooNew(field: "Description-Content-Type", introducedIn: "2.1", declared: "1.2")])
    }

    @Test func requiresAndProvidesOf10And11() {
        #expect(
            Self.warnings(
                "Metadata-Version: 1.1\nName: legacy\nVersion: 1.0\nRequires: os.path\nProvides: legacy\nObsoletes: oldlegacy\nClassifier: Programming Language :: Python\n"
            ) == [])
        // 1.0 had neither; they are warned, not refused.
        let w = Self.warnings("Metadata-Version: 1.0\nName: older\nVersion: 0.1\nRequires: string\nProvides: older\n")
        #expect(
            w == [
                .fieldTooNew(field: "Requires", introducedIn: "1.1", declared: "1.0"),
                .fieldTooNew(field: "Provides", introducedIn: "1.1", declared: "1.0"),
            ])
    }

    @Test func foldedAndRepeatedHeaders() {
        let m = Self.parse(
            """
            Metadata-Version: 2.1
            Name: folded
            Version: 2.0
            Summary: one line
            License: Copyright (c) Someone
                    All rights reserved.
            Home-page: https://a.example
            Home-page: https://b.example
            Requires-Dist: a
            Requires-Dist: b

            """)
        #expect(m.license == "Copyright (c) Someone\n        All rights reserved.")
        #expect(m.requiresDist == ["a", "b"])
        #expect((try? m.validate()) == [.repeatedField(field: "Home-page", count: 2)])
    }

    @Test func bodyDescription() {
        let m = Self.parse("Metadata-Version: 2.1\nName: body\nVersion: 1\nDescription-Content-Type: text/markdown\n\n# Title\n\nText: with a colon.\n")
        #expect(m.description == "# Title\n\nText: with a colon.\n")
        #expect((try? m.validate()) == [])
    }

    @Test func licenseExpression24AndImportName25() {
        #expect(Self.warnings("Metadata-Version: 2.4\nName: modern\nVersion: 3.0\nLicense-Expression: MIT OR Apache-2.0\nLicense-File: LICENSE\n") == [])
        #expect(
            Self.warnings("Metadata-Version: 2.5\nName: newest\nVersion: 1.0\nImport-Name: newest\nImport-Name: newest.sub; private\nImport-Namespace: ns\n")
                == [])
        #expect(
            Self.warnings("Metadata-Version: 2.4\nName: early\nVersion: 1.0\nImport-Name: early\n")
                == [.fieldTooNew(field: "Import-Name", introducedIn: "2.5", declared: "2.4")])
    }

    @Test func unknownHigher2xIsAccepted() {
        #expect(Self.warnings("Metadata-Version: 2.7\nName: future\nVersion: 1.0\nSome-New-Field: x\n") == [.unknownMetadataVersion("2.7")])
        #expect(Self.warnings("Metadata-Version: 1.3\nName: odd\nVersion: 1.0\n") == [.unknownMetadataVersion("1.3")])
    }

    @Test func unparseableRequiresPythonIsWarnedAndNotAdvertised() {
        let m = Self.parse("Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Python: >=3.6.*\n")
        #expect((try? m.validate()) == [.invalidRequiresPython(">=3.6.*")])
        #expect(m.usableRequiresPython == nil)
        #expect(Self.parse("Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Python: >=3.8, <4\n").usableRequiresPython == ">=3.8, <4")
    }

    // MARK: What stays refused

    @Test func missingUnsupportedAndMismatchedStayRefused() {
        #expect(throws: MetadataValidationError(problems: [.missingField("Metadata-Version"), .missingField("Name"), .missingField("Version")])) {
            try Self.parse("Summary: nothing else\n").validate()
        }
        #expect(throws: MetadataValidationError(problems: [.missingField("Version")])) {
            try Self.parse("Metadata-Version: 2.1\nName: a\n").validate()
        }
        for bad in ["3.0", "10.1", "two", "2", "2.1.1", ""] {
            #expect(throws: MetadataValidationError(problems: [.unsupportedMetadataVersion(bad)])) {
                try Self.parse("Metadata-Version: \(bad)\nName: a\nVersion: 1\n").validate()
            }
        }
        #expect(throws: MetadataValidationError(problems: [.invalidVersion("1.0-final-really")])) {
            try Self.parse("Metadata-Version: 2.1\nName: a\nVersion: 1.0-final-really\n").validate()
        }
    }

    @Test func nonUTF8IsAValidationError() {
        let bytes = Array("Metadata-Version: 2.1\nName: a\nVersion: 1\nAuthor: J".utf8) + [0xF6] + Array("rg\n".utf8)
        let m = CoreMetadata.parse(bytes)
        #expect(m.rawBytes == bytes)
        #expect(!m.isValidUTF8)
        #expect(throws: MetadataValidationError(problems: [.notUTF8])) { try m.validate() }
    }

    @Test func pep566JSON() throws {
        let m = Self.parse(
            "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nKeywords: a,b\nClassifier: X\nRequires-Dist: bar\nRequires-Dist: baz\nHome-page: https://h\n\nBody\n"
        )
        let data = try JSONEncoder().encode(m)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            NSDictionary(dictionary: json)
                == NSDictionary(dictionary: [
                    "metadata_version": "2.1", "name": "foo", "version": "1.0", "keywords": ["a", "b"],
                    "classifier": ["X"], "requires_dist": ["bar", "baz"], "home_page": "https://h", "description": "Body\n",
                ]))
    }
}
