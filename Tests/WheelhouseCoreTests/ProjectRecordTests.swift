import Foundation
import Testing

@testable import WheelhouseCore

@Suite struct ProjectRecordTests {
    static func file(
        _ filename: String, version: String = "1.0", sha: Character = "a", metadata: Character? = "b",
        requiresPython: String? = ">=3.8", time: TimeInterval = 1_704_164_645.123456
    ) -> FileRecord {
        FileRecord(
            filename: filename, version: version, packageType: filename.hasSuffix(".whl") ? "bdist_wheel" : "sdist",
            sha256: String(repeating: sha, count: 64), size: 1234, uploadTime: Date(timeIntervalSince1970: time),
            requiresPython: requiresPython, metadataSha256: metadata.map { String(repeating: $0, count: 64) },
            pythonTag: filename.hasSuffix(".whl") ? "py3" : "source")
    }

    static let empty = ProjectRecord(name: "demo-pkg", displayName: "Demo_Pkg")

    @Test func addingKeepsFilesSortedByFilename() throws {
        let record = try Self.empty
            .adding(Self.file("demo_pkg-1.0.tar.gz"))
            .adding(Self.file("demo_pkg-0.9-py3-none-any.whl", version: "0.9"))
            .adding(Self.file("demo_pkg-1.0-py3-none-any.whl"))
        #expect(record.files.map(\.filename) == ["demo_pkg-0.9-py3-none-any.whl", "demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"])
        let unsorted = ProjectRecord(name: "x", displayName: "x", files: record.files.reversed())
        #expect(unsorted.files == record.files)
    }

    @Test func identicalReuploadIsANoOpAndOtherBytesConflict() throws {
        let record = try Self.empty.adding(Self.file("demo_pkg-1.0.tar.gz", sha: "a"))
        #expect(try record.adding(Self.file("demo_pkg-1.0.tar.gz", sha: "a", time: 9)) == record)
        #expect(try record.adding(Self.file("demo_pkg-1.0.tar.gz", sha: "A")) == record)  // hex case does not matter
        #expect(
            throws: RecordError.conflict(
                filename: "demo_pkg-1.0.tar.gz", existingSha256: String(repeating: "a", count: 64), newSha256: String(repeating: "c", count: 64))
        ) {
            try record.adding(Self.file("demo_pkg-1.0.tar.gz", sha: "c"))
        }
    }

    @Test func yankingAndUnyankingTouchEveryFileOfTheVersion() throws {
        let record = try Self.empty
            .adding(Self.file("demo_pkg-1.0.tar.gz"))
            .adding(Self.file("demo_pkg-1.0-py3-none-any.whl"))
            .adding(Self.file("demo_pkg-2.0.tar.gz", version: "2.0"))
        let yanked = try record.yanking(version: "1.0", reason: "broken <build>")
        #expect(yanked.files.map(\.yanked) == [true, true, false])
        #expect(yanked.files.map(\.yankedReason) == ["broken <build>", "broken <build>", nil])
        let reyanked = try yanked.yanking(version: "1.0", reason: nil)
        #expect(reyanked.files.map(\.yankedReason) == [nil, nil, nil])
        #expect(reyanked.files.map(\.yanked) == [true, true, false])
        #expect(try yanked.yanking(version: "1.0", reason: "").files[0].yankedReason == nil)
        #expect(try yanked.unyanking(version: "1.0") == record)
        #expect(throws: RecordError.versionNotFound(project: "demo-pkg", version: "3.0")) { try record.yanking(version: "3.0", reason: nil) }
        #expect(throws: RecordError.versionNotFound(project: "demo-pkg", version: "1")) { try record.unyanking(version: "1") }
    }

    @Test func removing() throws {
        let record = try Self.empty.adding(Self.file("demo_pkg-1.0.tar.gz")).adding(Self.file("demo_pkg-2.0.tar.gz", version: "2.0"))
        #expect(try record.removing(filename: "demo_pkg-1.0.tar.gz").files.map(\.filename) == ["demo_pkg-2.0.tar.gz"])
        #expect(throws: RecordError.fileNotFound(project: "demo-pkg", filename: "nope.whl")) { try record.removing(filename: "nope.whl") }
        #expect(record.file(named: "demo_pkg-2.0.tar.gz")?.version == "2.0")
        #expect(record.file(named: "nope") == nil)
    }

    @Test func encodingIsDeterministicAndRoundTrips() throws {
        let record = try Self.empty
            .adding(Self.file("demo_pkg-1.0-py3-none-any.whl", requiresPython: ">=3.8,<4 \"quoted\" / é"))
            .adding(Self.file("demo_pkg-1.0.tar.gz", metadata: nil, requiresPython: nil, time: 0.000001))
            .yanking(version: "1.0", reason: "reason\nwith newline")
        let data = record.encoded()
        #expect(data == record.encoded())
        #expect(try ProjectRecord.decode(data) == record)
        #expect(try ProjectRecord.decode(data).encoded() == data)
        // Built in another order, the same record gives the same bytes.
        let other = try ProjectRecord(name: "demo-pkg", displayName: "Demo_Pkg", files: record.files.reversed())
            .yanking(version: "1.0", reason: "reason\nwith newline")
        #expect(other.encoded() == data)
    }

    @Test func encodedFormIsStableJSON() throws {
        let record = try Self.empty.adding(Self.file("demo_pkg-1.0.tar.gz", metadata: nil, requiresPython: nil))
        let text = String(decoding: record.encoded(), as: UTF8.self)
        let sha = String(repeating: "a", count: 64)
        #expect(
            text == """
                {"display_name":"Demo_Pkg","files":[{"filename":"demo_pkg-1.0.tar.gz","package_type":"sdist","python_tag":"source",\
                "sha256":"\(sha)","size":1234,"upload_time":"2024-01-02T03:04:05.123456Z","version":"1.0","yanked":false}],\
                "name":"demo-pkg","schema_version":1}
                """)
    }

    @Test func aMirroredFileKeepsItsOriginAndAnUploadedOneWritesNone() throws {
        let uploaded = Self.file("demo_pkg-1.0.tar.gz", metadata: nil, requiresPython: nil)
        let mirrored = FileRecord(
            filename: "demo_pkg-2.0.tar.gz", version: "2.0", packageType: "sdist", sha256: String(repeating: "c", count: 64),
            size: 1, uploadTime: Date(timeIntervalSince1970: 0), requiresPython: nil, metadataSha256: nil, pythonTag: "source",
            origin: "https://pypi.org/simple/")
        let record = try Self.empty.adding(uploaded).adding(mirrored)
        let decoded = try ProjectRecord.decode(record.encoded())
        #expect(decoded.files.map(\.origin) == [nil, "https://pypi.org/simple/"])
        #expect(decoded.files.map(\.isMirrored) == [false, true])
        let text = String(decoding: record.encoded(), as: UTF8.self)
        #expect(text.components(separatedBy: "\"origin\"").count == 2)
    }

    @Test func uploadTimeKeepsMicroseconds() throws {
        let file = Self.file("demo_pkg-1.0.tar.gz", time: 1_704_164_645.1234567)
        #expect(RFC3339Timestamp.format(file.uploadTime) == "2024-01-02T03:04:05.123457Z")
        let record = try Self.empty.adding(file)
        #expect(try ProjectRecord.decode(record.encoded()).files[0].uploadTime == file.uploadTime)
    }

    @Test(arguments: [
        ("", "not valid JSON"),
        ("[]", "Expected"),
        (#"{"name":"demo","display_name":"demo","schema_version":1}"#, "missing key \"files\""),
        (#"{"name":"Demo","display_name":"demo","schema_version":1,"files":[]}"#, "not a normalized name"),
        (
            #"{"name":"demo","display_name":"demo","schema_version":1,"files":[{"filename":"a.whl","version":"1","package_type":"bdist_wheel","python_tag":"py3","sha256":"\#(String(repeating: "a", count: 64))","size":1,"upload_time":"yesterday","yanked":false}]}"#,
            "not an RFC 3339 timestamp"
        ),
        (
            #"{"name":"demo","display_name":"demo","schema_version":1,"files":[{"filename":"a.whl","version":"1","package_type":"bdist_wheel","python_tag":"py3","sha256":"xyz","size":1,"upload_time":"2024-01-02T03:04:05Z","yanked":false}]}"#,
            "invalid sha256"
        ),
        (
            #"{"name":"demo","display_name":"demo","schema_version":1,"files":[{"filename":"a.whl","version":"1","package_type":"bdist_wheel","python_tag":"py3","sha256":"\#(String(repeating: "a", count: 64))","size":"big","upload_time":"2024-01-02T03:04:05Z","yanked":false}]}"#,
            "files[0].size"
        ),
    ])
    func decodeReportsCorruptRecords(_ json: String, _ expected: String) {
        #expect {
            try ProjectRecord.decode(Data(json.utf8))
        } throws: { error in
            guard case .corrupt(let reason) = error as? RecordError else { return false }
            return reason.contains(expected) || "\(error)".contains(expected)
        }
    }

    @Test func decodeRefusesDuplicatesAndNewerSchemas() throws {
        let record = try Self.empty.adding(Self.file("a.tar.gz"))
        var json = try #require(try JSONSerialization.jsonObject(with: record.encoded()) as? [String: Any])
        let files = try #require(json["files"] as? [Any])
        json["files"] = files + files
        #expect(throws: RecordError.corrupt(reason: "the file \"a.tar.gz\" is listed twice")) {
            try ProjectRecord.decode(try JSONSerialization.data(withJSONObject: json))
        }
        json["files"] = files
        json["schema_version"] = 2
        #expect(throws: RecordError.unsupportedSchemaVersion(2, supported: 1)) {
            try ProjectRecord.decode(try JSONSerialization.data(withJSONObject: json))
        }
    }

    @Test func errorMessagesAreActionable() {
        let conflict = RecordError.conflict(filename: "a-1.0.tar.gz", existingSha256: "aa", newSha256: "bb")
        #expect("\(conflict)".contains("a-1.0.tar.gz") && "\(conflict)".contains("aa") && "\(conflict)".contains("bb"))
        #expect("\(RecordError.corrupt(reason: "x"))".contains("wheelhouse index rebuild"))
    }
}
