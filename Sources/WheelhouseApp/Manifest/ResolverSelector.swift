import WheelhouseCore

/// Selects a manifest's wheels with WheelhouseCore's `Resolver`: a dependency-closed,
/// consistent set for the target, the newest versions that fit, the wheel pip would pick.
struct ResolverSelector: ManifestSelector {
    let environment: TargetEnvironment
    /// Nil: every project of the store is a root.
    let roots: [Requirement]?

    init(target: ManifestTarget, roots: [Requirement]?) throws {
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
        return ManifestSelection(wheels: selected, notes: resolution.skipped.map(\.description))
    }
}
