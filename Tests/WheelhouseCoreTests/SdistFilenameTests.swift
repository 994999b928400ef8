import Testing
@testable import WheelhouseCore

@Suite struct SdistFilenameTests {
    /// Every row of `Vectors/sdist_filenames.tsv` (filename, hint, expectation).
    @Test func matchesGeneratedVectors() throws {
        let rows = try VectorFile("sdist_filenames.tsv").rows
        #expect(rows.count >= 600)
        for row in rows {
            let (filename, hint) = (row[0], row[1] == "-" ? nil : row[1])
            let result = Result { () throws(FilenameError) in try SdistFilename(filename, projectHint: hint) }
            switch (row[2], result) {
            case ("ok", .success(let sdist)):
                #expect(sdist.normalizedName == row[3], "\(filename)")
                #expect(sdist.version == (try Version(row[4])), "\(filename)")
            case ("error", .failure(let error)):
                #expect(WheelFilenameTests.kind(error) == row[3], "\(filename) [\(hint ?? "-")]: \(error)")
            default:
                Issue.record("\(filename) [\(hint ?? "-")]: expected \(row[2...]), got \(result)")
            }
        }
    }

    @Test func legacySpellingsAndHints() throws {
        let legacy = try SdistFilename("Foo-Bar-1.0.tar.gz")
        #expect(legacy.name == "Foo-Bar")
        #expect(legacy.normalizedName == "foo-bar")
        #expect(legacy.format == .tarGz)
        let ambiguous = try SdistFilename("foo-bar-1.0-1.zip")
        #expect(ambiguous.normalizedName == "foo-bar-1-0")
        #expect(ambiguous.version == (try Version("1")))
        let hinted = try SdistFilename("foo-bar-1.0-1.zip", projectHint: "Foo_Bar")
        #expect(hinted.normalizedName == "foo-bar")
        #expect(hinted.version == (try Version("1.0.post1")))
        #expect(hinted.format == .zip)
        #expect(throws: FilenameError.projectMismatch(filename: "foo-bar-1.0-1.zip", project: "baz")) {
            try SdistFilename("foo-bar-1.0-1.zip", projectHint: "baz")
        }
    }

    @Test func refusesOtherFormatsWithAReason() {
        for filename in ["foo-1.0.tar.bz2", "foo-1.0.egg", "foo-1.0.win32.exe", "foo-1.0-1.noarch.rpm", "foo-1.0.msi", "foo-1.0.tgz"] {
            do {
                _ = try SdistFilename(filename)
                Issue.record("\(filename) was accepted")
            } catch {
                #expect(error == .unsupportedExtension(filename: filename))
                #expect(error.description == "'\(filename)' is not a wheel or sdist: Wheelhouse accepts .whl, .tar.gz and .zip")
            }
        }
    }
}
