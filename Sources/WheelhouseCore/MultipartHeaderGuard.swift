/// Watches a `multipart/form-data` body (RFC 7578) as it streams, ahead of the parser, for the
/// part headers that parser cannot take safely.
///
/// Found by fuzzing (Fuzz/, fuzz-multipart): multipart-kit 4.7.1 looks every header-name byte
/// up in a 128-entry table, so a byte of 0x80 or more in a part's header name trapped (index
/// out of range) and stopped the whole server; and it keeps a header line of any length in
/// memory. This guard refuses both before the parser sees the bytes.
///
/// A part's headers can only start right after a delimiter line, `--{boundary}` CRLF, which the
/// client guarantees appears nowhere else in the body. So every literal `--{boundary}` CRLF
/// opens a header block here (a superset of where the parser reads headers), and the block ends
/// at the empty line, or where the parser would refuse the syntax anyway. Inside it, header
/// names must be ASCII and the block at most `maxHeaderBytes` long. File bytes never look like a
/// header block, so uploads are not slowed by more than a byte comparison.
public struct MultipartHeaderGuard: Sendable {
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case nonASCIIHeaderName
        case headerTooLong(limit: Int)

        public var description: String {
            switch self {
            case .nonASCIIHeaderName: "a part header's name is not ASCII"
            case let .headerTooLong(limit): "a part's headers are longer than \(limit) bytes"
            }
        }
    }

    /// The headers of one part (twine sends two short lines) may be at most this long.
    public static let maxHeaderBytes = 16 << 10

    private enum Block {
        case none
        /// At a header name, `count` bytes of it read.
        case name(count: Int)
        case value
        /// A CR ended a value; LF starts the next name.
        case valueCR
    }

    private let delimiter: [UInt8]
    /// Knuth–Morris–Pratt failure function of `delimiter`, so matches across chunk edges and
    /// overlapping prefixes are all found.
    private let failure: [Int]
    private var matched = 0
    private var block = Block.none
    private var blockBytes = 0

    public init(boundary: String) {
        let delimiter = Array("--\(boundary)\r\n".utf8)
        var failure = [Int](repeating: 0, count: delimiter.count)
        var k = 0
        for i in 1..<delimiter.count {
            while k > 0 && delimiter[i] != delimiter[k] { k = failure[k - 1] }
            if delimiter[i] == delimiter[k] { k += 1 }
            failure[i] = k
        }
        self.delimiter = delimiter
        self.failure = failure
    }

    /// Checks the next bytes of the body; after a problem the body must be refused.
    public mutating func check(_ bytes: UnsafeRawBufferPointer) throws(Problem) {
        for byte in bytes {
            try step(byte)
        }
    }

    public mutating func check(_ bytes: [UInt8]) throws(Problem) {
        for byte in bytes {
            try step(byte)
        }
    }

    private mutating func step(_ byte: UInt8) throws(Problem) {
        switch block {
        case .none:
            break
        case .name(let count):
            if byte == UInt8(ascii: ":") && count > 0 {
                block = .value
            } else if byte == UInt8(ascii: "\r") && count == 0 {
                block = .none  // the empty line: the part's body follows
            } else if byte >= 0x80 {
                throw .nonASCIIHeaderName
            } else {
                block = .name(count: count + 1)
            }
        case .value:
            if byte == UInt8(ascii: "\r") { block = .valueCR }
        case .valueCR:
            block = byte == UInt8(ascii: "\n") ? .name(count: 0) : .none
        }
        if case .none = block {
        } else {
            blockBytes += 1
            if blockBytes > Self.maxHeaderBytes { throw .headerTooLong(limit: Self.maxHeaderBytes) }
        }

        while matched > 0 && byte != delimiter[matched] { matched = failure[matched - 1] }
        if byte == delimiter[matched] { matched += 1 }
        if matched == delimiter.count {
            block = .name(count: 0)
            blockBytes = 0
            matched = failure[matched - 1]
        }
    }
}
