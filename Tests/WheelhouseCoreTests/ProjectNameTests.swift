import Testing
@testable import WheelhouseCore

@Suite struct ProjectNameTests {
    @Test func agreesWithPackagingVectors() throws {
        let file = try VectorFile("names.tsv")
        var disagreements = Disagreements()
        for row in file.rows {
            let (input, normalized, valid) = (row[0], row[1], row[2] == "True")
            disagreements.check(
                ProjectName.normalize(input) == normalized,
                "normalize(\(input.debugDescription)): expected \(normalized.debugDescription), got \(ProjectName.normalize(input).debugDescription)")
            disagreements.check(
                ProjectName.isValid(input) == valid,
                "isValid(\(input.debugDescription)): expected \(valid)")
            if valid {
                let name = try? ProjectName(input)
                disagreements.check(
                    name?.normalized == normalized && name?.raw == input,
                    "ProjectName(\(input.debugDescription)) did not keep raw/normalized")
            }
        }
        disagreements.report("name", header: file.header)
    }

    @Test(arguments: [
        ("Django", "django"),
        ("zope.interface", "zope-interface"),
        ("Flask_SQLAlchemy", "flask-sqlalchemy"),
        ("a-_.-b", "a-b"),
        ("A", "a"),
    ])
    func normalizes(raw: String, normalized: String) throws {
        let name = try ProjectName(raw)
        #expect(name.normalized == normalized)
        #expect(name.description == raw)
    }

    @Test(arguments: ["", "-foo", "foo-", "foo bar", "foo+bar", "café", "_a"])
    func rejectsInvalidNames(raw: String) {
        #expect(throws: ProjectNameError.self) { try ProjectName(raw) }
        #expect(!ProjectName.isValid(raw))
    }

    @Test func errorNamesTheInput() {
        let error = ProjectNameError(name: "foo bar")
        #expect(error.description.contains("'foo bar'"))
        #expect(error.description.contains("PEP 508"))
    }

    @Test func equalityHashingAndOrderUseTheNormalizedName() throws {
        let a = try ProjectName("Foo.Bar")
        let b = try ProjectName("foo_bar")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(try ProjectName("Alpha") < ProjectName("beta"))
        #expect(!(a < b) && !(b < a))
    }
}
