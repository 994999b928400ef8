/// Chooses a complete, consistent set of wheels for a target: one release per project, every
/// `Requires-Dist` of every chosen wheel (markers evaluated for the target, extras honoured)
/// met by another chosen wheel, each project at the newest version its constraints allow.
///
/// A depth-first search with backtracking: the next project decided is the one with the
/// fewest remaining candidates (a project with none fails at once), its candidates tried
/// newest first; a requirement that a chosen release or no release can meet abandons the
/// latest choice. Deterministic: the same store and roots give the same answer.
///
/// What the runtime already has (`InstalledSet`, a Glue profile's preinstalled libraries)
/// counts as a release with nothing to ship: a requirement it satisfies selects nothing, and
/// one it does not satisfy fails by name unless the library may be replaced, in which case
/// the installed version is one more candidate among the store's, tried in version order.
public struct Resolver: Sendable {
    public let target: TargetEnvironment
    /// Attempts (a release tried for a project) before giving up.
    public var stepLimit = 100_000
    /// Each project's releases newest first, with the file the target would install.
    let options: [ProjectName: [Option]]
    /// The projects the store has releases of (default mode's roots).
    let storeProjects: Set<ProjectName>
    public let installed: InstalledSet?

    /// A release and the file chosen for the target, or why none suits it.
    struct Option: Sendable {
        let release: ResolverRelease
        let file: ResolverFile?
        let wheel: WheelFilename?
        let unusable: ReleaseRejection?
        /// The version as written, for `===` (computed once: matching is the hot path).
        let versionText: String

        /// The runtime's own installed copy: nothing to ship, no dependencies to follow.
        var preinstalled = false

        var version: Version { release.version }
        var yanked: Bool { file?.yanked ?? false }
        /// A release the target can have: a compatible wheel, or already installed.
        var usable: Bool { file != nil || preinstalled }
    }

    /// `installed`: what the runtime has before anything is shipped; nil resolves as if
    /// nothing were installed.
    public init(target: TargetEnvironment, releases: [ProjectName: [ResolverRelease]], installed: InstalledSet? = nil) {
        self.target = target
        self.installed = installed
        var options: [ProjectName: [Option]] = [:]
        for (project, list) in releases {
            options[project] = list.sorted { $0.version > $1.version }.map { Self.option($0, target: target) }
        }
        self.storeProjects = Set(options.keys)
        for (project, version) in installed?.versions ?? [:] {
            let own = Option(
                release: ResolverRelease(project: project, version: version, files: []), file: nil, wheel: nil, unusable: nil,
                versionText: version.description, preinstalled: true)
            if installed?.isUpgradable(project) == true {
                // The store's releases and the installed one, newest first; the same version
                // is not shipped again.
                let store = (options[project] ?? []).filter { $0.version != version }
                let index = store.firstIndex { $0.version < version } ?? store.count
                options[project] = Array(store[..<index]) + [own] + Array(store[index...])
            } else {
                options[project] = [own]
            }
        }
        self.options = options
    }

    /// The file pip would install from this release: the most specific compatible wheel whose
    /// Requires-Python admits the target, preferring files that are not yanked.
    static func option(_ release: ResolverRelease, target: TargetEnvironment) -> Option {
        let wheels = release.files.compactMap { file in
            file.filename.hasSuffix(".whl") ? (try? WheelFilename(file.filename)).map { (file, $0) } : nil
        }
        let fitting = wheels.filter { target.priority(of: $0.1) != nil }
        let usable = fitting.filter { target.satisfies(requiresPython: $0.0.requiresPython) }
        for group in [usable.filter { !$0.0.yanked }, usable.filter(\.0.yanked)] {
            if let best = target.bestWheel(among: group.map(\.1)),
                let file = group.first(where: { $0.1.filename == best.wheel.filename })?.0
            {
                return Option(release: release, file: file, wheel: best.wheel, unusable: nil, versionText: release.version.description)
            }
        }
        let reason: ReleaseRejection
        if let best = target.bestWheel(among: fitting.map(\.1)),
            let file = fitting.first(where: { $0.1.filename == best.wheel.filename })?.0,
            let requiresPython = file.requiresPython
        {
            reason = .requiresPython(requiresPython, python: target.pythonVersion)
        } else if wheels.isEmpty {
            reason = .noWheel(files: release.files.map(\.filename).sorted())
        } else {
            reason = .noCompatibleWheel(target: target.description, wheels: wheels.map(\.0.filename).sorted())
        }
        return Option(release: release, file: nil, wheel: nil, unusable: reason, versionText: release.version.description)
    }

    /// Whether `project` is the runtime's own and may not be replaced.
    private func isPinnedInstalled(_ project: ProjectName) -> Bool {
        guard let installed, installed.versions[project] != nil else { return false }
        return !installed.isUpgradable(project)
    }

    // MARK: Entry points

    /// Resolves the PEP 508 `roots` (markers evaluated for the target).
    /// When several roots cannot be met even on their own, the error names each of them (one
    /// conflict each), not only the first the search ran into.
    public func resolve(roots: [Requirement]) throws(ResolutionError) -> Resolution {
        let constraints = roots.map { ResolverConstraint($0, from: .root) }
        do {
            return try search(roots: constraints, skipped: [])
        } catch {
            guard constraints.count > 1 else { throw error }
            var unmet: [ResolutionConflict] = []
            for root in constraints {
                do {
                    _ = try search(roots: [root], skipped: [])
                } catch let alone {
                    if let first = alone.conflicts.first { unmet.append(first) }
                }
            }
            guard unmet.count > 1 else { throw error }
            throw ResolutionError(target: target.description, conflicts: unmet, stepLimit: nil, eachRequirement: true)
        }
    }

    /// Every project in the store is a root, without a specifier. A project none of whose
    /// releases can be installed on the target is left out and reported (`skipped`), unless
    /// a chosen release requires it. When the whole store does not resolve, the projects that
    /// cannot be resolved are left out and reported (`leftOut`), so one bad upload does not
    /// stop the rest from being published: first each project that fails on its own, then,
    /// if the others still conflict, each that breaks the set when added in name order.
    public func resolveAll() throws(ResolutionError) -> Resolution {
        let (roots, skipped) = defaultRoots()
        do {
            return try search(roots: roots, skipped: skipped)
        } catch {
            return try resolveLeavingOut(roots: roots, skipped: skipped)
        }
    }

    private func resolveLeavingOut(roots: [ResolverConstraint], skipped: [SkippedProject]) throws(ResolutionError) -> Resolution {
        var leftOut: [LeftOutProject] = []
        var alone: [ResolverConstraint] = []
        for root in roots {
            do {
                _ = try search(roots: [root], skipped: [])
                alone.append(root)
            } catch {
                leftOut.append(LeftOutProject(project: root.requirement.name, reason: Self.reason(error)))
            }
        }
        if let resolution = try? search(roots: alone, skipped: skipped) {
            return resolution.leavingOut(leftOut)
        }
        var accepted: [ResolverConstraint] = []
        for root in alone {
            do {
                _ = try search(roots: accepted + [root], skipped: [])
                accepted.append(root)
            } catch {
                leftOut.append(
                    LeftOutProject(
                        project: root.requirement.name, reason: "conflicts with the projects before it: " + Self.reason(error)))
            }
        }
        let resolution = try search(roots: accepted, skipped: skipped)
        return resolution.leavingOut(leftOut.sorted { $0.project < $1.project })
    }

    /// The conflicts of a failed resolution, without the target.
    private static func reason(_ error: ResolutionError) -> String {
        if error.stepLimit != nil || error.conflicts.isEmpty { return error.description }
        return error.conflicts.prefix(3).map(\.description).joined(separator: "; ")
            + (error.conflicts.count > 3 ? "; and \(error.conflicts.count - 3) more" : "")
    }

    private func defaultRoots() -> (roots: [ResolverConstraint], skipped: [SkippedProject]) {
        var roots: [ResolverConstraint] = []
        var skipped: [SkippedProject] = []
        for project in storeProjects.sorted() {
            // Installable, and not only yanked releases: one a root without a pin could choose.
            if !preferred(options[project] ?? [], []).contains(true) {
                skipped.append(SkippedProject(project: project, releases: explain(project, constraints: [])))
            } else if let requirement = try? Requirement(project.normalized) {
                roots.append(ResolverConstraint(requirement, from: .root))
            }
        }
        return (roots, skipped)
    }

    // MARK: Search

    /// What is decided on one path of the search.
    struct State {
        /// Every requirement met so far, per project, in arrival order.
        var constraints: [ProjectName: [ResolverConstraint]] = [:]
        /// The chosen option index per project, and the extras requested of it.
        var chosen: [ProjectName: (index: Int, extras: Set<String>)] = [:]
        /// `candidates(for:constraints:)` of each required project not chosen yet, kept up to
        /// date as its constraints grow, so picking the next project is cheap.
        var open: [ProjectName: [Int]] = [:]
    }

    /// A decision point: the state before choosing `project`, and the candidates left to try.
    struct Frame {
        let state: State
        let project: ProjectName
        let candidates: [Int]
        var next = 0
    }

    struct Conflicts {
        private(set) var list: [ResolutionConflict] = []
        private var seen = Set<ResolutionConflict>()

        mutating func record(_ conflict: ResolutionConflict) {
            if seen.insert(conflict).inserted { list.append(conflict) }
        }
    }

    private func search(roots: [ResolverConstraint], skipped: [SkippedProject]) throws(ResolutionError) -> Resolution {
        var conflicts = Conflicts()
        var state = State()
        for root in roots where root.requirement.marker?.evaluate(target.markerEnvironment) ?? true {
            if let conflict = add(root, to: &state) {
                throw ResolutionError(target: target.description, conflicts: [conflict], stepLimit: nil)
            }
        }
        var stack: [Frame] = []
        var steps = 0
        while true {
            if let (project, candidates) = nextProject(state) {
                stack.append(Frame(state: state, project: project, candidates: candidates))
            } else if let conflict = finalCheck(state) {
                conflicts.record(conflict)
            } else {
                return resolution(state, skipped: skipped)
            }
            // Take the next candidate of the latest decision that has one left.
            var advanced = false
            while !advanced, let frame = stack.last {
                guard frame.next < frame.candidates.count else {
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                steps += 1
                if steps > stepLimit {
                    throw ResolutionError(target: target.description, conflicts: conflicts.list, stepLimit: stepLimit)
                }
                var attempt = frame.state
                if let conflict = choose(frame.candidates[frame.next], for: frame.project, in: &attempt) {
                    conflicts.record(conflict)
                } else {
                    state = attempt
                    advanced = true
                }
            }
            if !advanced {
                throw ResolutionError(target: target.description, conflicts: conflicts.list, stepLimit: nil)
            }
        }
    }

    /// The undecided project with the fewest candidates (ties by name), or nil when every
    /// required project is chosen.
    private func nextProject(_ state: State) -> (ProjectName, [Int])? {
        var best: (project: ProjectName, candidates: [Int])?
        for (project, candidates) in state.open {
            if let current = best, (current.candidates.count, current.project) <= (candidates.count, project) { continue }
            best = (project, candidates)
        }
        return best
    }

    /// Chooses option `index` of `project` and adds its dependencies; a conflict if one
    /// of them cannot be met.
    private func choose(_ index: Int, for project: ProjectName, in state: inout State) -> ResolutionConflict? {
        let extras = Set((state.constraints[project] ?? []).flatMap(\.requirement.extras))
        state.chosen[project] = (index, extras)
        state.open[project] = nil
        return addDependencies(of: project, extras: extras, to: &state)
    }

    /// The dependencies of the chosen file of `project` that apply to the target with `extras`.
    private func addDependencies(of project: ProjectName, extras: Set<String>, to state: inout State) -> ResolutionConflict? {
        guard let index = state.chosen[project]?.index, let option = options[project]?[index], let file = option.file else {
            return nil
        }
        let source = RequirementSource.release(option.release.project, option.version)
        for requirement in file.requiresDist where applies(requirement, extras: extras) {
            if let conflict = add(ResolverConstraint(requirement, from: source), to: &state) { return conflict }
        }
        return nil
    }

    /// PEP 508: a dependency applies when its marker holds for the target, with no extra or
    /// with one of the extras requested.
    private func applies(_ requirement: Requirement, extras: Set<String>) -> Bool {
        guard let marker = requirement.marker else { return true }
        return marker.evaluate(target.markerEnvironment)
            || (!extras.isEmpty && marker.evaluate(target.markerEnvironment, extras: extras))
    }

    /// Records a requirement and checks it against what is chosen: a conflict when the store
    /// lacks the project, the chosen release does not satisfy it, or no release is left.
    private func add(_ constraint: ResolverConstraint, to state: inout State) -> ResolutionConflict? {
        let project = constraint.requirement.name
        guard let projectOptions = options[project], !projectOptions.isEmpty else { return .missingProject(constraint) }
        var constraints = state.constraints[project] ?? []
        guard !constraints.contains(constraint) else { return nil }
        let others = constraints
        constraints.append(constraint)
        state.constraints[project] = constraints
        if let chosen = state.chosen[project] {
            let version = projectOptions[chosen.index].version
            guard constraint.requirement.specifier.contains(version, prereleases: true) else {
                if isPinnedInstalled(project), let installed {
                    return .preinstalled(constraint, runtime: installed.runtime, installed: version)
                }
                return .chosenExcluded(constraint, chosen: version, chosenFor: others)
            }
            let newExtras = Set(constraint.requirement.extras).subtracting(chosen.extras)
            guard !newExtras.isEmpty else { return nil }
            let extras = chosen.extras.union(newExtras)
            state.chosen[project] = (chosen.index, extras)
            return addDependencies(of: project, extras: extras, to: &state)
        }
        let candidates = candidates(for: project, constraints: constraints)
        state.open[project] = candidates
        if candidates.isEmpty {
            if isPinnedInstalled(project), let installed, let version = installed.versions[project] {
                return .preinstalled(constraint, runtime: installed.runtime, installed: version)
            }
            return .unsatisfiable(
                constraint, others: others, project: projectOptions[0].release.project,
                releases: explain(project, constraints: constraints))
        }
        return nil
    }

    /// Options to try, in order: those the constraints prefer (PEP 440 pre-release rule,
    /// PEP 592 yanked rule) newest first, then the rest that satisfy the specifiers, newest
    /// first, which later requirements may still make acceptable (see `finalCheck`).
    func candidates(for project: ProjectName, constraints: [ResolverConstraint]) -> [Int] {
        guard let projectOptions = options[project] else { return [] }
        let specifiers = constraints.flatMap(\.requirement.specifier.specifiers)
        let matching = projectOptions.indices.filter {
            projectOptions[$0].usable && Self.matches(projectOptions[$0], specifiers)
        }
        let preferred = preferred(projectOptions, specifiers)
        return matching.filter { preferred[$0] } + matching.filter { !preferred[$0] }
    }

    /// Per option, whether the specifiers accept it: usable, not yanked unless pinned
    /// (PEP 592), and pre-releases only when a specifier names one or no final release
    /// satisfies them (PEP 440; `SpecifierSet.filter`'s rule).
    private func preferred(_ projectOptions: [Option], _ specifiers: [Specifier]) -> [Bool] {
        let accepted = projectOptions.map { option in
            option.usable && (!option.yanked || Self.isPinned(option, specifiers)) && Self.matches(option, specifiers)
        }
        if SpecifierSet(specifiers).impliesPrereleases == true { return accepted }
        let finals = zip(projectOptions, accepted).map { $1 && !$0.version.isPrerelease }
        return finals.contains(true) ? finals : accepted
    }

    /// Whether every specifier matches the option's version, pre-releases included.
    private static func matches(_ option: Option, _ specifiers: [Specifier]) -> Bool {
        specifiers.allSatisfy { $0.matches(option.version, text: option.versionText) }
    }

    /// PEP 592: a specifier names exactly this version with `==` (not a prefix) or `===`.
    private static func isPinned(_ option: Option, _ specifiers: [Specifier]) -> Bool {
        specifiers.contains { specifier in
            (specifier.operator == .arbitrary || (specifier.operator == .equal && !specifier.isPrefixMatch))
                && specifier.matches(option.version, text: option.versionText)
        }
    }

    /// A complete state is accepted only if every chosen version is one its final constraints
    /// prefer: a pre-release or yanked release tried early must have become acceptable.
    private func finalCheck(_ state: State) -> ResolutionConflict? {
        for (project, chosen) in state.chosen.sorted(by: { $0.key < $1.key }) {
            guard let projectOptions = options[project] else { continue }
            let constraints = state.constraints[project] ?? []
            let specifiers = constraints.flatMap(\.requirement.specifier.specifiers)
            if !preferred(projectOptions, specifiers)[chosen.index], let first = constraints.first {
                if isPinnedInstalled(project), let installed {
                    return .preinstalled(first, runtime: installed.runtime, installed: projectOptions[chosen.index].version)
                }
                return .unsatisfiable(
                    first, others: Array(constraints.dropFirst()), project: projectOptions[0].release.project,
                    releases: explain(project, constraints: constraints))
            }
        }
        return nil
    }

    /// Why each release of `project` is not a choice under `constraints`, newest first.
    func explain(_ project: ProjectName, constraints: [ResolverConstraint]) -> [RejectedRelease] {
        guard let projectOptions = options[project] else { return [] }
        let specifiers = constraints.flatMap(\.requirement.specifier.specifiers)
        let preferred = preferred(projectOptions, specifiers)
        return zip(projectOptions, preferred).map { option, preferred in
            let reason: ReleaseRejection =
                if let unusable = option.unusable {
                    unusable
                } else if let excluding = constraints.first(where: {
                    !Self.matches(option, $0.requirement.specifier.specifiers)
                }) { .excluded(by: excluding) } else if option.yanked && !Self.isPinned(option, specifiers) { .yanked } else if !preferred { .prerelease } else
                { .abandoned }
            return RejectedRelease(version: option.version, reason: reason)
        }
    }

    private func resolution(_ state: State, skipped: [SkippedProject]) -> Resolution {
        var selected: [Resolution.Selection] = []
        var preinstalled: [PreinstalledOutcome] = []
        for (project, chosen) in state.chosen.sorted(by: { $0.key < $1.key }) {
            guard let option = options[project]?[chosen.index] else { continue }
            if let installedVersion = installed?.versions[project] {
                preinstalled.append(
                    PreinstalledOutcome(
                        project: option.release.project, installed: installedVersion,
                        shipped: option.preinstalled ? nil : option.version,
                        requiredBy: Self.unique((state.constraints[project] ?? []).map(\.source))))
            }
            guard let file = option.file, let wheel = option.wheel else { continue }
            selected.append(
                Resolution.Selection(
                    project: option.release.project, version: option.version, file: file, wheel: wheel,
                    extras: chosen.extras.sorted(),
                    requiredBy: Self.unique((state.constraints[project] ?? []).map(\.source))))
        }
        let chosenProjects = Set(state.chosen.keys)
        return Resolution(
            selected: selected, skipped: skipped.filter { !chosenProjects.contains($0.project) }, preinstalled: preinstalled)
    }

    private static func unique(_ sources: [RequirementSource]) -> [RequirementSource] {
        var seen = Set<RequirementSource>()
        return sources.filter { seen.insert($0).inserted }
    }
}
