import WheelhouseCore

/// Selects a manifest's wheels with WheelhouseCore's `Resolver`: a dependency-closed,
/// consistent set for the target, the newest versions that fit, the wheel pip would pick.
struct ResolverSelector: ManifestSelector {
    let environment: TargetEnvironment
    /// Nil: every project of the store is a root.
    let roots: [Requirement]?
    /// pip-style constraints: releases outside them are not candidates.
    var constraints: [Requirement] = []
    /// Hash-checking: normalized project → allowed sha256 digests of its selected wheel.
    var allowedSHA256: [String: Set<String>] = [:]

    init(
        target: ManifestTarget, roots: [Requirement]?, constraints: [Requirement] = [],
        allowedSHA256: [String: Set<String>] = [:]
    ) throws {
        self.constraints = constraints
        self.allowedSHA256 = allowedSHA256
        switch target {
        case .glue(let version): environment = try TargetEnvironment.glue(version)
        case .python(let version, let platforms): environment = try TargetEnvironment(python: version, platforms: platforms)
        }
        self.roots = roots
    }

    var targetDescription: String { environment.description }

    func select(from wheels: [StoreWheel]) throws(ManifestError) -> ManifestSelection {
        var problems: [String] = []
        var releases: [ProjectName: [Version: [ResolverFile]]] = [:]
        var byFile: [String: StoreWheel] = [:]
        for wheel in wheels {
            let name: ProjectName
            let version: Version
            do {
                name = try ProjectName(wheel.project)
                version = try Version(wheel.version)
            } catch {
                problems.append("\(wheel.filename): \(error)")
                continue
            }
            var requiresDist: [Requirement] = []
            for line in wheel.requiresDist {
                do {
                    requiresDist.append(try Requirement(line))
                } catch {
                    problems.append("\(wheel.filename): Requires-Dist '\(line)': \(error)")
                }
            }
            var requiresPython: SpecifierSet?
            if let text = wheel.requiresPython, !text.isEmpty {
                do {
                    requiresPython = try SpecifierSet(text)
                } catch {
                    problems.append("\(wheel.filename): Requires-Python '\(text)': \(error)")
                }
            }
            // A constraint that applies on the target and excludes this version removes it.
            if constraints.contains(where: { constraint in
                constraint.name == name && !constraint.specifier.contains(version, prereleases: true)
                    && (constraint.marker.map { $0.evaluate(environment.markerEnvironment) } ?? true)
            }) {
                continue
            }
            releases[name, default: [:]][version, default: []].append(
                ResolverFile(
                    filename: wheel.filename, requiresPython: requiresPython, yanked: wheel.yanked, requiresDist: requiresDist))
            byFile[wheel.project + "/" + wheel.filename] = wheel
        }
        guard problems.isEmpty else { throw .invalidMetadata(problems) }
        var grouped: [ProjectName: [ResolverRelease]] = [:]
        for (name, versions) in releases {
            grouped[name] = versions.map { ResolverRelease(project: name, version: $0.key, files: $0.value) }
        }
        let resolver = Resolver(target: environment, releases: grouped)
        let resolution: Resolution
        do {
            if let roots {
                resolution = try resolver.resolve(roots: roots)
            } else {
                resolution = try resolver.resolveAll()
            }
        } catch {
            throw .unresolvable(message: error.description)
        }
        let selected = resolution.selected.compactMap { byFile[$0.project.normalized + "/" + $0.file.filename] }
        for wheel in selected {
            if let allowed = allowedSHA256[wheel.project], !allowed.contains(wheel.sha256) {
                throw .hashMismatch(project: wheel.project, filename: wheel.filename, sha256: wheel.sha256)
            }
        }
        return ManifestSelection(wheels: selected, notes: resolution.skipped.map(\.description))
    }
}
