/// PEP 792 project status marker: the one status a project always has, with an optional
/// free-text reason. A record without one is `active` (PEP 792: "if no status is explicitly
/// noted, then the project is considered to be in the active state").
public struct ProjectStatus: Codable, Sendable, Equatable, CustomStringConvertible {
    /// PEP 792's four statuses.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Uploads allowed, files served (the default).
        case active
        /// PEP 792: the index MUST NOT allow uploads; it MUST still serve existing files.
        case archived
        /// PEP 792: the index MUST NOT allow uploads and MUST NOT offer any file for download.
        case quarantined
        /// PEP 792: the same index semantics as `active`; installers MAY warn.
        case deprecated
    }

    public var state: State
    /// Free text shown to people; nil when none was given.
    public var reason: String?

    public init(_ state: State, reason: String? = nil) {
        self.state = state
        self.reason = reason.flatMap { $0.isEmpty ? nil : $0 }
    }

    public static let active = ProjectStatus(.active)

    /// PEP 792: only `active` and `deprecated` projects take new distributions.
    public var acceptsUploads: Bool { state == .active || state == .deprecated }
    /// PEP 792: a `quarantined` project offers no distribution (files, metadata, provenance).
    public var servesFiles: Bool { state != .quarantined }

    /// `quarantined (malware found in 1.2)`.
    public var description: String { state.rawValue + (reason.map { " (\($0))" } ?? "") }

    enum CodingKeys: String, CodingKey {
        case state = "status"
        case reason
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .state)
        guard let state = State(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .state, in: container,
                debugDescription: "\(text.debugDescription) is not a PEP 792 status (active, archived, quarantined, deprecated)")
        }
        self.init(state, reason: try container.decodeIfPresent(String.self, forKey: .reason))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state.rawValue, forKey: .state)
        try container.encodeIfPresent(reason, forKey: .reason)
    }
}
