import WheelhouseCore

/// Selects a manifest's wheels with WheelhouseCore's `Resolver`: a dependency-closed,
/// consistent set for the target, the newest versions that fit, the wheel pip would pick. A
/// Glue target's preinstalled libraries count as installed (`PreinstalledPolicy`).
struct ResolverSelector: ManifestSelector {
    let environment: TargetEnvironment
    /// Nil: every project of the store is a root.
    let roots: [Requirement]?
    let installed: InstalledSet?
    /// `--upgrade-preinstalled` names the profile does not preinstall.
    let unknownUpgrades: [String]
    /// pip-style constraints: releases outside them are not candidates.
    var constraints: [Requirement] = []
    /// Hash-checking: normalized project → allowed sha256 digests of its selected wheel.
    var allowedSHA256: [String: Set<String>] = [:]

    init(
        target: ManifestTarget, roots: [Requirement]?, preinstalled: PreinstalledPolicy = PreinstalledPolicy(),
        constraints: [Requirement] = [], allowedSHA256: [String: Set<String>] = [:]
    ) throws {
        self.constraints = constraints
        self.allowedSHA256 = allowedSHA256
        if let profile = try target.glueProfile() {
            environment = try profile.target()
            installed = try preinstalled.installedSet(for: profile)
            unknownUpgrades =
                preinstalled.ignore
                ? []
                : preinstalled.upgrade.filter { name in
                    name != ":all:" && (try? ProjectName(name)).flatMap { profile.preinstalledVersion(of: $0) } == nil
                }
        } else if case .python(let version, let platforms) = target {
            environment = try TargetEnvironment(python: version, platforms: platforms)
            installed = nil
            unknownUpgrades = []
        } else {
            throw ManifestError.emptySelection(reason: "no target")
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
            if constraints.contains(where: { $0.excludes(name, version, on: environment.markerEnvironment) }) {
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
        let resolver = Resolver(target: environment, releases: grouped, installed: installed)
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
            if let allowed = allowedSHA256[wheel.project], !allowed.contains(wheel.sha256 ?? "") {
                throw .hashMismatch(project: wheel.project, filename: wheel.filename, sha256: wheel.sha256 ?? "unknown")
            }
        }
        var notes = resolution.skipped.map(\.description)
        if let installed {
            notes += unknownUpgrades.map { "--upgrade-preinstalled \($0): \(installed.runtime) does not preinstall it" }
        }
        return ManifestSelection(
            wheels: selected, notes: notes, warnings: resolution.leftOut.map(\.description),
            preinstalled: resolution.preinstalled.map(PreinstalledReport.init))
    }
}
