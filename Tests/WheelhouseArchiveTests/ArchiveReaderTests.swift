import Testing
@testable import WheelhouseArchive

@Suite struct ArchiveReaderTests {
    @Test func pathRules() throws {
        #expect(try ArchiveReader.checkedPath("pkg/module.py") == "pkg/module.py")
        #expect(try ArchiveReader.checkedPath("pkg/sub/") == "pkg/sub")
        let refused: [(String, String)] = [
            ("../x", "escapes the archive root"), ("a/../../x", "escapes the archive root"),
            ("/x", "is an absolute path"), ("C:/x", "is an absolute path"), ("a\\b", "contains a backslash"),
            ("a//b", "has an empty or '.' path component"), ("./a", "has an empty or '.' path component"),
            ("a\u{1}b", "contains control characters"),
        ]
        for (path, reason) in refused {
            #expect(throws: ArchiveError.unsafePath(entry: path, reason: reason)) { try ArchiveReader.checkedPath(path) }
        }
    }

    @Test func recordParsing() throws {
        let record = try WheelRecord(Array("a.py,sha256=abc,3\r\n\"we,ird\"\"name.py\",sha256=def,4\nx/RECORD,,\n".utf8), entry: "x/RECORD")
        #expect(record.rows.map(\.path) == ["a.py", "we,ird\"name.py", "x/RECORD"])
        #expect(record.rows.map(\.hash) == ["sha256=abc", "sha256=def", ""])
        #expect(throws: ArchiveError.malformedRecord(entry: "x/RECORD", line: 1, message: "expected 3 fields (path,hash,size), found 2")) {
            try WheelRecord(Array("a.py,sha256=abc\n".utf8), entry: "x/RECORD")
        }
    }

    @Test func urlsafeBase64WithoutPadding() {
        #expect(WheelRecord.urlsafeBase64([0xFB, 0xFF]) == "-_8")
    }
}
