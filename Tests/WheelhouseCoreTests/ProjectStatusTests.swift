import Foundation
import Testing

@testable import WheelhouseCore

/// PEP 792 project status in the record, and PEP 740 provenance in the record and storage layout.
@Suite struct ProjectStatusTests {
    static let file = ProjectRecordTests.file("demo_pkg-1.0-py3-none-any.whl")

    @Test func aRecordWithoutStatusReadsAsActiveAndKeepsItsBytes() throws {
        let old = #"{"display_name":"Demo","files":[],"name":"demo","schema_version":1}"#
        let record = try ProjectRecord.decode(Data(old.utf8))
        #expect(record.status == .active)
        #expect(String(decoding: record.encoded(), as: UTF8.self) == old)
    }

    @Test(arguments: ProjectStatus.State.allCases)
    func statusRoundTrips(_ state: ProjectStatus.State) throws {
        let record = ProjectRecord(name: "demo", displayName: "Demo", files: [Self.file])
            .withStatus(ProjectStatus(state, reason: state == .active ? nil : "why \"not\""))
        let decoded = try ProjectRecord.decode(record.encoded())
        #expect(decoded == record)
        #expect(decoded.status.state == state)
        let text = String(decoding: record.encoded(), as: UTF8.self)
        #expect(text.contains("project_status") == (state != .active))
    }

    @Test func statusSemantics() {
        #expect(ProjectStatus(.active).acceptsUploads && ProjectStatus(.deprecated).acceptsUploads)
        #expect(!ProjectStatus(.archived).acceptsUploads && !ProjectStatus(.quarantined).acceptsUploads)
        #expect(ProjectStatus(.archived).servesFiles && !ProjectStatus(.quarantined).servesFiles)
        #expect(ProjectStatus(.archived, reason: "").reason == nil)
    }

    @Test func anUnknownStatusIsACorruptRecord() {
        let text = #"{"display_name":"D","files":[],"name":"d","project_status":{"status":"frozen"},"schema_version":1}"#
        #expect {
            try ProjectRecord.decode(Data(text.utf8))
        } throws: { error in
            guard case .corrupt(let reason) = error as? RecordError else { return false }
            return reason.contains("frozen")
        }
    }

    @Test func provenanceDigestIsKeptAndChecked() throws {
        var file = Self.file
        file.provenanceSha256 = String(repeating: "C", count: 64)
        let record = ProjectRecord(name: "demo", displayName: "Demo", files: [file])
        let decoded = try ProjectRecord.decode(record.encoded())
        #expect(decoded.files[0].provenanceSha256 == String(repeating: "c", count: 64))
        let bad = String(decoding: record.encoded(), as: UTF8.self).replacingOccurrences(of: String(repeating: "c", count: 64), with: "zz")
        #expect(throws: RecordError.self) { try ProjectRecord.decode(Data(bad.utf8)) }
    }

    @Test func pageOfAQuarantinedRecordListsNothingAndProvenanceFollowsTheFile() throws {
        var file = Self.file
        file.provenanceSha256 = String(repeating: "c", count: 64)
        let record = ProjectRecord(name: "demo", displayName: "Demo", files: [file, ProjectRecordTests.file("demo_pkg-1.0.tar.gz")])
        let page = SimpleProjectPage(record: record, versions: ["1.0"])
        #expect(page.files[0].provenanceURL == "../../packages/demo/demo_pkg-1.0-py3-none-any.whl.provenance")
        #expect(page.files[1].provenanceURL == nil)
        let absolute = SimpleProjectPage(record: record, versions: ["1.0"], provenanceURL: SimpleProjectPage.provenanceURL(origin: "http://h:1/"))
        #expect(absolute.files[0].provenanceURL == "http://h:1/packages/demo/demo_pkg-1.0-py3-none-any.whl.provenance")
        #expect(page.qualifyingProvenanceURLs(origin: "http://h:1") == absolute)

        let closed = SimpleProjectPage(record: record.withStatus(ProjectStatus(.quarantined, reason: "malware")), versions: ["1.0"])
        #expect(closed.files.isEmpty && closed.versions.isEmpty)
        #expect(closed.status.reason == "malware")
    }

    @Test func provenanceKeys() throws {
        let key = try StorageLayout.provenanceKey(project: "demo", filename: "demo-1.0.tar.gz")
        #expect(key == "packages/demo/demo-1.0.tar.gz.provenance")
        #expect(StorageLayout.parseProvenanceKey(key)! == ("demo", "demo-1.0.tar.gz"))
        #expect(StorageLayout.parseFileKey(key) == nil)
        #expect(StorageLayout.parseProvenanceKey("packages/demo/demo-1.0.tar.gz") == nil)
        #expect(StoredContentType.of(key) == "application/json")
    }
}

/// PEP 740 attestation shape checks.
@Suite struct ProvenanceTests {
    static let attestation = #"""
        {"version":1,"verification_material":{"certificate":"TUlJQw==","transparency_entries":[{"logIndex":"1"}]},
         "envelope":{"statement":"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEifQ==","signature":"TUVVQ0lR"}}
        """#

    @Test func wrapsValidAttestationsByteForByte() throws {
        let field = "[" + Self.attestation + "]"
        let object = try Provenance.object(fromUploadField: field)
        let text = String(decoding: object, as: UTF8.self)
        #expect(text.contains(Self.attestation))
        try Provenance.checkObject(object)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(object)) as? [String: Any])
        #expect(parsed["version"] as? Int == 1)
        let bundles = try #require(parsed["attestation_bundles"] as? [[String: Any]])
        #expect(bundles.count == 1)
        #expect((bundles[0]["publisher"] as? [String: Any])?["kind"] as? String == "wheelhouse-upload")
        #expect((bundles[0]["attestations"] as? [Any])?.count == 1)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var field: String
        var says: String
        var testDescription: String { says }
    }

    static let bad: [Bad] = [
        Bad(field: "not json", says: "not JSON"),
        Bad(field: #"{"version":1}"#, says: "not a JSON array"),
        Bad(field: "[]", says: "is empty"),
        Bad(field: "[1]", says: "[0] is not an object"),
        Bad(field: "[" + attestation.replacingOccurrences(of: #""version":1"#, with: #""version":2"#) + "]", says: "version is not 1"),
        Bad(field: "[" + attestation.replacingOccurrences(of: "verification_material", with: "material") + "]", says: "verification_material is missing"),
        Bad(field: "[" + attestation.replacingOccurrences(of: #""TUlJQw==""#, with: #""no base64!""#) + "]", says: "certificate is missing or not base64"),
        Bad(field: "[" + attestation.replacingOccurrences(of: #"[{"logIndex":"1"}]"#, with: "[]") + "]", says: "transparency_entries"),
        Bad(field: "[" + attestation.replacingOccurrences(of: #""signature":"TUVVQ0lR""#, with: #""sig":"x""#) + "]", says: "envelope.signature"),
        Bad(field: "[" + Array(repeating: attestation, count: 17).joined(separator: ",") + "]", says: "more than 16"),
    ]

    @Test(arguments: bad)
    func refusesMalformedAttestations(_ bad: Bad) {
        #expect {
            try Provenance.object(fromUploadField: bad.field)
        } throws: { error in
            "\(error)".contains(bad.says) && "\(error)".hasPrefix("Invalid attestations (PEP 740)")
        }
    }

    @Test func checksProvenanceObjects() {
        #expect(throws: ProvenanceError.self) { try Provenance.checkObject(Array(#"{"version":1,"attestation_bundles":[]}"#.utf8)) }
        #expect(throws: ProvenanceError.self) {
            try Provenance.checkObject(Array(#"{"version":1,"attestation_bundles":[{"attestations":[]}]}"#.utf8))
        }
        let good =
            #"{"version":1,"attestation_bundles":[{"publisher":{"kind":"GitHub","repository":"o/r"},"attestations":["#
            + Self.attestation + "]}]}"
        #expect(throws: Never.self) { try Provenance.checkObject(Array(good.utf8)) }
    }
}
