import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseArchive

/// The zip writer (libarchive) read back by the zip reader pip-compatible checks use.
@Suite struct ZipWriterTests {
    @Test func writesAFlatZipTheReaderReadsBack() throws {
        let file = try TestSupport.makeTemporaryDirectory("zipwriter").appendingPathComponent("out.zip")
        let members: [(String, [UInt8])] = [
            ("wheels/a-1.0-py3-none-any.whl", (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }),
            ("wheels/empty.txt", []),
            ("wheels/requirements.txt", Array("a==1.0\n".utf8)),
        ]
        let zip = try ZipWriter(path: file.path)
        for (name, bytes) in members {
            try zip.beginEntry(name, size: Int64(bytes.count))
            // In uneven chunks, as a store hands them over.
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + 65_537)
                try bytes[offset..<end].withUnsafeBytes { try zip.write($0) }
                offset = end
            }
        }
        try zip.close()

        let reader = try ArchiveReader(path: file.path, format: .zip, limits: ArchiveLimits())
        var read: [(String, [UInt8])] = []
        while let entry = try reader.next() {
            var bytes: [UInt8] = []
            try reader.readData { bytes.append(contentsOf: $0) }
            read.append((entry.path, bytes))
        }
        #expect(read.map(\.0) == members.map(\.0))
        #expect(read.map(\.1) == members.map(\.1))

        // The same members give the same bytes.
        let again = file.deletingLastPathComponent().appendingPathComponent("again.zip")
        let second = try ZipWriter(path: again.path)
        for (name, bytes) in members {
            try second.beginEntry(name, size: Int64(bytes.count))
            try second.write(Data(bytes))
        }
        try second.close()
        #expect(try Data(contentsOf: file) == Data(contentsOf: again))
    }

    @Test func refusesAnEntryOfAnotherSizeThanDeclared() throws {
        let directory = try TestSupport.makeTemporaryDirectory("zipwriter-size")
        let short = try ZipWriter(path: directory.appendingPathComponent("short.zip").path)
        try short.beginEntry("a", size: 4)
        try short.write(Data("ab".utf8))
        #expect(throws: ZipWriter.WriteError.sizeMismatch(entry: "a", declared: 4, written: 2)) { try short.close() }

        let long = try ZipWriter(path: directory.appendingPathComponent("long.zip").path)
        try long.beginEntry("b", size: 1)
        #expect(throws: ZipWriter.WriteError.sizeMismatch(entry: "b", declared: 1, written: 3)) { try long.write(Data("abc".utf8)) }
    }

    @Test func aFolderThatDoesNotExistIsAClearError() {
        #expect(throws: ZipWriter.WriteError.self) { try ZipWriter(path: "/nonexistent-\(UUID().uuidString)/x.zip") }
    }
}
