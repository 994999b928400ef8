import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WheelhouseApp
import WheelhouseCore
import WheelhouseStorage
import WheelhouseTestSupport

/// The legacy upload API through the real router: auth, form validation, digests, limits.
struct UploadControllerTests {
    static func form(_ fields: [(String, String)], file: (name: String, bytes: Data)?, boundary: String = "b0undary") -> ByteBuffer {
        var body = Data()
        for (k, v) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8))
        }
        if let file {
            body.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"content\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                        .utf8))
            body.append(file.bytes)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ByteBuffer(bytes: body)
    }

    struct Setup {
        let storeRoot: URL
        let store: any BlobStore
        let auth: String
        let wheel: URL
        let bytes: Data
        var sha256: String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
    }

    static func setup() async throws -> Setup {
        let root = try TestSupport.makeTemporaryDirectory("wh-upload")
        let storeRoot = root.appendingPathComponent("store")
        let store = try FileSystemBlobStore(root: storeRoot)
        let (_, token) = try await TokenStore(store: store).create(name: "ci", scope: .upload)
        let wheel = try WheelBuilder.make("uploaded", "0.1", in: root)
        return Setup(
            storeRoot: storeRoot, store: store, auth: "Basic " + Data("__token__:\(token)".utf8).base64EncodedString(),
            wheel: wheel, bytes: try Data(contentsOf: wheel))
    }

    static func headers(_ s: Setup) -> HTTPFields {
        [.authorization: s.auth, .contentType: "multipart/form-data; boundary=b0undary"]
    }

    @Test func acceptsAValidUploadAndIsIdempotent() async throws {
        let s = try await Self.setup()
        let body = Self.form(
            [(":action", "file_upload"), ("protocol_version", "1"), ("name", "uploaded"), ("version", "0.1"), ("sha256_digest", s.sha256)],
            file: (s.wheel.lastPathComponent, s.bytes))
        try await HTTPSemanticsTests.app(s.store).test(.router) { client in
            let result = try #require(HTTPField.Name(UploadResult.headerName))
            try await client.execute(uri: "/legacy/", method: .post, headers: Self.headers(s), body: body) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                #expect(r.headers[result] == "published")
            }
            try await client.execute(uri: "/", method: .post, headers: Self.headers(s), body: body) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("identical"))
                #expect(r.headers[result] == "unchanged")
            }
            try await client.execute(uri: "/simple/uploaded/", method: .get) { r in
                #expect(String(buffer: r.body).contains("uploaded-0.1-py3-none-any.whl#sha256=\(s.sha256)"))
            }
        }
    }

    @Test func refusesBadFormsWithoutTouchingTheStore() async throws {
        let s = try await Self.setup()
        let before = try DistFixtures.treeSnapshot(s.storeRoot)
        let file = (s.wheel.lastPathComponent, s.bytes)
        let cases: [(String, ByteBuffer, HTTPResponse.Status, String)] = [
            ("no action", Self.form([("protocol_version", "1")], file: file), .badRequest, "file_upload"),
            ("other action", Self.form([(":action", "submit")], file: file), .badRequest, "file_upload"),
            ("no file", Self.form([(":action", "file_upload")], file: nil), .badRequest, "no file"),
            (
                "bad sha256", Self.form([(":action", "file_upload"), ("sha256_digest", String(repeating: "0", count: 64))], file: file), .badRequest,
                "sha256_digest"
            ),
            ("bad md5", Self.form([(":action", "file_upload"), ("md5_digest", String(repeating: "0", count: 32))], file: file), .badRequest, "md5_digest"),
            ("wrong name", Self.form([(":action", "file_upload"), ("name", "other-project")], file: file), .badRequest, "other-project"),
            ("wrong version", Self.form([(":action", "file_upload"), ("version", "9.9")], file: file), .badRequest, "does not match"),
            ("bad filename", Self.form([(":action", "file_upload")], file: ("uploaded-0.1.exe", s.bytes)), .badRequest, "uploaded-0.1.exe"),
            (
                "not a zip", Self.form([(":action", "file_upload")], file: ("junk-1.0-py3-none-any.whl", Data("not a zip".utf8))), .badRequest,
                "junk-1.0-py3-none-any.whl"
            ),
            ("garbage body", ByteBuffer(string: "this is not multipart"), .badRequest, "multipart"),
            // Found by fuzzing (Fuzz/, fuzz-multipart): a non-ASCII byte in a part's header name
            // made multipart-kit trap and the whole server stop.
            (
                "non-ASCII header name",
                ByteBuffer(bytes: Array("--b0undary\r\nC".utf8) + [0xC8] + Array("ntent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b0undary--\r\n".utf8)),
                .badRequest, "header's name is not ASCII"
            ),
            ("endless header", ByteBuffer(string: "--b0undary\r\nX-A: " + String(repeating: "a", count: 1 << 20)), .badRequest, "headers are longer"),
        ]
        try await HTTPSemanticsTests.app(s.store).test(.router) { client in
            for (label, body, status, text) in cases {
                try await client.execute(uri: "/legacy/", method: .post, headers: Self.headers(s), body: body) { r in
                    #expect(r.status == status, "\(label): \(String(buffer: r.body))")
                    #expect(String(buffer: r.body).contains(text), "\(label): \(String(buffer: r.body))")
                    #expect(r.status.reasonPhrase.count > 12, "\(label): the reason phrase carries the message for twine")
                }
            }
            try await client.execute(uri: "/legacy/", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "x")) { r in
                #expect(r.status == .unauthorized)
            }
        }
        #expect(try DistFixtures.treeSnapshot(s.storeRoot) == before)
    }

    @Test func answers413PastTheSizeLimit() async throws {
        let s = try await Self.setup()
        let before = try DistFixtures.treeSnapshot(s.storeRoot)
        let body = Self.form([(":action", "file_upload")], file: (s.wheel.lastPathComponent, s.bytes))
        try await HTTPSemanticsTests.app(s.store, configure: { $0.maxUploadBytes = 64 }).test(.router) { client in
            try await client.execute(uri: "/legacy/", method: .post, headers: Self.headers(s), body: body) { r in
                #expect(r.status == .contentTooLarge)
            }
        }
        #expect(try DistFixtures.treeSnapshot(s.storeRoot) == before)
    }
}

/// PEP 740 attestations and PEP 792 status through the real router, on a file-system store.
struct GovernanceRouterTests {
    static let attestation =
        #"{"version":1,"verification_material":{"certificate":"TUlJ","transparency_entries":[{"logIndex":"1"}]},"envelope":{"statement":"e30=","signature":"TUVV"}}"#

    @Test func attestationsAreStoredServedAndAdvertisedOrRefused() async throws {
        let s = try await UploadControllerTests.setup()
        let file = (s.wheel.lastPathComponent, s.bytes)
        let before = try DistFixtures.treeSnapshot(s.storeRoot)
        try await HTTPSemanticsTests.app(s.store).test(.router) { client in
            let malformed = UploadControllerTests.form([(":action", "file_upload"), ("attestations", #"[{"version":1}]"#)], file: file)
            try await client.execute(uri: "/legacy/", method: .post, headers: UploadControllerTests.headers(s), body: malformed) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("Invalid attestations (PEP 740)"))
            }
            #expect(try DistFixtures.treeSnapshot(s.storeRoot) == before)

            let good = UploadControllerTests.form([(":action", "file_upload"), ("attestations", "[\(Self.attestation)]")], file: file)
            try await client.execute(uri: "/legacy/", method: .post, headers: UploadControllerTests.headers(s), body: good) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            let path = "/packages/uploaded/\(s.wheel.lastPathComponent).provenance"
            try await client.execute(uri: path, method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/json")
                #expect(String(buffer: r.body).contains(Self.attestation))
            }
            // The in-process client names no host: the URL stays relative (a real server's is fully qualified).
            try await client.execute(uri: "/simple/uploaded/", method: .get, headers: [.accept: "application/vnd.pypi.simple.v1+json"]) { r in
                #expect(
                    String(buffer: r.body).contains(#"\#(path)","requires-python""#) || String(buffer: r.body).contains(#"\#(path)","size""#),
                    "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/simple/uploaded/", method: .get, headers: [.accept: "text/html"]) { r in
                #expect(String(buffer: r.body).contains(#"data-provenance=""#), "\(String(buffer: r.body))")
            }
        }
    }

    @Test func archivedRefusesUploadsAndQuarantinedServesNothing() async throws {
        let s = try await UploadControllerTests.setup()
        let file = (s.wheel.lastPathComponent, s.bytes)
        let body = UploadControllerTests.form([(":action", "file_upload")], file: file)
        let other = try WheelBuilder.make("uploaded", "0.2", in: s.storeRoot.deletingLastPathComponent())
        let second = UploadControllerTests.form([(":action", "file_upload")], file: (other.lastPathComponent, try Data(contentsOf: other)))
        try await HTTPSemanticsTests.app(s.store).test(.router) { client in
            try await client.execute(uri: "/legacy/", method: .post, headers: UploadControllerTests.headers(s), body: body) { r in
                #expect(r.status == .ok)
            }
            _ = try await StoreAdmin(store: s.store).setStatus(ProjectStatus(.archived, reason: "frozen"), project: "uploaded")
            try await poll("the archive to be seen") {
                try await client.execute(uri: "/legacy/", method: .post, headers: UploadControllerTests.headers(s), body: second) { r in
                    r.status == .forbidden && String(buffer: r.body).contains("archived") && String(buffer: r.body).contains("frozen")
                }
            }
            _ = try await StoreAdmin(store: s.store).setStatus(ProjectStatus(.quarantined, reason: "bad"), project: "uploaded")
            try await poll("the quarantine to be seen") {
                try await client.execute(uri: "/packages/uploaded/\(s.wheel.lastPathComponent)", method: .get) { r in
                    r.status == .notFound && String(buffer: r.body).contains("quarantined")
                }
            }
            try await client.execute(uri: "/simple/uploaded/", method: .get, headers: [.accept: "application/vnd.pypi.simple.v1+json"]) { r in
                #expect(String(buffer: r.body).contains(#""files":[]"#))
                #expect(String(buffer: r.body).contains(#""project-status":{"reason":"bad","status":"quarantined"}"#))
            }
        }
    }
}
