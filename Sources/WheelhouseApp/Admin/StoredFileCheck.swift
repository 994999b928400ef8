import Foundation
import WheelhouseCore
import WheelhouseStorage

/// The one check of a store's objects against a project record: each file's bytes (size and
/// sha256, streamed), its PEP 658 `.metadata` file and its PEP 740 `.provenance` object. `wheelhouse verify` runs it against the
/// store's own records, `replicate --verify` against the source's records at each target.
struct StoredFileCheck: Sendable {
    /// One way the objects differ from the record.
    struct Finding: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case missingFile
            case sizeMismatch(stored: Int64)
            case hashMismatch(stored: String)
            case missingMetadata
            case metadataHashMismatch(stored: String)
            case missingProvenance
            case provenanceHashMismatch(stored: String)
        }
        var kind: Kind
        var key: String
        var file: FileRecord

        /// A sentence naming where the record comes from (`the record`, `the source`) and where
        /// the bytes are (`the store`, `the target`).
        func detail(record: String, store: String) -> String {
            switch kind {
            case .missingFile:
                "listed by \(record) (\(file.size) bytes) but not in \(store)"
            case .sizeMismatch(let stored):
                "\(record) says \(file.size) bytes, \(store) holds \(stored)"
            case .hashMismatch(let stored):
                "\(record) says sha256 \(file.sha256), the bytes in \(store) hash to \(stored)"
            case .missingMetadata:
                "\(record) lists core metadata but the .metadata file is not in \(store)"
            case .metadataHashMismatch(let stored):
                "\(record) says sha256 \(file.metadataSha256 ?? ""), the bytes in \(store) hash to \(stored)"
            case .missingProvenance:
                "\(record) lists provenance but the .provenance object is not in \(store)"
            case .provenanceHashMismatch(let stored):
                "\(record) says sha256 \(file.provenanceSha256 ?? ""), the bytes in \(store) hash to \(stored)"
            }
        }
    }

    /// What checking one record found.
    struct Result: Sendable {
        var findings: [Finding] = []
        /// Bytes read and hashed.
        var bytes: Int64 = 0
    }

    let store: any BlobStore
    /// Files checked at once.
    let jobs: Int

    init(store: any BlobStore, jobs: Int) {
        self.store = store
        self.jobs = max(1, jobs)
    }

    /// The keys a record accounts for: each file and, when recorded, its `.metadata` and `.provenance`.
    static func expectedKeys(of record: ProjectRecord, project: String) throws -> Set<String> {
        var keys = Set<String>()
        for file in record.files {
            keys.insert(try StorageLayout.fileKey(project: project, filename: file.filename))
            if file.metadataSha256 != nil {
                keys.insert(try StorageLayout.metadataKey(project: project, filename: file.filename))
            }
            if file.provenanceSha256 != nil {
                keys.insert(try StorageLayout.provenanceKey(project: project, filename: file.filename))
            }
        }
        return keys
    }

    /// Checks every file of `record`, `jobs` files at once; findings sorted by key.
    func check(_ record: ProjectRecord, project: String) async throws -> Result {
        var all = Result()
        for result in try await concurrentMap(record.files, jobs: jobs, { try await check($0, project: project) }) {
            all.findings += result.findings
            all.bytes += result.bytes
        }
        all.findings.sort { $0.key < $1.key }
        return all
    }

    private func check(_ file: FileRecord, project: String) async throws -> Result {
        var result = Result()
        let key = try StorageLayout.fileKey(project: project, filename: file.filename)
        guard try await store.head(key) != nil else {
            result.findings.append(Finding(kind: .missingFile, key: key, file: file))
            return result
        }
        let (size, sha256) = try await store.digest(of: key)
        result.bytes = size
        if size != file.size { result.findings.append(Finding(kind: .sizeMismatch(stored: size), key: key, file: file)) }
        if sha256 != file.sha256 { result.findings.append(Finding(kind: .hashMismatch(stored: sha256), key: key, file: file)) }
        if let metadataSha256 = file.metadataSha256 {
            let metadataKey = try StorageLayout.metadataKey(project: project, filename: file.filename)
            if try await store.head(metadataKey) == nil {
                result.findings.append(Finding(kind: .missingMetadata, key: metadataKey, file: file))
            } else {
                let actual = try await store.digest(of: metadataKey).sha256
                if actual != metadataSha256 {
                    result.findings.append(Finding(kind: .metadataHashMismatch(stored: actual), key: metadataKey, file: file))
                }
            }
        }
        if let provenanceSha256 = file.provenanceSha256 {
            let provenanceKey = try StorageLayout.provenanceKey(project: project, filename: file.filename)
            if try await store.head(provenanceKey) == nil {
                result.findings.append(Finding(kind: .missingProvenance, key: provenanceKey, file: file))
            } else {
                let actual = try await store.digest(of: provenanceKey).sha256
                if actual != provenanceSha256 {
                    result.findings.append(Finding(kind: .provenanceHashMismatch(stored: actual), key: provenanceKey, file: file))
                }
            }
        }
        return result
    }
}
