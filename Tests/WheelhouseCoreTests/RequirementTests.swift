import Testing
@testable import WheelhouseCore

@Suite struct RequirementTests {
    @Test func agreesWithPackagingVectors() throws {
        let file = try VectorFile("requirements.tsv")
        var disagreements = Disagreements()
        for row in file.rows {
            let (input, status) = (row[0], row[1])
            let result = Result { () throws(RequirementError) in try Requirement(input) }
            switch (status, result) {
            case ("valid", .success(let requirement)):
                let actual = [
                    requirement.name.normalized, requirement.extras.joined(separator: ","),
                    requirement.specifier.description, requirement.marker?.description ?? "",
                    requirement.description,
                ]
                let expected = Array(row[2...6])
                disagreements.check(actual == expected, "\(input.debugDescription): expected \(expected), got \(actual)")
            case ("url", .failure(let error)):
                guard case .directURL = error.reason else {
                    disagreements.check(false, "\(input.debugDescription): expected a direct URL refusal, got \(error)")
                    continue
                }
                disagreements.check(true, "")
            case ("badname", .failure(let error)):
                guard case .invalidName = error.reason else {
                    disagreements.check(false, "\(input.debugDescription): expected an invalid name, got \(error)")
                    continue
                }
                disagreements.check(true, "")
            case ("invalid", .failure):
                disagreements.check(true, "")
            case (_, .success(let requirement)):
                disagreements.check(false, "\(input.debugDescription): expected \(status), parsed as \(requirement)")
            case (_, .failure(let error)):
                disagreements.check(false, "\(input.debugDescription): expected \(status), got \(error)")
            }
        }
        disagreements.report("requirement", header: file.header)
    }

    @Test func exposesParts() throws {
        let requirement = try Requirement("Requests [Socks_Proxy, security] (>=2.0, <3) ; python_version >= '3.8'")
        #expect(requirement.name == (try ProjectName("requests")))
        #expect(requirement.name.raw == "Requests")
        #expect(requirement.extras == ["security", "socks-proxy"])
        #expect(requirement.specifier == (try SpecifierSet(">=2.0,<3")))
        #expect(requirement.marker == (try Marker("python_version >= \"3.8\"")))
        #expect(requirement.description == "Requests[Socks_Proxy,security]<3,>=2.0; python_version >= \"3.8\"")
    }

    @Test(arguments: [
        ("requests", "requests"),
        ("requests>=2.0", "requests>=2.0"),
        ("requests ( >=2.0 , <3 )", "requests<3,>=2.0"),
        ("foo;os_name=='nt'", "foo; os_name == \"nt\""),
        ("foo[bar,bar]", "foo[bar]"),
    ])
    func normalizedDescription(input: String, expected: String) throws {
        #expect(try Requirement(input).description == expected)
    }

    @Test func refusesDirectURLs() {
        #expect {
            try Requirement("pkg @ https://example.com/pkg-1.0.whl")
        } throws: { error in
            guard let error = error as? RequirementError, case .directURL(let url) = error.reason else { return false }
            return url == "https://example.com/pkg-1.0.whl"
                && error.description.contains("direct URL reference")
                && error.description.contains("not supported in a package index")
        }
    }

    @Test(arguments: [
        ("", "expected a package name"),
        ("foo bar", "semicolon"),
        ("foo[bar", "expected ']'"),
        ("foo[bar baz]", "comma between extra names"),
        ("foo>=1.0.*", "'.*' suffix"),
        ("foo>=1.0+local", "local version label"),
        ("foo (>=1.0", "expected ')'"),
        ("foo_", "not a valid project name"),
        ("foo; os_name ==", "not a valid environment marker"),
        ("foo===a,b", "not a valid version specifier"),
    ])
    func rejectsWithAReason(input: String, reason: String) {
        #expect {
            try Requirement(input)
        } throws: { error in
            guard let error = error as? RequirementError else { return false }
            return error.input == input && error.description.contains(reason)
        }
    }
}
