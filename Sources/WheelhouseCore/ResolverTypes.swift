/// One file of a release as the store has it: a wheel, or an sdist (never a candidate).
public struct ResolverFile: Sendable, Hashable {
    public var filename: String
    public var requiresPython: SpecifierSet?
    /// PEP 592: yanked files are chosen only when their version is pinned with `==` or `===`.
    public var yanked: Bool
    /// `Requires-Dist` from this file's METADATA.
    public var requiresDist: [Requirement]

    public init(filename: String, requiresPython: SpecifierSet? = nil, yanked: Bool = false, requiresDist: [Requirement] = []) {
        self.filename = filename
        self.requiresPython = requiresPython
        self.yanked = yanked
        self.requiresDist = requiresDist
    }
}

/// One release of a project as the store has it.
public struct ResolverRelease: Sendable, Hashable {
    public var project: ProjectName
    public var version: Version
    public var files: [ResolverFile]

    public init(project: ProjectName, version: Version, files: [ResolverFile]) {
        self.project = project
        self.version = version
        self.files = files
    }
}

/// Who asked for a requirement: the user (a root) or a selected release.
public enum RequirementSource: Sendable, Hashable, CustomStringConvertible {
    case root
    case release(ProjectName, Version)

    public var description: String {
        switch self {
        case .root: "requested"
        case let .release(project, version): "required by \(project) \(version)"
        }
    }
}

/// A requirement together with where it came from.
public struct ResolverConstraint: Sendable, Hashable, CustomStringConvertible {
    public let requirement: Requirement
    public let source: RequirementSource

    public init(_ requirement: Requirement, from source: RequirementSource) {
        self.requirement = requirement
        self.source = source
    }

    /// `"dep-lib<2" required by app 1.0`
    public var description: String { "\"\(requirement)\" \(source)" }
}

/// Why one release of a project was not (or could not be) chosen.
public enum ReleaseRejection: Sendable, Hashable {
    /// The release has only sdists (or no files).
    case noWheel(files: [String])
    /// None of its wheels has a tag the target supports.
    case noCompatibleWheel(target: String, wheels: [String])
    /// Its compatible wheels all require another Python.
    case requiresPython(SpecifierSet, python: Version)
    /// PEP 592: yanked, and no requirement pins it with `==`.
    case yanked
    /// A requirement's specifier excludes the version.
    case excluded(by: ResolverConstraint)
    /// PEP 440: a pre-release, while no specifier names one and a final release satisfies them.
    case prerelease
    /// It satisfied everything known when it was tried, and led to a conflict.
    case abandoned
}

/// A release and why it was rejected.
public struct RejectedRelease: Sendable, Hashable {
    public let version: Version
    public let reason: ReleaseRejection
}

/// One dead end the resolver met.
public enum ResolutionConflict: Sendable, Hashable, CustomStringConvertible {
    /// The store has no release of the project at all.
    case missingProject(ResolverConstraint)
    /// No release of the project satisfies `constraint` together with `others`.
    case unsatisfiable(ResolverConstraint, others: [ResolverConstraint], project: ProjectName, releases: [RejectedRelease])
    /// The release already chosen for the project does not satisfy a requirement met later.
    case chosenExcluded(ResolverConstraint, chosen: Version, chosenFor: [ResolverConstraint])
    /// The runtime's preinstalled version does not satisfy the requirement, and may not be replaced.
    case preinstalled(ResolverConstraint, runtime: String, installed: Version)

    public var description: String {
        switch self {
        case .missingProject(let constraint):
            return "no release of \"\(constraint.requirement.name)\" in the store (\(constraint.source))"
        case let .unsatisfiable(constraint, others, project, releases):
            var text = "cannot satisfy \(constraint)"
            if !others.isEmpty { text += " together with " + others.map(\.description).joined(separator: ", ") }
            return text + ": the store has \(project) " + Self.describe(releases, header: constraint)
        case let .chosenExcluded(constraint, chosen, chosenFor):
            return "cannot satisfy \(constraint): \(constraint.requirement.name) \(chosen) was already chosen for "
                + chosenFor.map(\.description).joined(separator: ", ")
        case let .preinstalled(constraint, runtime, installed):
            let requirement = constraint.requirement
            let name = requirement.name.raw
            var text = name + requirement.specifier.description
            if case .release = constraint.source { text += " (\(constraint.source))" }
            let upgrade = "pass --upgrade-preinstalled \(requirement.name.normalized) to ship your own"
            switch Self.direction(requirement.specifier, from: installed) {
            case .newer: return "\(text) needs a newer \(name) than \(runtime)'s preinstalled \(installed); \(upgrade)"
            case .older: return "\(text) needs an older \(name) than \(runtime)'s preinstalled \(installed); \(upgrade)"
            case .other: return "\(text) excludes \(runtime)'s preinstalled \(name) \(installed); \(upgrade)"
            }
        }
    }

    enum Direction { case newer, older, other }

    /// Which way the first clause that excludes `installed` points.
    static func direction(_ specifier: SpecifierSet, from installed: Version) -> Direction {
        for clause in specifier.specifiers where !clause.matches(installed, text: installed.description) {
            switch clause.operator {
            case .greaterThan, .greaterThanOrEqual, .compatible: return .newer
            case .lessThan, .lessThanOrEqual: return .older
            case .equal, .arbitrary:
                guard let pinned = clause.parsedVersion else { return .other }
                if clause.isPrefixMatch {
                    return pinned > installed ? .newer : .older
                }
                return pinned > installed ? .newer : pinned < installed ? .older : .other
            case .notEqual: return .other
            }
        }
        return .other
    }

    /// `2.1, 2.0 (excluded by <2), 1.5 (no wheel compatible with ...)`: releases newest first,
    /// neighbours with the same reason grouped.
    static func describe(_ releases: [RejectedRelease], header: ResolverConstraint?) -> String {
        var groups: [(versions: [String], reason: String)] = []
        for release in releases {
            let reason = describe(release.reason, header: header)
            if let last = groups.last, last.reason == reason {
                groups[groups.count - 1].versions.append(release.version.description)
            } else {
                groups.append(([release.version.description], reason))
            }
        }
        return groups.map { "\($0.versions.joined(separator: ", ")) (\($0.reason))" }.joined(separator: ", ")
    }

    static func describe(_ reason: ReleaseRejection, header: ResolverConstraint?) -> String {
        switch reason {
        case .noWheel(let files):
            return files.isEmpty ? "no files" : "no wheel; has " + list(files)
        case let .noCompatibleWheel(target, wheels):
            return "no wheel compatible with \(target); has " + list(wheels)
        case let .requiresPython(specifier, python):
            return "requires Python \(specifier), the target has \(python)"
        case .yanked:
            return "yanked; pin it with == to use it"
        case .excluded(let constraint):
            let specifier = constraint.requirement.specifier
            return constraint == header ? "excluded by \(specifier)" : "excluded by \(specifier) \(constraint.source)"
        case .prerelease:
            return "pre-release, not requested"
        case .abandoned:
            return "abandoned after a conflict"
        }
    }

    private static func list(_ names: [String]) -> String {
        let shown = names.prefix(4).joined(separator: ", ")
        return names.count > 4 ? "\(shown) and \(names.count - 4) more" : shown
    }
}

/// The resolver found no consistent set of wheels.
public struct ResolutionError: Error, Sendable, CustomStringConvertible {
    /// The target, as `TargetEnvironment.description`.
    public let target: String
    /// The distinct dead ends met, in the order found.
    public let conflicts: [ResolutionConflict]
    /// Set when the search stopped at its step limit instead of exhausting the choices.
    public let stepLimit: Int?
    /// `conflicts` holds one conflict per requested requirement that cannot be met even on its own.
    public let eachRequirement: Bool

    public init(target: String, conflicts: [ResolutionConflict], stepLimit: Int?, eachRequirement: Bool = false) {
        self.target = target
        self.conflicts = conflicts
        self.stepLimit = stepLimit
        self.eachRequirement = eachRequirement
    }

    public var description: String {
        var text: String
        if eachRequirement {
            return "no consistent set of wheels for \(target): \(conflicts.count) requirements cannot be met:"
                + conflicts.map { "\n  - \($0)" }.joined()
        }
        if let stepLimit {
            text =
                "gave up choosing wheels for \(target) after \(stepLimit) attempts: the requirements leave "
                + "too many combinations; pin some versions to narrow the search"
            if conflicts.isEmpty { return text }
            text += ". Conflicts met:"
        } else if conflicts.count == 1 {
            return "no consistent set of wheels for \(target): \(conflicts[0])"
        } else {
            text = "no consistent set of wheels for \(target); every choice ran into one of these conflicts:"
        }
        text += conflicts.prefix(10).map { "\n  - \($0)" }.joined()
        if conflicts.count > 10 { text += "\n  - and \(conflicts.count - 10) more" }
        return text
    }
}

/// The chosen wheels.
public struct Resolution: Sendable {
    public struct Selection: Sendable, Hashable {
        public let project: ProjectName
        public let version: Version
        public let file: ResolverFile
        public let wheel: WheelFilename
        /// The extras requested of the project, normalized and sorted.
        public let extras: [String]
        /// Who requires it, in the order found.
        public let requiredBy: [RequirementSource]
    }

    /// One wheel per project, sorted by project name.
    public let selected: [Selection]
    /// `resolveAll`: projects left out because no release of theirs can be installed on the target.
    public let skipped: [SkippedProject]
    /// Each preinstalled library a requirement touched, kept or replaced, sorted by name.
    public let preinstalled: [PreinstalledOutcome]
    /// `resolveAll`: projects left out because they cannot be resolved (with the others or
    /// at all), with the reason.
    public let leftOut: [LeftOutProject]

    init(selected: [Selection], skipped: [SkippedProject], preinstalled: [PreinstalledOutcome] = [], leftOut: [LeftOutProject] = []) {
        self.selected = selected
        self.skipped = skipped
        self.preinstalled = preinstalled
        self.leftOut = leftOut
    }

    func leavingOut(_ projects: [LeftOutProject]) -> Resolution {
        Resolution(selected: selected, skipped: skipped, preinstalled: preinstalled, leftOut: projects)
    }

    public subscript(project: ProjectName) -> Selection? {
        selected.first { $0.project == project }
    }
}

/// A project `resolveAll` leaves out: nothing depends on it, and none of its releases suits the target.
public struct SkippedProject: Sendable, Hashable, CustomStringConvertible {
    public let project: ProjectName
    public let releases: [RejectedRelease]

    public var description: String {
        "left out \(project): no release can be installed: "
            + ResolutionConflict.describe(releases, header: nil)
    }
}

/// What the runtime has installed before the manifest's wheels: a Glue profile's preinstalled
/// libraries, and which of them the manifest may replace with its own.
public struct InstalledSet: Sendable, Hashable {
    /// Which installed libraries the manifest may ship another version of.
    public enum Upgradable: Sendable, Hashable {
        case none
        case all
        case only(Set<ProjectName>)
    }

    /// For messages: `AWS Glue 5.0`.
    public var runtime: String
    public var versions: [ProjectName: Version]
    public var upgradable: Upgradable

    public init(runtime: String, versions: [ProjectName: Version], upgradable: Upgradable = .none) {
        self.runtime = runtime
        self.versions = versions
        self.upgradable = upgradable
    }

    public func isUpgradable(_ project: ProjectName) -> Bool {
        switch upgradable {
        case .none: false
        case .all: true
        case .only(let names): names.contains(project)
        }
    }
}

/// A preinstalled library some requirement touched: kept at the runtime's version, or
/// replaced by the version the manifest ships.
public struct PreinstalledOutcome: Sendable, Hashable, CustomStringConvertible {
    public let project: ProjectName
    public let installed: Version
    /// Nil: kept.
    public let shipped: Version?
    public let requiredBy: [RequirementSource]

    public var kept: Bool { shipped == nil }

    /// `pandas 2.2.2 kept` or `pandas 2.2.2 replaced by 2.3.3`.
    public var description: String {
        "\(project) \(installed) " + (shipped.map { "replaced by \($0)" } ?? "kept")
    }
}

/// A project default mode leaves out because it cannot be resolved, and why.
public struct LeftOutProject: Sendable, Hashable, CustomStringConvertible {
    public let project: ProjectName
    public let reason: String

    public var description: String { "left out \(project): \(reason)" }
}
