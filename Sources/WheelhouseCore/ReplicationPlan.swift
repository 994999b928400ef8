/// The pure decisions of one replication run (DESIGN.md §5): which projects to copy, which to
/// remove, and what the target's checkpoint records afterwards. The replicator does the I/O;
/// everything it decides from listings and results is here, so it is tested with tables.
///
/// A checkpoint maps project → the source record etag last replicated. An entry may carry the
/// suffix ` +kept`: the target still holds objects of files the record dropped (a run without
/// `--delete`), so a `--delete` run must redo the project even though its etag is unchanged.
public struct ReplicationPlan: Sendable, Equatable {
    /// Source project → its record etag (from one listing of the source's records).
    public var sourceEtags: [String: String]
    /// The target's checkpoint entries as loaded.
    public var checkpoint: [String: String]
    /// `--delete`: remove at the target what the source no longer has.
    public var deleteExtraneous: Bool

    public init(sourceEtags: [String: String], checkpoint: [String: String], deleteExtraneous: Bool) {
        self.sourceEtags = sourceEtags
        self.checkpoint = checkpoint
        self.deleteExtraneous = deleteExtraneous
    }

    // MARK: Checkpoint entries

    public static let keptSuffix = " +kept"

    /// The entry for a replicated record etag; `keepsDropped` when dropped files' objects stay.
    public static func entry(etag: String, keepsDropped: Bool) -> String {
        keepsDropped ? etag + keptSuffix : etag
    }

    public static func keepsDropped(_ entry: String) -> Bool { entry.hasSuffix(keptSuffix) }

    /// The etag an entry names, without the ` +kept` mark.
    public static func etag(of entry: String) -> String {
        keepsDropped(entry) ? String(entry.dropLast(keptSuffix.count)) : entry
    }

    // MARK: What to do

    /// Source projects whose record etag differs from the checkpoint's (or that it lacks),
    /// sorted. With `--delete`, an entry marked ` +kept` counts as differing.
    public var changedProjects: [String] {
        sourceEtags.filter { project, etag in
            guard let entry = checkpoint[project] else { return true }
            return deleteExtraneous ? entry != etag : Self.etag(of: entry) != etag
        }.keys.sorted()
    }

    /// With `--delete`: projects whose record is at the target or in the checkpoint (a run
    /// stopped between removing the record and the files) but not at the source, sorted.
    /// Without `--delete`: none.
    public func goneProjects(targetProjects: some Sequence<String>) -> [String] {
        guard deleteExtraneous else { return [] }
        var gone = Set(targetProjects.filter { sourceEtags[$0] == nil })
        gone.formUnion(checkpoint.keys.filter { sourceEtags[$0] == nil })
        return gone.sorted()
    }

    // MARK: What to record

    /// How one project's replication ended, as far as the checkpoint cares.
    public enum Outcome: Sendable, Equatable {
        /// The target holds the source record with this etag (copied now or already there);
        /// `filesDropped` files the target's previous record listed are no longer listed.
        case replicated(sourceEtag: String, filesDropped: Int)
        /// The source record disappeared during the run.
        case vanished
        /// A conflict or a failure: nothing is recorded, the next run retries.
        case unfinished
    }

    /// The checkpoint changes after a run and whether the root list must be rewritten.
    public struct Record: Sendable, Equatable {
        /// Entries to set; a nil value removes the entry.
        public var updates: [String: String?]
        public var rootListChanged: Bool

        public init(updates: [String: String?], rootListChanged: Bool) {
            self.updates = updates
            self.rootListChanged = rootListChanged
        }
    }

    /// What to write to the checkpoint for `outcomes` (copies) and `removed` (projects whose
    /// record was removed with `--delete`), and whether the root list changed: it does on a
    /// first run (empty checkpoint), when a project is new or vanished, or when one is gone.
    public func record(outcomes: [(project: String, outcome: Outcome)], gone: [String]) -> Record {
        var updates: [String: String?] = [:]
        var listChanged = checkpoint.isEmpty || !gone.isEmpty
        for (project, outcome) in outcomes {
            switch outcome {
            case .replicated(let etag, let filesDropped):
                let kept = !deleteExtraneous && (filesDropped > 0 || checkpoint[project].map(Self.keepsDropped) == true)
                updates[project] = .some(Self.entry(etag: etag, keepsDropped: kept))
                if checkpoint[project] == nil { listChanged = true }
            case .vanished:
                listChanged = true
            case .unfinished:
                break
            }
        }
        return Record(updates: updates, rootListChanged: listChanged)
    }
}
