import Foundation
import WheelhouseCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Uploads files to a running Wheelhouse (or any twine-compatible index) with the legacy
/// upload API, as twine does: a multipart form with the file and its digests, HTTP Basic with
/// `__token__`. The form is spooled to a temporary file so a large wheel is never in memory.
public struct RemoteUploader: Sendable {
    public let repositoryURL: URL
    public let token: String?

    public init(repositoryURL: URL, token: String?) {
        self.repositoryURL = repositoryURL
        self.token = token
    }

    public struct Response: Sendable {
        public var status: Int
        public var message: String
    }

    public func upload(file: URL) async throws -> Response {
        let filename = file.lastPathComponent
        let digest = try FileDigest.compute(file: file)
        var fields: [(String, String)] = [
            (":action", "file_upload"), ("protocol_version", "1"),
            ("sha256_digest", digest.sha256), ("md5_digest", digest.md5),
        ]
        if let parsed = try? DistributionFilename(filename) {
            fields.append(("name", parsed.normalizedName))
            fields.append(("version", parsed.version.description))
            fields.append(("filetype", parsed.packageType))
            fields.append(("pyversion", parsed.pythonTag))
        }
        let boundary = "wheelhouse-\(UUID().uuidString)"
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("wheelhouse-form-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: body) }
        try writeForm(to: body, boundary: boundary, fields: fields, file: file, filename: filename)

        var request = URLRequest(url: repositoryURL)
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.setValue("wheelhouse-upload", forHTTPHeaderField: "User-Agent")
        if let token {
            let credentials = Data("__token__:\(token)".utf8).base64EncodedString()
            request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        }
        request.timeoutInterval = 3600
        let (data, response) = try await URLSession.shared.upload(for: request, fromFile: body)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let message = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Response(status: status, message: message)
    }

    func writeForm(to url: URL, boundary: String, fields: [(String, String)], file: URL, filename: String) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let out = try FileHandle(forWritingTo: url)
        defer { try? out.close() }
        for (name, value) in fields {
            try out.write(contentsOf: Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        let quoted = filename.replacingOccurrences(of: "\"", with: "%22")
        try out.write(
            contentsOf: Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"content\"; filename=\"\(quoted)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
        let input = try FileHandle(forReadingFrom: file)
        defer { try? input.close() }
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
            try out.write(contentsOf: chunk)
        }
        try out.write(contentsOf: Data("\r\n--\(boundary)--\r\n".utf8))
    }
}
