import Testing
import WheelhouseCore

/// The replication run's decisions, from listings and results alone (DESIGN.md §5).
@Suite struct ReplicationPlanTests {
    typealias Outcome = ReplicationPlan.Outcome

    @Test(
        arguments: [
            // (source etags, checkpoint, --delete, changed)
            ([:], [:], false, []),
            (["a": "1", "b": "2"], [:], false, ["a", "b"]),
            (["a": "1", "b": "2"], ["a": "1", "b": "2"], false, []),
            (["a": "1", "b": "3"], ["a": "1", "b": "2"], false, ["b"]),
            (["a": "1"], ["a": "1", "gone": "9"], false, []),
            // A ` +kept` entry is current without --delete, redone with it.
            (["a": "1"], ["a": "1 +kept"], false, []),
            (["a": "1"], ["a": "1 +kept"], true, ["a"]),
            (["a": "2"], ["a": "1 +kept"], false, ["a"]),
            (["b": "1", "a": "1", "c": "1"], ["b": "0"], false, ["a", "b", "c"]),
        ] as [([String: String], [String: String], Bool, [String])])
    func changedProjects(source: [String: String], checkpoint: [String: String], delete: Bool, changed: [String]) {
        let plan = ReplicationPlan(sourceEtags: source, checkpoint: checkpoint, deleteExtraneous: delete)
        #expect(plan.changedProjects == changed)
    }

    @Test(
        arguments: [
            // (source etags, checkpoint, target records, --delete, gone)
            (["a": "1"], [:], ["a", "b"], true, ["b"]),
            (["a": "1"], [:], ["a", "b"], false, []),
            // A run stopped after removing the record: the checkpoint still names the project.
            (["a": "1"], ["a": "1", "c": "5"], ["a"], true, ["c"]),
            (["a": "1"], ["c": "5"], ["b", "c"], true, ["b", "c"]),
            (["a": "1"], ["a": "1"], ["a"], true, []),
        ] as [([String: String], [String: String], [String], Bool, [String])])
    func goneProjects(source: [String: String], checkpoint: [String: String], target: [String], delete: Bool, gone: [String]) {
        let plan = ReplicationPlan(sourceEtags: source, checkpoint: checkpoint, deleteExtraneous: delete)
        #expect(plan.goneProjects(targetProjects: target) == gone)
    }

    struct RecordCase: Sendable, CustomTestStringConvertible {
        var name: String
        var checkpoint: [String: String]
        var delete = false
        var outcomes: [(String, Outcome)]
        var gone: [String] = []
        var updates: [String: String?]
        var rootListChanged: Bool
        var testDescription: String { name }
    }

    static let recordCases: [RecordCase] = [
        RecordCase(
            name: "first run: every copy recorded, root list written", checkpoint: [:],
            outcomes: [("a", .replicated(sourceEtag: "1", filesDropped: 0))], updates: ["a": "1"], rootListChanged: true),
        RecordCase(
            name: "a changed project already listed: no root list", checkpoint: ["a": "1", "b": "1"],
            outcomes: [("a", .replicated(sourceEtag: "2", filesDropped: 0))], updates: ["a": "2"], rootListChanged: false),
        RecordCase(
            name: "a new project changes the root list", checkpoint: ["a": "1"],
            outcomes: [("b", .replicated(sourceEtag: "1", filesDropped: 0))], updates: ["b": "1"], rootListChanged: true),
        RecordCase(
            name: "dropped files without --delete are marked kept", checkpoint: ["a": "1"],
            outcomes: [("a", .replicated(sourceEtag: "2", filesDropped: 1))], updates: ["a": "2 +kept"], rootListChanged: false),
        RecordCase(
            name: "the kept mark survives a later change", checkpoint: ["a": "1 +kept"],
            outcomes: [("a", .replicated(sourceEtag: "2", filesDropped: 0))], updates: ["a": "2 +kept"], rootListChanged: false),
        RecordCase(
            name: "--delete clears the kept mark", checkpoint: ["a": "1 +kept"], delete: true,
            outcomes: [("a", .replicated(sourceEtag: "1", filesDropped: 2))], updates: ["a": "1"], rootListChanged: false),
        RecordCase(
            name: "conflicts and failures record nothing", checkpoint: ["a": "1"],
            outcomes: [("a", .unfinished), ("b", .unfinished)], updates: [:], rootListChanged: false),
        RecordCase(
            name: "a vanished project changes the root list", checkpoint: ["a": "1"],
            outcomes: [("a", .vanished)], updates: [:], rootListChanged: true),
        RecordCase(
            name: "a gone project changes the root list", checkpoint: ["a": "1", "b": "1"], delete: true,
            outcomes: [], gone: ["b"], updates: [:], rootListChanged: true),
    ]

    @Test(arguments: recordCases)
    func record(_ example: RecordCase) {
        let plan = ReplicationPlan(sourceEtags: [:], checkpoint: example.checkpoint, deleteExtraneous: example.delete)
        let record = plan.record(outcomes: example.outcomes.map { (project: $0.0, outcome: $0.1) }, gone: example.gone)
        #expect(record.updates == example.updates)
        #expect(record.rootListChanged == example.rootListChanged)
    }

    @Test(arguments: [("abc", false, "abc"), ("abc", true, "abc +kept")])
    func entries(etag: String, kept: Bool, entry: String) {
        #expect(ReplicationPlan.entry(etag: etag, keepsDropped: kept) == entry)
        #expect(ReplicationPlan.etag(of: entry) == etag)
        #expect(ReplicationPlan.keepsDropped(entry) == kept)
    }
}
