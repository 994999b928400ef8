public import AsyncHTTPClient
public import Foundation
public import NIOCore
import NIOHTTP1
import WheelhouseCore
import _NIOFileSystem

/// Uploads files to a running Wheelhouse (or any twine-compatible index) with the legacy
/// upload API, as twine does: a multipart form with the file and its digests, HTTP Basic with
/// `__token__`. The form is streamed: the fields, then the file read in 1 MiB chunks, then the
/// closing boundary, with its length known in advance, so a large wheel is never in memory and
/// never copied.
public struct RemoteUploader: Sendable {
    public let repositoryURL: URL
    public let token: String?
    public var timeout: TimeAmount = .hours(1)
    let client: HTTPClient

    public init(repositoryURL: URL, token: String?, client: HTTPClient = .shared) {
        self.repositoryURL = repositoryURL
        self.token = token
        self.client = client
    }

    public struct Response: Sendable {
        public var status: Int
        /// The answer's text (the reason, or `OK` and warnings), trimmed.
        public var message: String
        /// For an accepted upload, what it did, when the server says (`UploadResult.headerName`).
        public var result: UploadResult?
    }

    /// Answers are short text; a longer one is cut here.
    static let maxAnswerBytes = 1 << 20

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
        let form = MultipartForm(boundary: "wheelhouse-\(UUID().uuidString)", fields: fields, filename: filename)

        var head = HTTPClientRequest(url: repositoryURL.absoluteString)
        head.method = .POST
        head.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(form.boundary)")
        head.headers.add(name: "User-Agent", value: "wheelhouse-upload")
        if let token {
            let credentials = Data("__token__:\(token)".utf8).base64EncodedString()
            head.headers.add(name: "Authorization", value: "Basic \(credentials)")
        }
        return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(file.path)) { handle in
            var request = head
            let size = try await handle.info().size
            let chunks = handle.readChunks(in: 0..<size, chunkLength: .mebibytes(1))
            request.body = .stream(
                form.body(content: chunks), length: .known(Int64(form.head.readableBytes + form.tail.readableBytes) + size))
            let response = try await client.execute(request, timeout: timeout)
            var answer = try await response.body.collect(upTo: Self.maxAnswerBytes)
            let message = (answer.readString(length: answer.readableBytes) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return Response(
                status: Int(response.status.code), message: message,
                result: response.headers.first(name: UploadResult.headerName).flatMap(UploadResult.init(rawValue:)))
        }
    }
}

/// A `multipart/form-data` body (RFC 7578) of text fields and one file part named `content`.
struct MultipartForm: Sendable {
    let boundary: String
    /// Everything before the file's bytes.
    let head: ByteBuffer
    /// The closing boundary.
    let tail: ByteBuffer

    init(boundary: String, fields: [(String, String)], filename: String) {
        self.boundary = boundary
        var head = ""
        for (name, value) in fields {
            head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        let quoted = filename.replacingOccurrences(of: "\"", with: "%22")
        head +=
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"content\"; filename=\"\(quoted)\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n"
        self.head = ByteBuffer(string: head)
        self.tail = ByteBuffer(string: "\r\n--\(boundary)--\r\n")
    }

    /// The whole body around `content`, the file's bytes.
    func body<Content: AsyncSequence & Sendable>(content: Content) -> Body<Content> where Content.Element == ByteBuffer {
        Body(head: head, content: content, tail: tail)
    }

    /// `head`, the content's chunks, `tail`, as one sequence of buffers.
    struct Body<Content: AsyncSequence & Sendable>: AsyncSequence, Sendable where Content.Element == ByteBuffer {
        typealias Element = ByteBuffer
        let head: ByteBuffer
        let content: Content
        let tail: ByteBuffer

        func makeAsyncIterator() -> Iterator {
            Iterator(head: head, content: content.makeAsyncIterator(), tail: tail)
        }

        struct Iterator: AsyncIteratorProtocol {
            var head: ByteBuffer?
            var content: Content.AsyncIterator
            var tail: ByteBuffer?
            var contentDone = false

            mutating func next() async throws -> ByteBuffer? {
                if let head {
                    self.head = nil
                    return head
                }
                if !contentDone {
                    if let chunk = try await content.next() { return chunk }
                    contentDone = true
                }
                defer { tail = nil }
                return tail
            }
        }
    }
}
