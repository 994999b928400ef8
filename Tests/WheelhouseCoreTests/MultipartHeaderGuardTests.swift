import Testing
@testable import WheelhouseCore

@Suite struct MultipartHeaderGuardTests {
    static func body(_ boundary: String, parts: [(headers: [String], content: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            out += Array("--\(boundary)\r\n".utf8)
            for header in part.headers { out += Array("\(header)\r\n".utf8) }
            out += Array("\r\n".utf8) + part.content + Array("\r\n".utf8)
        }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    /// Checks `bytes` fed in chunks of `chunk` bytes (0: at once).
    static func check(_ bytes: [UInt8], boundary: String, chunk: Int = 0) throws(MultipartHeaderGuard.Problem) {
        var guardian = MultipartHeaderGuard(boundary: boundary)
        let step = chunk == 0 ? max(bytes.count, 1) : chunk
        var offset = 0
        while offset < bytes.count {
            try guardian.check(Array(bytes[offset..<min(offset + step, bytes.count)]))
            offset += step
        }
    }

    /// Found by fuzz-multipart (Fuzz/): this body made multipart-kit trap (index out of range)
    /// in the server's upload handler, the byte 0xC8 standing in a part's header name.
    @Test func fuzzCrashInputIsRefused() {
        let crash: [UInt8] =
            Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nC".utf8)
            + [0xC8] + Array("ntent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--\r\n".utf8)
        for chunk in [0, 1, 2, 7] {
            #expect(throws: MultipartHeaderGuard.Problem.nonASCIIHeaderName) { try Self.check(crash, boundary: "b", chunk: chunk) }
        }
    }

    @Test func twineUploadsPassInAnyChunking() throws {
        var binary: [UInt8] = []
        for i in 0..<4096 { binary.append(UInt8(truncatingIfNeeded: i &* 131 &+ 7)) }
        binary += Array("\r\nContent\u{00C8}: x\r\n--boundar".utf8) + [0xFF, 0x0D, 0x0A, 0xC8]
        let body = Self.body(
            "----twine",
            parts: [
                (["Content-Disposition: form-data; name=\":action\""], Array("file_upload".utf8)),
                (["Content-Disposition: form-data; name=\"summary\""], Array("Grüße".utf8)),
                (
                    [
                        "Content-Disposition: form-data; name=\"content\"; filename=\"démo-1.0-py3-none-any.whl\"",
                        "Content-Type: application/octet-stream",
                    ], binary
                ),
            ])
        for chunk in [0, 1, 3, 64, 1000] { try Self.check(body, boundary: "----twine", chunk: chunk) }
    }

    @Test func overlongHeadersAreRefused() throws {
        let header = "Content-Disposition: form-data; name=\"" + String(repeating: "a", count: MultipartHeaderGuard.maxHeaderBytes) + "\""
        let body = Self.body("b", parts: [([header], Array("1".utf8))])
        #expect(throws: MultipartHeaderGuard.Problem.headerTooLong(limit: MultipartHeaderGuard.maxHeaderBytes)) {
            try Self.check(body, boundary: "b", chunk: 100)
        }
        // A header line that never ends is refused as soon as it passes the limit.
        var guardian = MultipartHeaderGuard(boundary: "b")
        try guardian.check(Array("--b\r\nX-A: ".utf8))
        #expect(throws: MultipartHeaderGuard.Problem.headerTooLong(limit: MultipartHeaderGuard.maxHeaderBytes)) {
            try guardian.check([UInt8](repeating: 0x61, count: MultipartHeaderGuard.maxHeaderBytes))
        }
    }

    /// The delimiter is found across chunk edges and after a false start (`---b--b`).
    @Test func delimiterIsFoundAcrossChunksAndOverlaps() {
        let body: [UInt8] = Array("x---b--b\r\n".utf8) + [0x80] + Array(": v\r\n\r\n".utf8)
        for chunk in [1, 2, 3, 5] {
            #expect(throws: MultipartHeaderGuard.Problem.nonASCIIHeaderName) { try Self.check(body, boundary: "b--b", chunk: chunk) }
        }
    }
}
