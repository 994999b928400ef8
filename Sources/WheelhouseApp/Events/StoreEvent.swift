public import Foundation
public import WheelhouseCore

/// One change of the store, as webhooks and SNS receive it (docs/events.md, `"schema": 1`).
///
/// Every event carries `schema`, `id` (unique: receivers dedupe on it, a retried delivery
/// repeats it), `type`, `time` (RFC 3339, UTC) and `store`; the other fields depend on the
/// type and are left out when they do not apply.
public struct StoreEvent: Sendable, Encodable, Equatable {
    /// The version of this JSON layout. A field may be added within a version; none is
    /// removed or changes meaning.
    public static let schemaVersion = 1

    public enum Kind: String, Sendable, Encodable, CaseIterable {
        /// A file was added (one event per file; an identical re-upload sends none).
        case upload
        /// PEP 592: every file of a release was yanked.
        case yank
        case unyank
        /// `wheelhouse prune` removed releases of a project (one event per project).
        case prune
        /// A manifest was written to its SSM parameter (only when its value changed).
        case manifestPublish = "manifest.publish"
        /// PEP 792: a project's status changed.
        case projectStatus = "project.status"
    }

    /// A file an event names.
    public struct File: Sendable, Encodable, Equatable {
        public var filename: String
        public var version: String
        public var sha256: String
        public var size: Int64

        public init(filename: String, version: String, sha256: String, size: Int64) {
            self.filename = filename
            self.version = version
            self.sha256 = sha256
            self.size = size
        }

        public init(_ record: FileRecord) {
            self.init(filename: record.filename, version: record.version, sha256: record.sha256, size: record.size)
        }
    }

    /// A publication, for `manifest.publish`.
    public struct Manifest: Sendable, Encodable, Equatable {
        public var parameter: String
        public var region: String
        public var target: String
        /// The parameter's version after the write.
        public var version: Int?
        public var format: String
        public var wheels: Int

        public init(parameter: String, region: String, target: String, version: Int?, format: String, wheels: Int) {
            self.parameter = parameter
            self.region = region
            self.target = target
            self.version = version
            self.format = format
            self.wheels = wheels
        }
    }

    public let schema = StoreEvent.schemaVersion
    public var id: String
    public var type: Kind
    public var time: Date
    /// The store, as `wheelhouse` names it (`file:///srv/data`, `s3://bucket/prefix`).
    public var store: String
    /// The normalized project name (PEP 503); nil for `manifest.publish`.
    public var project: String?
    /// `yank`, `unyank`: the release.
    public var version: String?
    /// `upload`: the file added; `prune`: the files removed.
    public var files: [File]?
    /// `prune`: the versions removed and kept (every kept one with why).
    public var removedVersions: [String]?
    public var keptVersions: [PrunedKept]?
    /// `yank`: the reason given; `project.status`: the status's reason.
    public var reason: String?
    /// `project.status`: the new status (`active`, `archived`, `quarantined`, `deprecated`).
    public var status: String?
    /// `project.status`: the status before.
    public var previousStatus: String?
    public var manifest: Manifest?

    /// A kept release of a prune, and why.
    public struct PrunedKept: Sendable, Encodable, Equatable {
        public var version: String
        public var reason: String
    }

    public init(
        type: Kind, store: String, project: String? = nil, version: String? = nil, files: [File]? = nil,
        reason: String? = nil, id: String = UUID().uuidString.lowercased(), time: Date = Date()
    ) {
        self.id = id
        self.type = type
        self.time = time
        self.store = store
        self.project = project
        self.version = version
        self.files = files
        self.reason = reason
    }

    /// A `project.status` event (PEP 792).
    public static func projectStatus(
        store: String, project: String, status: String, previous: String?, reason: String?
    ) -> StoreEvent {
        var event = StoreEvent(type: .projectStatus, store: store, project: project, reason: reason)
        event.status = status
        event.previousStatus = previous
        return event
    }

    enum CodingKeys: String, CodingKey {
        case schema, id, type, time, store, project, version, files, reason, status, manifest
        case removedVersions = "removed_versions"
        case keptVersions = "kept_versions"
        case previousStatus = "previous_status"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(RFC3339Timestamp.format(time), forKey: .time)
        try container.encode(store, forKey: .store)
        try container.encodeIfPresent(project, forKey: .project)
        try container.encodeIfPresent(version, forKey: .version)
        try container.encodeIfPresent(files, forKey: .files)
        try container.encodeIfPresent(removedVersions, forKey: .removedVersions)
        try container.encodeIfPresent(keptVersions, forKey: .keptVersions)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encodeIfPresent(previousStatus, forKey: .previousStatus)
        try container.encodeIfPresent(manifest, forKey: .manifest)
    }

    /// The exact bytes delivered (and signed): JSON, keys sorted, slashes unescaped.
    public func body() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self)
        } catch {
            // Strings, integers and formatted dates cannot fail to encode.
            preconditionFailure("encoding a StoreEvent failed: \(error)")
        }
    }
}

/// Where changes of the store are announced. `emit` never waits: delivery happens elsewhere.
public protocol EventSink: Sendable {
    func emit(_ event: StoreEvent)
}

/// Announces nothing.
public struct NoEvents: EventSink {
    public init() {}
    public func emit(_ event: StoreEvent) {}
}
