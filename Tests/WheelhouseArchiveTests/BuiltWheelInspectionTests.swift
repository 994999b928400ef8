import Foundation
import Testing
@testable import WheelhouseArchive
import WheelhouseCore
import WheelhouseTestSupport

/// Wheels and sdists written in-process by `WheelBuilder` (no Python): what it writes is accepted,
/// and the RECORD disagreements it can write are refused with the errors pip's rules call for.
@Suite struct BuiltWheelInspectionTests {
    let directory: URL

    init() throws {
        directory = try TestSupport.makeTemporaryDirectory("wheelhouse-built-wheels")
    }

    func inspect(_ builder: WheelBuilder) throws -> Result<WheelInspection, ArchiveError> {
        let url = try builder.writeWheel(in: directory)
        let filename = try WheelFilename(url.lastPathComponent)
        return Result { () throws(ArchiveError) in try inspectWheel(at: url.path, filename: filename) }
    }

    @Test func aBuiltWheelIsAcceptedWithItsMetadata() throws {
        var builder = WheelBuilder("Demo.Project", "1.2")
        builder.requiresPython = ">=3.9"
        builder.requiresDist = ["requests>=2", "rich; extra == 'cli'"]
        builder.providesExtra = ["cli"]
        builder.headers = ["License-File: LICENSE"]
        builder.files = [("demo_project/data.txt", Data("hello\n".utf8))]
        let url = try builder.writeWheel(in: directory)
        #expect(url.lastPathComponent == "demo_project-1.2-py3-none-any.whl")
        let inspection = try inspectWheel(at: url.path, filename: try WheelFilename(url.lastPathComponent))
        #expect(inspection.metadata.name == "Demo.Project")
        #expect(inspection.metadata.metadataVersion == "2.1")
        #expect(inspection.metadata.requiresPython == ">=3.9")
        #expect(inspection.metadata.requiresDist == ["requests>=2", "rich; extra == 'cli'"])
        #expect(inspection.metadata.providesExtra == ["cli"])
        #expect(inspection.distInfoDirectory == "demo_project-1.2.dist-info")
        #expect(inspection.wheelVersion == "1.0")
        #expect(inspection.wheelFields.filter { $0.name == "Tag" }.map(\.value) == ["py3-none-any"])
        // __init__.py, data.txt, METADATA, WHEEL, RECORD; RECORD lists all of them.
        #expect(inspection.fileCount == 5)
        #expect(inspection.recordEntries == 5)
        #expect(inspection.metadataBytes == Array(builder.metadataText().utf8))
    }

    @Test func anIncompressiblePayloadIsStoredAndCounted() throws {
        var builder = WheelBuilder("big", "1.0")
        builder.payload = 300 << 10
        let url = try builder.writeWheel(in: directory)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(size > 300 << 10, "stored, not deflated")
        let inspection = try inspect(builder).get()
        #expect(inspection.uncompressedSize > 300 << 10)
        #expect(inspection.fileCount == 5)
    }

    @Test func aCompressedTagSetIsExpandedInWHEEL() throws {
        var builder = WheelBuilder("numpyish", "2.1.0")
        builder.tag = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
        let inspection = try inspect(builder).get()
        #expect(
            inspection.wheelFields.filter { $0.name == "Tag" }.map(\.value)
                == ["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"])
        #expect(inspection.wheelFields.contains { $0.name == "Root-Is-Purelib" && $0.value == "false" })
    }

    @Test func recordDisagreementsAreRefused() throws {
        let data = Data(String(repeating: "data ", count: 12).utf8)
        var base = WheelBuilder("demo_pkg", "1.0")
        base.files = [("demo_pkg/data.txt", data)]
        base.missingFromRecord = ["demo_pkg/data.txt"]

        var tampered = base
        tampered.extraRecordLines = ["demo_pkg/data.txt,\(WheelBuilder.recordDigest(Data("other".utf8))),\(data.count)"]
        if case .failure(.hashMismatch(let entry, _, _)) = try inspect(tampered) {
            #expect(entry == "demo_pkg/data.txt")
        } else {
            Issue.record("a tampered hash was not refused as a hash mismatch")
        }

        var wrongSize = base
        wrongSize.extraRecordLines = ["demo_pkg/data.txt,\(WheelBuilder.recordDigest(data)),999"]
        #expect(try inspect(wrongSize).failure == .sizeMismatch(entry: "demo_pkg/data.txt", recorded: 999, actual: 60))

        var unhashed = base
        unhashed.extraRecordLines = ["demo_pkg/data.txt,,60"]
        #expect(try inspect(unhashed).failure == .missingHash(entry: "demo_pkg/data.txt"))

        #expect(try inspect(base).failure == .missingFromRecord(entry: "demo_pkg/data.txt"))

        var missing = WheelBuilder("demo_pkg", "1.0")
        missing.extraRecordLines = ["demo_pkg/gone.py,\(WheelBuilder.recordDigest(data)),60"]
        #expect(try inspect(missing).failure == .missingFromArchive(entry: "demo_pkg/gone.py"))
    }

    @Test func metadataThatDisagreesWithTheFilenameIsRefused() throws {
        let url = try WheelBuilder("demo_pkg", "1.0").writeWheel(in: directory)
        // The same bytes under another version's filename.
        let moved = directory.appendingPathComponent("elsewhere/demo_pkg-2.0-py3-none-any.whl")
        try FileManager.default.createDirectory(at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: url, to: moved)
        #expect(throws: ArchiveError.self) {
            try inspectWheel(at: moved.path, filename: try WheelFilename(moved.lastPathComponent))
        }
    }

    @Test func aBuiltSdistIsAccepted() throws {
        var builder = WheelBuilder("demo-sdist", "0.3")
        builder.requiresDist = ["attrs"]
        let url = try builder.writeSdist(in: directory)
        #expect(url.lastPathComponent == "demo_sdist-0.3.tar.gz")
        let inspection = try inspectSdist(at: url.path, filename: try SdistFilename(url.lastPathComponent))
        #expect(inspection.metadata.name == "demo-sdist")
        #expect(inspection.metadata.metadataVersion == "2.2")
        #expect(inspection.metadata.requiresDist == ["attrs"])
        #expect(inspection.topLevelDirectory == "demo_sdist-0.3")
        #expect(inspection.fileCount == 2)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
