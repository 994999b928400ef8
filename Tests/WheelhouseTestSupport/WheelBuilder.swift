import CArchive
import Crypto
public import Foundation

/// Why a test wheel or sdist could not be written.
public struct WheelBuilderError: Error, CustomStringConvertible {
    public let description: String
}

/// Writes small, valid wheels (PEP 427/491) and sdists (PEP 625) in-process, through libarchive,
/// so the fast test tier needs no Python. The Swift counterpart of `Tests/Fixtures/make_dist.py`
/// (same names, metadata text, WHEEL and RECORD), for the cases the in-process suites use.
///
/// A wheel is `{name}-{version}-{tag}.whl` with `{module}/__init__.py`, METADATA, WHEEL (one
/// `Tag:` line per expanded tag), the extra `files`, an optional incompressible `payload`, and a
/// RECORD with `sha256=` urlsafe-base64 digests and sizes (PEP 376). `extraRecordLines` and
/// `missingFromRecord` spoil the RECORD for negative cases. An sdist is `{name}-{version}.tar.gz`
/// with PKG-INFO (Metadata-Version 2.2 unless set) and setup.py.
public struct WheelBuilder: Sendable {
    public var name: String
    public var version: String
    /// The compatibility tag set, possibly compressed (`cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64`).
    public var tag = "py3-none-any"
    public var metadataVersion: String?
    public var summary = "A test distribution"
    public var requiresPython: String?
    public var requiresDist: [String] = []
    public var providesExtra: [String] = []
    /// Raw `Field: value` lines appended to the metadata headers.
    public var headers: [String] = []
    /// The metadata body (the long description); nil gives a short Markdown one.
    public var body: String?
    /// Bytes of incompressible data stored (not deflated) as `{module}/payload.bin`.
    public var payload = 0
    /// More files in the wheel, listed in RECORD unless named in `missingFromRecord`.
    public var files: [(path: String, contents: Data)] = []
    /// Lines added to RECORD as they are (entries for files the wheel does not hold, bad digests).
    public var extraRecordLines: [String] = []
    /// Paths left out of RECORD although they are in the wheel.
    public var missingFromRecord: Set<String> = []

    public init(_ name: String, _ version: String) {
        self.name = name
        self.version = version
    }

    /// The name as it appears in filenames (PEP 427: runs of `-_.` become `_`, lowercased).
    public var distName: String {
        name.replacing(/[-_.]+/, with: "_").lowercased()
    }

    var module: String {
        String(name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }

    var distInfo: String { "\(distName)-\(version).dist-info" }

    /// The METADATA / PKG-INFO text (RFC 822 headers, a blank line, a Markdown body).
    public func metadataText(defaultVersion: String = "2.1") -> String {
        var lines = [
            "Metadata-Version: \(metadataVersion ?? defaultVersion)", "Name: \(name)", "Version: \(version)",
            "Summary: \(summary)",
        ]
        if let requiresPython { lines.append("Requires-Python: \(requiresPython)") }
        lines += providesExtra.map { "Provides-Extra: \($0)" }
        lines += requiresDist.map { "Requires-Dist: \($0)" }
        lines += headers
        return lines.joined(separator: "\n") + "\n\n" + (body ?? "# \(name)\n\nA test distribution.\n")
    }

    /// The WHEEL file: one Tag line per expanded tag; purelib only for a platform-independent one.
    public var wheelText: String {
        let parts = tag.split(separator: "-").map { $0.split(separator: ".").map(String.init) }
        let (interpreters, abis, platforms) = (parts[0], parts.count > 1 ? parts[1] : [], parts.count > 2 ? parts[2] : [])
        var lines = ["Wheel-Version: 1.0", "Generator: wheelhouse-tests", "Root-Is-Purelib: \(platforms == ["any"])"]
        for i in interpreters { for a in abis { for p in platforms { lines.append("Tag: \(i)-\(a)-\(p)") } } }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `sha256=<urlsafe base64, unpadded>` as RECORD writes it.
    public static func recordDigest(_ data: Data) -> String {
        let b64 = Data(SHA256.hash(data: data)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "sha256=" + b64
    }

    /// Writes the wheel into `directory` and returns its URL.
    @discardableResult
    public func writeWheel(in directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("\(distName)-\(version)-\(tag).whl")
        var entries: [(path: String, contents: Data, stored: Bool)] = [
            ("\(module)/__init__.py", Data("__version__ = '\(version)'\n".utf8), false),
            ("\(distInfo)/METADATA", Data(metadataText().utf8), false),
            ("\(distInfo)/WHEEL", Data(wheelText.utf8), false),
        ]
        entries += files.map { (path: $0.path, contents: $0.contents, stored: false) }
        if payload > 0 {
            let seed = UInt64(truncatingIfNeeded: "\(name)-\(version)".utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 })
            entries.append(("\(module)/payload.bin", patternedData(count: payload, seed: seed), true))
        }
        var record = ""
        for entry in entries where !missingFromRecord.contains(entry.path) {
            record += "\(entry.path),\(Self.recordDigest(entry.contents)),\(entry.contents.count)\n"
        }
        record += extraRecordLines.map { $0 + "\n" }.joined()
        record += "\(distInfo)/RECORD,,\n"
        entries.append(("\(distInfo)/RECORD", Data(record.utf8), false))
        try Self.write(entries, to: url, zip: true)
        return url
    }

    /// Writes the sdist (`.tar.gz`, PAX) into `directory` and returns its URL.
    @discardableResult
    public func writeSdist(in directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let base = "\(distName)-\(version)"
        let url = directory.appendingPathComponent("\(base).tar.gz")
        let entries: [(path: String, contents: Data, stored: Bool)] =
            [
                ("\(base)/PKG-INFO", Data(metadataText(defaultVersion: "2.2").utf8), false),
                ("\(base)/setup.py", Data("from setuptools import setup\nsetup()\n".utf8), false),
            ] + files.map { (path: "\(base)/\($0.path)", contents: $0.contents, stored: false) }
        try Self.write(entries, to: url, zip: false)
        return url
    }

    /// `DistFixtures.make`'s signature, in-process: a wheel, or with `sdist` an sdist.
    @discardableResult
    public static func make(
        _ name: String, _ version: String, in directory: URL,
        requiresPython: String? = nil, requiresDist: [String] = [], sdist: Bool = false, payload: Int = 0,
        metadataVersion: String? = nil, headers: [String] = []
    ) throws -> URL {
        var builder = WheelBuilder(name, version)
        builder.requiresPython = requiresPython
        builder.requiresDist = requiresDist
        builder.payload = payload
        builder.metadataVersion = metadataVersion
        builder.headers = headers
        return sdist ? try builder.writeSdist(in: directory) : try builder.writeWheel(in: directory)
    }

    /// 2024-01-01T00:00:00Z, the timestamp make_dist.py gives every entry.
    static let mtime = 1_704_067_200

    private static func write(_ entries: [(path: String, contents: Data, stored: Bool)], to url: URL, zip: Bool) throws {
        guard let archive = archive_write_new() else { throw WheelBuilderError(description: "libarchive: no writer") }
        defer { archive_write_free(archive) }
        func check(_ status: Int32, _ what: String) throws {
            guard status == ARCHIVE_OK else {
                let message = archive_error_string(archive).map { String(cString: $0) } ?? "status \(status)"
                throw WheelBuilderError(description: "\(what) \(url.lastPathComponent): \(message)")
            }
        }
        if zip {
            try check(archive_write_set_format_zip(archive), "zip format for")
        } else {
            try check(archive_write_set_format_pax_restricted(archive), "tar format for")
            try check(archive_write_add_filter_gzip(archive), "gzip filter for")
        }
        try check(archive_write_open_filename(archive, url.path), "opening")
        for entry in entries {
            if zip {
                try check(
                    entry.stored ? archive_write_zip_set_compression_store(archive) : archive_write_zip_set_compression_deflate(archive),
                    "compression for")
            }
            guard let header = archive_entry_new() else { throw WheelBuilderError(description: "libarchive: no entry") }
            defer { archive_entry_free(header) }
            archive_entry_set_pathname(header, entry.path)
            archive_entry_set_size(header, Int64(entry.contents.count))
            archive_entry_set_filetype(header, 0o100000)  // AE_IFREG
            archive_entry_set_perm(header, 0o644)
            archive_entry_set_mtime(header, mtime, 0)
            try check(archive_write_header(archive, header), "header of \(entry.path) in")
            let written = entry.contents.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
            guard written == entry.contents.count else {
                throw WheelBuilderError(description: "wrote \(written) of \(entry.contents.count) bytes of \(entry.path) to \(url.path)")
            }
            try check(archive_write_finish_entry(archive), "finishing \(entry.path) in")
        }
        try check(archive_write_close(archive), "closing")
    }
}
