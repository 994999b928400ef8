import Testing
@testable import WheelhouseCore

@Suite struct SpecifierTests {
    private static func prereleases(_ text: String) -> Bool? {
        switch text {
        case "True": true
        case "False": false
        default: nil
        }
    }

    @Test func containsAgreesWithPackagingVectors() throws {
        let file = try VectorFile("specifiers.tsv")
        var disagreements = Disagreements()
        for row in file.rows {
            let (setText, versionText, pre, expected, str) = (row[0], row[1], row[2], row[3], row[4])
            let set = try? SpecifierSet(setText)
            guard expected != "invalid" else {
                disagreements.check(set == nil, "\(setText.debugDescription) should be invalid, parsed as \(set?.description ?? "")")
                continue
            }
            guard let set else {
                disagreements.check(false, "\(setText.debugDescription) should parse")
                continue
            }
            let actual = set.contains(versionText, prereleases: Self.prereleases(pre))
            disagreements.check(
                "\(actual ? "True" : "False")" == expected,
                "SpecifierSet(\(setText.debugDescription)).contains(\(versionText.debugDescription), prereleases: \(pre)): expected \(expected)")
            disagreements.check(
                set.description == str, "str(\(setText.debugDescription)): expected \(str.debugDescription), got \(set.description.debugDescription)")
        }
        disagreements.report("specifier", header: file.header)
    }

    @Test func filterAgreesWithPackagingVectors() throws {
        let file = try VectorFile("specifier_filters.tsv")
        var disagreements = Disagreements()
        for row in file.rows {
            let set = try SpecifierSet(row[0])
            let versions = try row[2].split(separator: ",").map { try Version(String($0)) }
            let actual = set.filter(versions, prereleases: Self.prereleases(row[1]))
                .map(\.description).joined(separator: ",")
            disagreements.check(
                actual == row[3],
                "SpecifierSet(\(row[0].debugDescription)).filter([\(row[2])], prereleases: \(row[1])): expected [\(row[3])], got [\(actual)]")
        }
        disagreements.report("specifier filter", header: file.header)
    }

    @Test(arguments: [
        (">=1.0", "1.0", true), (">=1.0", "0.9", false),
        ("==1.0", "1.0.0", true), ("==1.0", "1.0+local", true), ("==1.0+local", "1.0", false),
        ("==1.2.*", "1.2.7", true), ("==1.2.*", "1.3", false), ("!=1.2.*", "1.2.0", false),
        ("~=1.4.5", "1.4.9", true), ("~=1.4.5", "1.5.0", false), ("~=1.4", "1.9", true),
        ("<1.0", "1.0rc1", false), ("<1.0rc2", "1.0rc1", true), (">1.0", "1.0.post1", false),
        (">1.0.post1", "1.0.post2", true), (">1.0", "1.0+local", false), ("<=1.0", "1.0+local", true),
        ("===1.0", "1.0", true), ("===1.0", "1.0.0", false), ("===foobar", "FooBar", true),
        ("", "1.0a1", true), (">=1.0,<2", "1.5", true), (">=1.0, <2", "2.0", false),
    ])
    func contains(set: String, version: String, expected: Bool) throws {
        #expect(try SpecifierSet(set).contains(version) == expected)
    }

    @Test func prereleasePolicy() throws {
        let set = try SpecifierSet(">=1.0")
        let pre = try Version("2.0a1")
        #expect(set.contains(pre, prereleases: true))
        #expect(!set.contains(pre, prereleases: false))
        // A lone candidate has no final release beside it, so packaging 26 accepts it.
        #expect(set.contains(pre))
        let versions = try ["1.0", "2.0a1", "1.5"].map(Version.init)
        #expect(set.filter(versions).map(\.description) == ["1.0", "1.5"])
        #expect(set.filter(versions, prereleases: true).count == 3)
        #expect(try set.filter([Version("2.0a1"), Version("3.0b1")]).count == 2)
        #expect(try SpecifierSet(">=1.0a1").filter(versions).count == 3)
    }

    @Test(arguments: [
        ("foo", "does not start with an operator"),
        (">=1.0.*", "only '==' and '!=' allow"),
        (">=1.0+local", "local version label"),
        ("~=1", "at least two release segments"),
        ("==1.0.x", "valid PEP 440 version"),
    ])
    func rejectsWithAnExplanation(text: String, explanation: String) {
        #expect {
            try SpecifierSet(">=0.1, \(text)")
        } throws: { error in
            guard let error = error as? SpecifierError else { return false }
            return error.invalid == [text] && error.description.contains("'\(text)'")
                && error.description.contains(explanation)
        }
    }

    @Test func reportsEveryInvalidClause() {
        #expect(throws: SpecifierError(input: "foo, >=1, bar", invalid: ["foo", "bar"])) {
            try SpecifierSet("foo, >=1, bar")
        }
    }

    @Test func normalizedDescriptionAndEquality() throws {
        let set = try SpecifierSet(" >=1.0 , !=1.5, >= 1.0.0,<2 ")
        #expect(set.description == "!=1.5,<2,>=1.0")
        #expect(try set == SpecifierSet("<2,!=1.5.0,>=1"))
        #expect(try SpecifierSet("").description == "")
        #expect(try Specifier("== 1.0").description == "==1.0")
        #expect(try Specifier("==1.0") == Specifier("==1.0.0"))
        #expect(try Specifier("~=1.0") != Specifier("~=1.0.0"))
    }
}
