import Foundation
import WheelhouseCore
public import WheelhouseStorage

/// Keeps the static PEP 503 export (`simple/index.html`, `simple/{project}/index.html`) in step
/// with the records, so a bucket is a usable index even with no server running.
///
/// Several writers may export the same project at once. Each re-reads the record after writing
/// and writes again if it changed meanwhile, so the last write always reflects the newest record.
public struct StaticExport: Sendable {
    public let store: any BlobStore
    var records: ProjectRecords { ProjectRecords(store: store) }

    public init(store: any BlobStore) {
        self.store = store
    }

    public func exportProject(_ project: String) async throws {
        let key = try StorageLayout.exportProjectKey(project: project)
        var lastEtag: String?
        for _ in 0..<20 {
            guard let (record, etag) = try await records.load(project) else {
                try await store.delete(key)
                return
            }
            if etag == lastEtag { return }
            let bytes = PageRendering.render(record, format: .htmlV1)
            try await store.write(key, data: Data(bytes), contentType: "text/html; charset=utf-8", condition: .none)
            lastEtag = etag
        }
    }

    public func exportRoot() async throws {
        var last: [String]?
        for _ in 0..<20 {
            let names = try await records.projectNames()
            if names == last { return }
            let bytes = PageRendering.renderRoot(names, format: .htmlV1)
            try await store.write(
                StorageLayout.exportRootKey, data: Data(bytes), contentType: "text/html; charset=utf-8",
                condition: .none)
            last = names
        }
    }
}
