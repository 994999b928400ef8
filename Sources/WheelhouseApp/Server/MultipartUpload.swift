import Foundation
import MultipartKit
import NIOCore
import WheelhouseCore

/// A twine-style upload form read from a streamed `multipart/form-data` body: the text fields,
/// and the `content` file part spooled to a temporary file while it is hashed. The body is never
/// held in memory; the spool file is removed by `discard()` (or by the caller after ingest).
struct MultipartUpload: Sendable {
    var fields: [String: [String]]
    var filename: String?
    var spoolFile: URL?
    var digest: FileDigest?

    func field(_ name: String) -> String? { fields[name]?.first }

    func discard() {
        if let spoolFile { try? FileManager.default.removeItem(at: spoolFile) }
    }

    enum ReadError: Error {
        case badRequest(String)
        case tooLarge(limit: Int64)
        /// The server could not spool the body (its disk is full, the folder is gone): a 503,
        /// since the same upload may succeed later. `detail` names the path and is only logged.
        case spoolFailed(detail: String)
    }

    /// Reads the whole form from `body`. Fields are bounded (1 MiB in all) and so is the file
    /// (`maxBytes`). On any error the spool file is removed before throwing.
    static func read<Body: AsyncSequence>(
        body: Body, boundary: String, maxBytes: Int64, spoolDirectory: URL
    ) async throws -> MultipartUpload where Body.Element == ByteBuffer {
        let reader = Reader(spoolDirectory: spoolDirectory, maxBytes: maxBytes)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in reader.header(name: name, value: value) }
        parser.onBody = { buffer in reader.body(&buffer) }
        parser.onPartComplete = { reader.partComplete() }
        // The last bytes of the body: it must end with the close delimiter, or the client
        // stopped (or was stopped) before the form was complete.
        var tail: [UInt8] = []
        let tailSize = 512
        // multipart-kit traps on a non-ASCII header name and keeps any header in memory.
        var headerGuard = MultipartHeaderGuard(boundary: boundary)
        do {
            for try await chunk in body {
                if chunk.readableBytes >= tailSize {
                    tail = Array(chunk.readableBytesView.suffix(tailSize))
                } else {
                    tail.append(contentsOf: chunk.readableBytesView)
                    if tail.count > tailSize { tail.removeFirst(tail.count - tailSize) }
                }
                do {
                    try chunk.withUnsafeReadableBytes { try headerGuard.check($0) }
                } catch {
                    throw ReadError.badRequest("The upload body is not valid multipart/form-data: \(error).")
                }
                do {
                    try parser.execute(chunk)
                } catch {
                    throw ReadError.badRequest("The upload body is not valid multipart/form-data.")
                }
                if let failure = reader.failure { throw failure }
            }
            if let failure = reader.failure { throw failure }
            guard reader.completedParts > 0 else {
                throw ReadError.badRequest("The upload body is not valid multipart/form-data.")
            }
            guard Self.containsCloseDelimiter(tail, boundary: boundary) else {
                throw ReadError.badRequest("The upload body ends before the form's closing boundary: it is incomplete.")
            }
            return try reader.result()
        } catch {
            reader.abort()
            throw error
        }
    }

    /// Whether `tail` holds the close delimiter `--boundary--` (RFC 2046 §5.1.1); only an
    /// epilogue may follow it.
    static func containsCloseDelimiter(_ tail: [UInt8], boundary: String) -> Bool {
        let delimiter = Array("--\(boundary)--".utf8)
        guard tail.count >= delimiter.count else { return false }
        for start in stride(from: tail.count - delimiter.count, through: 0, by: -1)
        where tail[start..<start + delimiter.count].elementsEqual(delimiter) {
            return true
        }
        return false
    }

    /// The parser's callbacks are synchronous and run on the reading task only; this box is
    /// never shared across tasks.
    private final class Reader: @unchecked Sendable {
        let spoolDirectory: URL
        let maxBytes: Int64
        var fields: [String: [String]] = [:]
        var fieldBytes = 0
        var partName: String?
        var partFilename: String?
        var partText: [UInt8] = []
        var filename: String?
        var spoolURL: URL?
        var spoolHandle: FileHandle?
        var accumulator = DigestAccumulator()
        var digest: FileDigest?
        /// The parser hands the file part over in small slices (it splits at every CR byte), so
        /// they are gathered here and hashed and written 1 MiB at a time.
        var pending: [UInt8] = []
        static let flushSize = 1 << 20
        /// Form parts accepted (twine sends ~30, one per classifier and per dependency).
        static let maxParts = 1000
        var failure: ReadError?
        var completedParts = 0

        init(spoolDirectory: URL, maxBytes: Int64) {
            self.spoolDirectory = spoolDirectory
            self.maxBytes = maxBytes
        }

        func header(name: String, value: String) {
            guard name.lowercased() == "content-disposition" else { return }
            let params = Self.dispositionParameters(value)
            partName = params["name"]
            partFilename = params["filename"]
            if partName == "content", failure == nil {
                if spoolHandle != nil {
                    failure = .badRequest("The upload has more than one 'content' file part.")
                    return
                }
                let url = spoolDirectory.appendingPathComponent("wheelhouse-upload-\(UUID().uuidString)")
                guard FileManager.default.createFile(atPath: url.path, contents: nil),
                    let handle = try? FileHandle(forWritingTo: url)
                else {
                    failure = .spoolFailed(detail: "cannot create \(url.path): \(String(cString: strerror(errno)))")
                    return
                }
                spoolURL = url
                spoolHandle = handle
                filename = partFilename
            }
        }

        func body(_ buffer: inout ByteBuffer) {
            guard failure == nil else { return }
            if partName == "content", let handle = spoolHandle {
                if accumulator.count + Int64(pending.count + buffer.readableBytes) > maxBytes {
                    failure = .tooLarge(limit: maxBytes)
                    return
                }
                pending.append(contentsOf: buffer.readableBytesView)
                if pending.count >= Self.flushSize { flush(handle) }
            } else {
                fieldBytes += buffer.readableBytes
                if fieldBytes > 1 << 20 {
                    failure = .badRequest("The upload's form fields are larger than 1 MiB.")
                    return
                }
                partText.append(contentsOf: buffer.readableBytesView)
            }
        }

        func flush(_ handle: FileHandle) {
            guard !pending.isEmpty, failure == nil else { return }
            pending.withUnsafeBytes { raw in
                accumulator.update(bufferPointer: raw)
                do {
                    try handle.write(contentsOf: Data(raw))
                } catch {
                    failure = .spoolFailed(detail: "cannot write \(spoolURL?.path ?? "-"): \(error)")
                }
            }
            pending.removeAll(keepingCapacity: true)
        }

        func partComplete() {
            completedParts += 1
            if completedParts > Self.maxParts, failure == nil {
                failure = .badRequest("The upload form has more than \(Self.maxParts) fields.")
            }
            if partName == "content", let handle = spoolHandle {
                flush(handle)
                digest = accumulator.finish()
            } else if let name = partName {
                fields[name, default: []].append(String(decoding: partText, as: UTF8.self))
            }
            partText.removeAll(keepingCapacity: true)
            partName = nil
            partFilename = nil
        }

        func result() throws -> MultipartUpload {
            if let handle = spoolHandle {
                do {
                    try handle.synchronize()
                    try handle.close()
                } catch {
                    throw ReadError.spoolFailed(detail: "cannot write \(spoolURL?.path ?? "-"): \(error)")
                }
                spoolHandle = nil
            }
            return MultipartUpload(fields: fields, filename: filename, spoolFile: spoolURL, digest: digest)
        }

        func abort() {
            try? spoolHandle?.close()
            spoolHandle = nil
            if let spoolURL { try? FileManager.default.removeItem(at: spoolURL) }
        }

        /// `form-data; name="content"; filename="x.whl"` → ["name": "content", "filename": "x.whl"].
        static func dispositionParameters(_ value: String) -> [String: String] {
            var out: [String: String] = [:]
            for part in value.split(separator: ";").dropFirst() {
                let kv = part.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                var v = kv[1].trimmingSpaces
                if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 {
                    v = String(v.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                }
                out[kv[0].trimmingSpaces.lowercased()] = v
            }
            return out
        }
    }
}
