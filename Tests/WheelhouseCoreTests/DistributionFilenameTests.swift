import Testing
@testable import WheelhouseCore

@Suite struct DistributionFilenameTests {
    @Test func wheelsAndSdistsByExtension() throws {
        let wheel = try DistributionFilename("six-1.16.0-py2.py3-none-any.whl")
        #expect(wheel.packageType == "bdist_wheel")
        #expect(wheel.pythonTag == "py2.py3")
        #expect(wheel.normalizedName == "six")
        #expect(wheel.version == (try Version("1.16.0")))
        #expect(wheel.filename == "six-1.16.0-py2.py3-none-any.whl")
        guard case .wheel = wheel else { Issue.record("not a wheel"); return }

        let sdist = try DistributionFilename("Foo.Bar-2.0.tar.gz")
        #expect(sdist.packageType == "sdist")
        #expect(sdist.pythonTag == "source")
        #expect(sdist.normalizedName == "foo-bar")
        #expect(sdist.version == (try Version("2.0")))
        guard case .sdist = sdist else { Issue.record("not an sdist"); return }
    }

    @Test func projectHint() throws {
        #expect(try DistributionFilename("foo-bar-1.0-1.tar.gz", projectHint: "foo-bar").version == Version("1.0.post1"))
        #expect(throws: FilenameError.projectMismatch(filename: "six-1.0-py3-none-any.whl", project: "seven")) {
            try DistributionFilename("six-1.0-py3-none-any.whl", projectHint: "seven")
        }
    }

    @Test func refusesEverythingElse() {
        for filename in ["foo-1.0.egg", "foo-1.0.tar.bz2", "foo-1.0.exe", "foo-1.0.tgz", "foo-1.0.rpm", "foo-1.0.msi"] {
            #expect(throws: FilenameError.unsupportedExtension(filename: filename)) { try DistributionFilename(filename) }
        }
        #expect(throws: FilenameError.unsafeCharacters(filename: "a/b-1.0.tar.gz")) { try DistributionFilename("a/b-1.0.tar.gz") }
    }
}
