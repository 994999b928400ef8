import Foundation
import Testing
import WheelhouseArchive
import WheelhouseCore
import WheelhouseTestSupport

func inspectSdistFixture(_ name: String, limits: ArchiveLimits = .default) throws -> Result<SdistInspection, ArchiveError> {
    let url = try Fixtures.url(name)
    let filename = try SdistFilename(url.lastPathComponent)
    return Result { () throws(ArchiveError) in try inspectSdist(at: url.path, filename: filename, limits: limits) }
}

func expectSdistRefusal(
    _ name: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ expected: (ArchiveError) -> Bool
) throws {
    switch try inspectSdistFixture(name) {
    case .success:
        Issue.record("\(name) was accepted", sourceLocation: sourceLocation)
    case .failure(let error):
        #expect(expected(error), "\(name): unexpected error \(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(fragment), "\(name): message '\(error)' lacks '\(fragment)'", sourceLocation: sourceLocation)
    }
}

@Suite(.tags(.endToEnd), .skippedInFastTier) struct SdistInspectionTests {
    @Test func acceptsAnSdistBuiltByBuild() throws {
        let directory = try TestSupport.makeTemporaryDirectory("wheelhouse-built-sdist")
        let built = try WheelFixtures.buildProject(name: "demo-sdist", version: "0.3", into: directory)
        let filename = try SdistFilename(built.sdist.lastPathComponent)
        let inspection = try inspectSdist(at: built.sdist.path, filename: filename, limits: .default)
        #expect(inspection.metadata.name == "demo-sdist")
        #expect(inspection.metadata.version == "0.3")
        #expect(inspection.topLevelDirectory == filename.filename.replacing(".tar.gz", with: ""))
        #expect(inspection.fileCount >= 3)
    }

    @Test func acceptsHandMadeTarGzAndZip() throws {
        for name in ["sdist_good", "sdist_good_zip"] {
            let inspection = try inspectSdistFixture(name).get()
            #expect(inspection.metadata.name == "demo_pkg")
            #expect(inspection.fileCount == 3)
            #expect(inspection.topLevelDirectory == "demo_pkg-1.0")
        }
    }

    @Test func refusesBrokenAndHostileSdists() throws {
        try expectSdistRefusal("sdist_missing_pkg_info", "required file 'demo_pkg-1.0/PKG-INFO' is missing") {
            $0 == .missingRequiredFile(entry: "demo_pkg-1.0/PKG-INFO")
        }
        try expectSdistRefusal("sdist_dotdot", "escapes the archive root") {
            $0 == .unsafePath(entry: "demo_pkg-1.0/../../evil.py", reason: "escapes the archive root")
        }
        try expectSdistRefusal("sdist_absolute", "is an absolute path") {
            $0 == .unsafePath(entry: "/tmp/evil.py", reason: "is an absolute path")
        }
        try expectSdistRefusal("sdist_outside_top", "entry 'other/evil.py' is outside the sdist's top-level directory 'demo_pkg-1.0/'") {
            $0 == .outsideTopLevelDirectory(entry: "other/evil.py", expected: "demo_pkg-1.0")
        }
        try expectSdistRefusal("sdist_symlink", "is a symbolic or hard link") { $0 == .link(entry: "demo_pkg-1.0/link") }
        try expectSdistRefusal("sdist_hardlink", "is a symbolic or hard link") { $0 == .link(entry: "demo_pkg-1.0/hard") }
        try expectSdistRefusal("sdist_device", "is a device, FIFO or socket") { $0 == .specialFile(entry: "demo_pkg-1.0/null") }
        try expectSdistRefusal("sdist_name_mismatch", "says Name: other") {
            $0 == .nameMismatch(entry: "demo_pkg-1.0/PKG-INFO", filename: "demo-pkg", metadata: "other")
        }
        try expectSdistRefusal("sdist_bomb", "refusing a likely zip bomb") {
            if case .compressionRatio("demo_pkg-1.0/zeros.bin", _, _) = $0 { true } else { false }
        }
    }
}
