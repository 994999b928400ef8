import Crypto
import Foundation
import NIOCore
import WheelhouseStorage

/// Packs a selection of wheels into Glue's "zip of wheels" (AWS Glue 5.0 and later, AWS Glue
/// developer guide, "Appendix A: Creating a Zip of Wheels artifact"): an object whose name ends
/// in `.gluewheels.zip`, holding a top-level `wheels/` folder with the wheels and
/// `wheels/requirements.txt` pinning each (`name==version`), installed by Glue with
/// `--python-modules-installer-option --no-index`.
///
/// The key is `_wheelhouse/bundles/{name}-{hash}.gluewheels.zip`: `name` is the parameter's
/// last path segment, `hash` the first 16 hex digits of the sha256 of the sorted wheel keys.
/// A file key never changes once written, so the same selection always names the same
/// bundle, and an existing bundle is not written again. Entries are stored uncompressed
/// (wheels are zips already), with CRC-32 and sizes in the local headers.
public struct ManifestBundle: Sendable {
    public static let prefix = "_wheelhouse/bundles/"
    public let store: any BlobStore

    public init(store: any BlobStore) {
        self.store = store
    }

    public static func key(for wheels: [StoreWheel], parameter: String) -> String {
        let list = ManifestValue.ordered(wheels).map(\.key).joined(separator: "\n")
        let digest = SHA256.hash(data: Data(list.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return prefix + ManifestValue.objectName(parameter: parameter) + "-" + digest + ".gluewheels.zip"
    }

    /// `wheels/requirements.txt`: one `name==version` line per wheel, in the manifest's order.
    public static func requirements(for wheels: [StoreWheel]) -> String {
        ManifestValue.ordered(wheels).map { "\($0.project)==\($0.version)\n" }.joined()
    }

    /// Writes the bundle unless it exists (or `dryRun`); returns its key.
    public func pack(_ wheels: [StoreWheel], parameter: String, dryRun: Bool) async throws -> String {
        let key = Self.key(for: wheels, parameter: parameter)
        if dryRun { return key }
        if try await store.head(key) != nil { return key }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wheelhouse-bundle-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: file) }
        try await write(ManifestValue.ordered(wheels), to: file)
        do {
            try await store.write(key, contentsOf: file, contentType: "application/zip", condition: .ifAbsent)
        } catch BlobStoreError.preconditionFailed {
            // Another publisher wrote the same bundle first.
        }
        return key
    }

    /// A zip (APPNOTE 6.3.x, no ZIP64) of `wheels/{filename}` for each wheel, its bytes
    /// streamed from the store, then `wheels/requirements.txt`.
    func write(_ wheels: [StoreWheel], to file: URL) async throws {
        guard wheels.count < 0xFFFE else { throw ManifestError.bundleFailed("more than 65,533 wheels") }
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw ManifestError.bundleFailed("cannot create \(file.path)")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var central = Data()
        var offset: UInt64 = 0
        let requirements = Data(Self.requirements(for: wheels).utf8)
        let members: [(name: String, source: Member)] =
            wheels.map { ("wheels/" + $0.filename, .store($0.key)) } + [("wheels/requirements.txt", .bytes(requirements))]
        for (memberName, source) in members {
            let name = Data(memberName.utf8)
            let headerOffset = offset
            // Local file header; CRC-32 and sizes are patched in once the bytes are written.
            var header = Data()
            header.append(le32: 0x0403_4b50)
            header.append(le16: 20)  // version needed: 2.0
            header.append(le16: 0x0800)  // UTF-8 names
            header.append(le16: 0)  // stored
            header.append(le16: 0)  // time
            header.append(le16: 0x21)  // date: 1980-01-01
            header.append(Data(count: 12))  // crc, compressed size, size
            header.append(le16: UInt16(name.count))
            header.append(le16: 0)
            header.append(name)
            try handle.write(contentsOf: header)
            var crc = CRC32()
            var size: UInt64 = 0
            switch source {
            case .store(let key):
                let (_, body) = try await store.get(key, range: nil)
                for try await chunk in body {
                    let bytes = Data(chunk.readableBytesView)
                    crc.update(bytes)
                    size += UInt64(bytes.count)
                    try handle.write(contentsOf: bytes)
                }
            case .bytes(let bytes):
                crc.update(bytes)
                size = UInt64(bytes.count)
                try handle.write(contentsOf: bytes)
            }
            offset += UInt64(header.count) + size
            guard offset < 0xFFFF_FFFF else { throw ManifestError.bundleFailed("the wheels come to more than 4 GiB") }
            var sizes = Data()
            sizes.append(le32: crc.value)
            sizes.append(le32: UInt32(size))
            sizes.append(le32: UInt32(size))
            try handle.seek(toOffset: headerOffset + 14)
            try handle.write(contentsOf: sizes)
            try handle.seek(toOffset: offset)

            central.append(le32: 0x0201_4b50)
            central.append(le16: 0x031E)  // made by: Unix, 3.0
            central.append(le16: 20)
            central.append(le16: 0x0800)
            central.append(le16: 0)
            central.append(le16: 0)
            central.append(le16: 0x21)
            central.append(sizes)
            central.append(le16: UInt16(name.count))
            central.append(le16: 0)  // extra
            central.append(le16: 0)  // comment
            central.append(le16: 0)  // disk
            central.append(le16: 0)  // internal attributes
            central.append(le32: 0o100644 << 16)  // external: a regular file, rw-r--r--
            central.append(le32: UInt32(headerOffset))
            central.append(name)
        }
        var end = Data()
        end.append(le32: 0x0605_4b50)
        end.append(le16: 0)
        end.append(le16: 0)
        end.append(le16: UInt16(members.count))
        end.append(le16: UInt16(members.count))
        end.append(le32: UInt32(central.count))
        end.append(le32: UInt32(offset))
        end.append(le16: 0)
        try handle.write(contentsOf: central + end)
    }
}

/// Where a bundle member's bytes come from.
private enum Member {
    case store(String)
    case bytes(Data)
}

/// CRC-32 (ISO-HDLC, the zip polynomial 0xEDB88320).
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }
    private var crc: UInt32 = 0xFFFF_FFFF

    mutating func update(_ data: Data) {
        for byte in data { crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }

    var value: UInt32 { crc ^ 0xFFFF_FFFF }
}

extension Data {
    fileprivate mutating func append(le16 value: UInt16) {
        append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8)])
    }

    fileprivate mutating func append(le32 value: UInt32) {
        append(contentsOf: (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) })
    }
}
