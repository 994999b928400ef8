import Foundation

/// What one run did to one project at one target.
public struct ProjectReplication: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable, Codable {
        /// The record (and whatever it lacked) was copied.
        case copied
        /// The target already had the source's record.
        case upToDate = "up-to-date"
        /// A target file holds other bytes than the source's; nothing of the project's record was written.
        case conflict
        /// An error stopped the project; the next run retries it.
        case failed
        /// `--delete`: the project is gone from the source and was removed from the target.
        case removed
        /// The source record disappeared during the run.
        case vanished
    }

    public var project: String
    public var status: Status
    /// Objects written: files, metadata and the record.
    public var objectsCopied = 0
    public var bytesCopied: Int64 = 0
    public var objectsDeleted = 0
    /// Files the target's previous record listed and the new one does not; their objects stay
    /// at the target unless the run deletes (`--delete`).
    public var filesDropped = 0
    /// The source record etag that was replicated (the checkpoint keeps it).
    public var sourceEtag: String?
    /// Conflicts or the error, one line each.
    public var details: [String] = []

    public init(project: String, status: Status) {
        self.project = project
        self.status = status
    }

    public var description: String {
        var line = "\(project): \(status.rawValue)"
        if objectsCopied > 0 { line += ", \(objectsCopied) objects (\(bytesCopied) bytes) copied" }
        if objectsDeleted > 0 { line += ", \(objectsDeleted) objects deleted" }
        for detail in details { line += "\n  \(detail)" }
        return line
    }
}

/// The summary of one run against one target.
public struct ReplicationReport: Sendable, Codable, Equatable {
    public var target: String
    /// Projects at the source (each one's etag was compared with the checkpoint).
    public var projectsChecked = 0
    /// Projects whose record was written or removed at the target.
    public var projectsChanged = 0
    public var objectsCopied = 0
    public var bytesCopied: Int64 = 0
    public var objectsDeleted = 0
    /// One line per conflicting file.
    public var conflicts: [String] = []
    /// One line per failed project or step.
    public var failures: [String] = []
    public var seconds = 0.0

    public init(target: String) {
        self.target = target
    }

    public var succeeded: Bool { conflicts.isEmpty && failures.isEmpty }

    mutating func add(_ project: ProjectReplication) {
        objectsCopied += project.objectsCopied
        bytesCopied += project.bytesCopied
        objectsDeleted += project.objectsDeleted
        switch project.status {
        case .copied, .removed: projectsChanged += 1
        case .conflict: conflicts += project.details
        case .failed: failures += project.details.map { "\(project.project): \($0)" }
        case .upToDate, .vanished: break
        }
    }
}
