import Dispatch
import Foundation
import FuzzSupport
import NIOCore

/// The upload form reader (`MultipartUpload.read`, the same source file the server compiles)
/// driving multipart-kit's parser over a body that arrives in chunks. Input: one byte choosing
/// the chunk size (0: the whole body at once), the boundary up to the first newline, then the body.
/// After every input no spool file may be left behind unless the read succeeded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let chunkSize = Int(data[0])
    let (boundaryBytes, body) = FuzzInput.split(Array(UnsafeBufferPointer(start: data + 1, count: size - 1)), at: UInt8(ascii: "\n"))
    let boundary = String(decoding: boundaryBytes, as: UTF8.self)
    // UploadController only passes a non-empty boundary taken from the Content-Type header.
    guard !boundary.isEmpty, boundary.utf8.count <= 200 else { return 0 }

    var chunks: [ByteBuffer] = []
    var offset = 0
    let step = chunkSize == 0 ? max(body.count, 1) : chunkSize
    while offset < body.count {
        let end = min(offset + step, body.count)
        chunks.append(ByteBuffer(bytes: body[offset..<end]))
        offset = end
    }
    let spool = FuzzScratch.directory.appendingPathComponent("spool")
    try? FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)

    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task {
        defer { done.signal() }
        do {
            let form = try await MultipartUpload.read(
                body: Chunks(chunks: chunks), boundary: boundary, maxBytes: 1 << 16, spoolDirectory: spool)
            outcome.form = form
        } catch {
            outcome.error = error
        }
    }
    done.wait()

    if let form = outcome.form {
        if let file = form.spoolFile {
            let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
            let onDisk = (attributes?[.size] as? NSNumber)?.int64Value
            // A body that ends inside the file part leaves no digest; UploadController answers
            // 400 for it. With a digest, it must describe exactly what was spooled.
            if let digest = form.digest {
                precondition(onDisk == digest.size, "spool holds \(onDisk ?? -1) bytes, digest says \(digest.size)")
            }
            precondition(onDisk.map { $0 <= 1 << 16 } ?? false, "the spool passed maxBytes")
        }
        _ = (form.field(":action"), form.filename)
        form.discard()
    }
    let left = (try? FileManager.default.contentsOfDirectory(atPath: spool.path)) ?? []
    precondition(left.isEmpty, "spool files left behind: \(left) after \(outcome.error.map { "\($0)" } ?? "success")")
    return 0
}

/// Set by the reading task before it signals, read after the wait: never accessed concurrently.
final class Outcome: @unchecked Sendable {
    var form: MultipartUpload?
    var error: (any Error)?
}

struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { remaining.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: chunks[...]) }
}
