import Testing
@testable import WheelhouseCore

@Suite struct VersionTests {
    @Test func parsingAgreesWithPackagingVectors() throws {
        let file = try VectorFile("versions.tsv")
        var disagreements = Disagreements()
        for row in file.rows {
            let input = row[0]
            let version = try? Version(input)
            guard row[1] == "True" else {
                disagreements.check(version == nil, "\(input.debugDescription) should be invalid, parsed as \(version?.description ?? "")")
                continue
            }
            guard let version else {
                disagreements.check(false, "\(input.debugDescription) should parse as \(row[2])")
                continue
            }
            let actual = [
                version.description, "\(version.isPrerelease ? "True" : "False")",
                "\(version.isPostrelease ? "True" : "False")", "\(version.isDevrelease ? "True" : "False")",
                version.publicVersion, version.baseVersion,
            ]
            let expected = Array(row[2...7])
            disagreements.check(actual == expected, "\(input.debugDescription): expected \(expected), got \(actual)")
        }
        disagreements.report("version", header: file.header)
    }

    @Test func orderingAgreesWithPackagingVectors() throws {
        let file = try VectorFile("version_order.tsv")
        var disagreements = Disagreements()
        for row in file.rows {
            guard let a = try? Version(row[0]), let b = try? Version(row[1]) else {
                disagreements.check(false, "could not parse \(row[0]) or \(row[1])")
                continue
            }
            let cmp = a < b ? -1 : (a == b ? 0 : 1)
            disagreements.check(
                "\(cmp)" == row[2] && (a > b) == (row[2] == "1") && (a != b || a.hashValue == b.hashValue),
                "compare(\(row[0]), \(row[1])): expected \(row[2]), got \(cmp)")
        }
        disagreements.report("version order", header: file.header)
    }

    @Test(arguments: [
        ("1.0", "1.0"),
        ("v1.0", "1.0"),
        (" 1.0\n", "1.0"),
        ("1.0-1", "1.0.post1"),
        ("1.0_ALPHA-2", "1.0a2"),
        ("1.0c1", "1.0rc1"),
        ("1.0preview", "1.0rc0"),
        ("1.0.r", "1.0.post0"),
        ("1.0-dev", "1.0.dev0"),
        ("1!2.0.post3.dev4+Ubuntu-01_x", "1!2.0.post3.dev4+ubuntu.1.x"),
        ("01.002", "1.2"),
    ])
    func normalizes(input: String, normalized: String) throws {
        #expect(try Version(input).description == normalized)
    }

    @Test(arguments: ["", "1.0.x", "1..0", "1.0+", "1.0-", "a", "1.0.*", "1!", "1.0 a1"])
    func rejects(input: String) {
        #expect(throws: VersionError.self) { try Version(input) }
        #expect(!Version.isValid(input))
    }

    @Test func errorMessageNamesTheInput() {
        #expect(throws: VersionError(input: "1.0.x", reason: .invalidSyntax)) { try Version("1.0.x") }
        #expect(
            VersionError(input: "1.0.x", reason: .invalidSyntax).description
                == "'1.0.x' is not a valid PEP 440 version")
    }

    @Test func rejectsNumbersBeyond64Bits() throws {
        #expect(throws: VersionError(input: "1.99999999999999999999", reason: .numberTooLarge("99999999999999999999"))) {
            try Version("1.99999999999999999999")
        }
        #expect(try Version("1.0+99999999999999999999999").local == "99999999999999999999999")
    }

    @Test func exposesSegments() throws {
        let v = try Version("2!1.2.3rc4.post5.dev6+abc.07")
        #expect(v.epoch == 2)
        #expect(v.release == [1, 2, 3])
        #expect(v.pre == Version.PreRelease(kind: .releaseCandidate, number: 4))
        #expect(v.post == 5)
        #expect(v.dev == 6)
        #expect(v.local == "abc.7")
        #expect(v.isPrerelease && v.isPostrelease && v.isDevrelease)
        #expect(v.publicVersion == "2!1.2.3rc4.post5.dev6")
        #expect(v.baseVersion == "2!1.2.3")
    }

    @Test(arguments: [
        ("1.0.dev1", "1.0a1"), ("1.0a1", "1.0b1"), ("1.0b1", "1.0rc1"), ("1.0rc1", "1.0"),
        ("1.0", "1.0+local"), ("1.0+local", "1.0.post1"), ("1.0.post1.dev1", "1.0.post1"),
        ("1.0+abc", "1.0+1"), ("1.0+2", "1.0+10"), ("1.0+1", "1.0+1.0"), ("1.9", "1.10"),
        ("1!0.1", "1!0.2"), ("99", "1!0"), ("1.0a1.dev1", "1.0a1"),
    ])
    func orders(lower: String, higher: String) throws {
        #expect(try Version(lower) < Version(higher))
        #expect(try Version(higher) > Version(lower))
    }

    @Test func equalityIgnoresTrailingZerosAndSpelling() throws {
        #expect(try Version("1.0") == Version("1.0.0"))
        #expect(try Version("1.0") == Version("v1"))
        #expect(try Version("1.0a") == Version("1.0alpha0"))
        #expect(try Set([Version("1"), Version("1.0"), Version("1.0.0.0")]).count == 1)
        #expect(try Version("1.0+01") == Version("1.0+1"))
    }
}
