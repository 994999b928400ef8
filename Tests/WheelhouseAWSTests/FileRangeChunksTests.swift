import Crypto
import Foundation
import NIOCore
import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS

/// The chunks a part of a multipart upload is hashed and sent from: read one at a time, exactly
/// the bytes of the range, however the chunk length falls.
struct FileRangeChunksTests {
    @Test func chunksCoverExactlyTheRange() async throws {
        let directory = try TestSupport.makeTemporaryDirectory("file-range-chunks")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bytes.bin")
        let bytes = Data((0..<(600 * 1024 + 7)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) })
        try bytes.write(to: file)
        let client = S3TestClient.make(endpoint: try #require(URL(string: "http://127.0.0.1:9")))

        let ranges: [Range<Int64>] = [0..<Int64(bytes.count), 5..<300_000, 262_144..<524_288, 100..<100, 614_000..<Int64(bytes.count)]
        for range in ranges {
            let (collected, digest) = try await client.withReadHandle(file) { handle, _ in
                var out = Data()
                var largest = 0
                for try await chunk in FileRangeChunks(handle: handle, range: range) {
                    largest = max(largest, chunk.readableBytes)
                    out.append(contentsOf: chunk.readableBytesView)
                }
                #expect(largest <= 256 * 1024)
                return (out, try await S3Client.sha256(handle, range: range, path: file.path))
            }
            let expected = bytes[Int(range.lowerBound)..<Int(range.upperBound)]
            #expect(collected == expected, "range \(range)")
            #expect(digest == Array(SHA256.hash(data: expected)), "range \(range)")
        }

        // A range past the end of the file (one that shrank): the chunks stop at its end.
        let beyond = try await client.withReadHandle(file) { handle, size in
            var count = 0
            for try await chunk in FileRangeChunks(handle: handle, range: (size - 10)..<(size + 1000)) { count += chunk.readableBytes }
            return count
        }
        #expect(beyond == 10)
    }
}
