import Testing
@testable import WheelhouseCore

@Suite struct WheelFilenameTests {
    /// Every row of `Vectors/wheel_filenames.tsv`, generated from packaging's
    /// `parse_wheel_filename` by `generate_filenames.py`.
    @Test func matchesPackagingVectors() throws {
        let rows = try VectorFile("wheel_filenames.tsv").rows
        #expect(rows.count >= 1_200)
        for row in rows {
            let filename = row[0]
            let result = Result { () throws(FilenameError) in try WheelFilename(filename) }
            switch (row[1], result) {
            case ("ok", .success(let wheel)):
                #expect(wheel.normalizedName == row[2], "\(filename)")
                #expect(wheel.version == (try Version(row[3])), "\(filename)")
                let build = wheel.buildTag.map { ["\($0.number)", $0.suffix.isEmpty ? "-" : $0.suffix] } ?? ["-", "-"]
                #expect(build == [row[4], row[5]], "\(filename)")
                #expect(wheel.tags.map(\.description).sorted().joined(separator: ",") == row[6], "\(filename)")
            case ("error", .failure(let error)):
                #expect(Self.kind(error) == row[2], "\(filename): \(error)")
            default:
                Issue.record("\(filename): expected \(row[1...]), got \(result)")
            }
        }
    }

    static func kind(_ error: FilenameError) -> String {
        switch error {
        case .unsafeCharacters: "unsafe"
        case .unsupportedExtension: "extension"
        case .wrongPartCount: "parts"
        case .invalidName: "name"
        case .invalidVersion: "version"
        case .invalidBuildTag: "build"
        case .invalidTag(_, .tooManyTags): "toomany"
        case .invalidTag: "tag"
        case .projectMismatch: "hint"
        }
    }

    @Test func exposesPartsAsWritten() throws {
        let wheel = try WheelFilename("Foo_Bar-1.0-1abc-py2.py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
        #expect(wheel.name == "Foo_Bar")
        #expect(wheel.normalizedName == "foo-bar")
        #expect(wheel.buildTag == BuildTag(number: 1, suffix: "abc"))
        #expect(wheel.pythonTags == ["py2", "py3"])
        #expect(wheel.abiTags == ["none"])
        #expect(wheel.platformTags == ["manylinux_2_17_x86_64", "manylinux2014_x86_64"])
        #expect(wheel.tags.count == 4)
        #expect(wheel.tags.first == Tag(interpreter: "py2", abi: "none", platform: "manylinux_2_17_x86_64"))
    }

    @Test func messagesNameTheProblem() {
        let cases: [(String, String)] = [
            ("foo-1.0-abc-py3-none-any.whl", "build tag 'abc': it must start with a digit"),
            ("foo-1.0.x-py3-none-any.whl", "invalid version '1.0.x'"),
            ("foo-1.0-py3-none.whl", "expected {name}-{version}"),
            ("../foo-1.0-py3-none-any.whl", "not a safe filename"),
            ("foo-1.0-py3-none-any\u{0}.whl", "not a safe filename"),
            ("_foo-1.0-py3-none-any.whl", "invalid project name '_foo'"),
            ("foo-1.0-py3-none-any.egg", "is not a wheel or sdist"),
        ]
        for (filename, fragment) in cases {
            do {
                _ = try WheelFilename(filename)
                Issue.record("\(filename) was accepted")
            } catch {
                #expect(error.description.contains(fragment), "\(error)")
                #expect(error.filename == filename)
            }
        }
    }

    @Test func refusesBuildNumbersThatDoNotFit() {
        #expect(throws: FilenameError.invalidBuildTag(filename: "foo-1.0-99999999999999999999-py3-none-any.whl", buildTag: "99999999999999999999")) {
            try WheelFilename("foo-1.0-99999999999999999999-py3-none-any.whl")
        }
    }

    /// Issue 13: quotes and markup in tags or build tags were accepted.
    @Test func refusesTagsAndBuildTagsWithCharactersOutsidePEP425() {
        let refused = [
            "x-1.0-1\"onmouseover=alert(1)-py3-none-any.whl",
            "x-1.0-py3-none\"-any.whl",
            "x-1.0-py3-none-any'.whl",
            "x-1.0-py3-abi3-linux<b>_x86_64.whl",
            "x-1.0-py3-none-any.linux=x86.whl",
        ]
        for filename in refused {
            #expect(throws: FilenameError.self, "\(filename)") { try WheelFilename(filename) }
        }
        #expect(
            throws: FilenameError.invalidTag(
                filename: "x-1.0-py3-none-man(y).whl", .invalidCharacters(tagSet: "py3-none-man(y)", component: "man(y)"))
        ) {
            try WheelFilename("x-1.0-py3-none-man(y).whl")
        }
        // What real wheels use stays accepted.
        for filename in [
            "numpy-2.1.0-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "x-1.0-1.2_b-py2.py3-none-any.whl",
            "x-1.0-cp37-cp37m-macosx_10_9_universal2.whl", "x-1.0-py3-none-win_amd64.whl",
        ] {
            #expect(throws: Never.self, "\(filename)") { try WheelFilename(filename) }
        }
    }

    @Test func buildTagsSortByNumberThenSuffix() {
        #expect(BuildTag(number: 2, suffix: "") < BuildTag(number: 10, suffix: ""))
        #expect(BuildTag(number: 1, suffix: "a") < BuildTag(number: 1, suffix: "b"))
    }
}
