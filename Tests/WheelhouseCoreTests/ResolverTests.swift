import Testing
@testable import WheelhouseCore
import Foundation
import WheelhouseTestSupport

/// A store written in a line per release, for resolver tests.
struct ResolverStore {
    var releases: [ProjectName: [ResolverRelease]] = [:]

    /// Adds `project` `version` with one wheel per tag set (default `py3-none-any`).
    mutating func add(
        _ project: String, _ version: String, requires: [String] = [], tags: [String] = ["py3-none-any"],
        requiresPython: String? = nil, yanked: Bool = false
    ) throws {
        let files = try tags.map { tag in
            ResolverFile(
                filename: "\(project.replacingOccurrences(of: "-", with: "_"))-\(version)-\(tag).whl",
                requiresPython: try requiresPython.map { try SpecifierSet($0) }, yanked: yanked,
                requiresDist: try requires.map { try Requirement($0) })
        }
        try addFiles(project, version, files)
    }

    mutating func addFiles(_ project: String, _ version: String, _ files: [ResolverFile]) throws {
        let name = try ProjectName(project)
        releases[name, default: []].append(ResolverRelease(project: name, version: try Version(version), files: files))
    }

    func resolver(_ target: TargetEnvironment) -> Resolver {
        Resolver(target: target, releases: releases)
    }
}

extension Resolution {
    subscript(_ name: String) -> Selection? { selected.first { $0.project.normalized == name } }

    /// `name==version` per selected project, sorted by name.
    var pins: [String] { selected.map { "\($0.project.normalized)==\($0.version)" } }
}

@Suite struct ResolverTests {
    let py311: TargetEnvironment

    init() throws {
        py311 = try TargetEnvironment(python: "3.11", platforms: ["manylinux_2_34_x86_64"])
    }

    func roots(_ texts: String...) throws -> [Requirement] { try texts.map { try Requirement($0) } }

    /// The error resolving `roots` fails with; records an issue if it succeeds.
    func failure(
        _ resolver: Resolver, _ roots: String..., sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ResolutionError {
        let requirements = try roots.map { try Requirement($0) }
        do {
            let resolution = try resolver.resolve(roots: requirements)
            Issue.record("resolved \(roots) to \(resolution.pins)", sourceLocation: sourceLocation)
        } catch {
            return error
        }
        throw CancellationError()
    }

    @Test func choosesNewestAndFollowsDependencies() throws {
        var store = ResolverStore()
        try store.add("app", "1.0", requires: ["lib>=1"])
        try store.add("app", "2.0", requires: ["lib>=2", "util"])
        try store.add("lib", "1.0")
        try store.add("lib", "2.0")
        try store.add("lib", "2.5")
        try store.add("util", "0.1")
        try store.add("unrelated", "1.0")
        let resolution = try store.resolver(py311).resolve(roots: roots("app"))
        #expect(resolution.pins == ["app==2.0", "lib==2.5", "util==0.1"])
        #expect(resolution["lib"]?.requiredBy == [.release(try ProjectName("app"), try Version("2.0"))])
        #expect(resolution["app"]?.requiredBy == [.root])
        #expect(resolution["app"]?.wheel.filename == "app-2.0-py3-none-any.whl")
    }

    @Test func backtracksFromTheNewestDependencyWhenItConflictsWithAPin() throws {
        var store = ResolverStore()
        try store.add("app", "1.0", requires: ["lib", "core==1.0"])
        try store.add("lib", "1.0", requires: ["core>=1"])
        try store.add("lib", "2.0", requires: ["core>=2"])
        try store.add("core", "1.0")
        try store.add("core", "2.0")
        #expect(try store.resolver(py311).resolve(roots: roots("app")).pins == ["app==1.0", "core==1.0", "lib==1.0"])
    }

    @Test func abandonsTheNewestRootWhenItsDependenciesCannotBeMet() throws {
        var store = ResolverStore()
        try store.add("app", "1.0", requires: ["lib<2"])
        try store.add("app", "2.0", requires: ["lib>=2"])
        try store.add("lib", "1.0")
        try store.add("lib", "2.0", requires: ["core<1"])
        try store.add("lib", "2.1", requires: ["core<1"])
        try store.add("core", "1.0")
        #expect(try store.resolver(py311).resolve(roots: roots("app")).pins == ["app==1.0", "lib==1.0"])
    }

    @Test func backtracksAcrossAnEarlierDecision() throws {
        // `a` is decided first (fewest candidates, then name); only an older `a` lets `b` in.
        var store = ResolverStore()
        try store.add("a", "1.0")
        try store.add("a", "2.0")
        try store.add("b", "1.0", requires: ["a<2"])
        try store.add("b", "0.5", requires: ["a<1"])
        let resolution = try store.resolver(py311).resolve(roots: roots("a", "b"))
        #expect(resolution.pins == ["a==1.0", "b==1.0"])
    }

    @Test func extrasAddTheirDependencies() throws {
        var store = ResolverStore()
        try store.add(
            "lib", "1.0",
            requires: [
                "speedup; extra == \"fast\"", "tracing>=2; extra == 'Debug_Tools'", "base",
            ])
        try store.add("speedup", "1.0")
        try store.add("tracing", "2.0")
        try store.add("base", "1.0")
        try store.add("other", "1.0", requires: ["lib[debug-tools]"])
        let resolver = store.resolver(py311)
        #expect(try resolver.resolve(roots: roots("lib")).pins == ["base==1.0", "lib==1.0"])
        #expect(try resolver.resolve(roots: roots("lib[fast]")).pins == ["base==1.0", "lib==1.0", "speedup==1.0"])
        // An extra requested after the project was chosen still brings its dependencies.
        let late = try resolver.resolve(roots: roots("lib[fast]", "other"))
        #expect(late.pins == ["base==1.0", "lib==1.0", "other==1.0", "speedup==1.0", "tracing==2.0"])
        #expect(late["lib"]?.extras == ["debug-tools", "fast"])
    }

    @Test func markersAreEvaluatedForTheTarget() throws {
        var store = ResolverStore()
        try store.add(
            "app", "1.0",
            requires: [
                "old-backport; python_version < \"3.11\"", "win-only; sys_platform == 'win32'",
                "linux-only; sys_platform == 'linux' and platform_machine == 'x86_64'",
            ])
        try store.add("old-backport", "1.0")
        try store.add("win-only", "1.0")
        try store.add("linux-only", "1.0")
        #expect(try store.resolver(py311).resolve(roots: roots("app")).pins == ["app==1.0", "linux-only==1.0"])
        let glue4 = try TargetEnvironment.glue("4.0")
        #expect(
            try store.resolver(glue4).resolve(roots: roots("app")).pins
                == ["app==1.0", "linux-only==1.0", "old-backport==1.0"])
        // A root whose marker is false for the target is not requested.
        #expect(try store.resolver(py311).resolve(roots: roots("win-only; os_name == 'nt'")).pins == [])
    }

    @Test func preReleasesOnlyWhenNamedOrNothingElseFits() throws {
        var store = ResolverStore()
        try store.add("lib", "1.0")
        try store.add("lib", "2.0b1")
        let resolver = store.resolver(py311)
        #expect(try resolver.resolve(roots: roots("lib")).pins == ["lib==1.0"])
        #expect(try resolver.resolve(roots: roots("lib>=2.0b1")).pins == ["lib==2.0b1"])
        #expect(try resolver.resolve(roots: roots("lib>1")).pins == ["lib==2.0b1"])

        var only = ResolverStore()
        try only.add("beta", "0.1a1")
        #expect(try only.resolver(py311).resolve(roots: roots("beta")).pins == ["beta==0.1a1"])
    }

    @Test func aPreReleaseBecomesAcceptableWhenALaterRequirementExcludesEveryFinal() throws {
        // `lib` is decided before `x`; only x 1.0 fits, and it leaves lib no final release.
        var store = ResolverStore()
        try store.add("lib", "1.0")
        try store.add("lib", "2.0b1")
        try store.add("x", "1.0", requires: ["lib>1"])
        try store.add("x", "0.9", requires: ["lib<1"])
        #expect(try store.resolver(py311).resolve(roots: roots("lib", "x")).pins == ["lib==2.0b1", "x==1.0"])
    }

    @Test func yankedReleasesOnlyWhenPinned() throws {
        var store = ResolverStore()
        try store.add("lib", "1.0")
        try store.add("lib", "2.0", yanked: true)
        let resolver = store.resolver(py311)
        #expect(try resolver.resolve(roots: roots("lib")).pins == ["lib==1.0"])
        #expect(try resolver.resolve(roots: roots("lib==2.0")).pins == ["lib==2.0"])
        #expect(try resolver.resolve(roots: roots("lib===2.0")).pins == ["lib==2.0"])
        #expect(throws: ResolutionError.self) { try resolver.resolve(roots: roots("lib>=2")) }
        do {
            let error = try failure(resolver, "lib==2.*")
            #expect(error.description.contains("2.0 (yanked; pin it with == to use it)"))
        }
    }

    @Test func aYankedFileGivesWayToAnotherOfTheSameRelease() throws {
        var store = ResolverStore()
        try store.addFiles(
            "lib", "1.0",
            [
                ResolverFile(filename: "lib-1.0-cp311-cp311-manylinux_2_34_x86_64.whl", yanked: true),
                ResolverFile(filename: "lib-1.0-py3-none-any.whl"),
            ])
        #expect(
            try store.resolver(py311).resolve(roots: roots("lib")).selected.first?.wheel.filename
                == "lib-1.0-py3-none-any.whl")
    }

    @Test func requiresPythonIsHonouredPerFile() throws {
        var store = ResolverStore()
        try store.add("lib", "1.0", requiresPython: ">=3.8")
        try store.add("lib", "2.0", requiresPython: ">=3.12")
        try store.addFiles(
            "mixed", "1.0",
            [
                ResolverFile(filename: "mixed-1.0-cp311-cp311-manylinux_2_34_x86_64.whl", requiresPython: try SpecifierSet("<3.11")),
                ResolverFile(filename: "mixed-1.0-py3-none-any.whl", requiresPython: try SpecifierSet(">=3.9")),
            ])
        let resolution = try store.resolver(py311).resolve(roots: roots("lib", "mixed"))
        #expect(resolution.pins == ["lib==1.0", "mixed==1.0"])
        #expect(resolution["mixed"]?.wheel.filename == "mixed-1.0-py3-none-any.whl")
        do {
            let error = try failure(store.resolver(py311), "lib>=2")
            #expect(error.description.contains("2.0 (requires Python >=3.12, the target has 3.11.0)"))
        }
    }

    @Test func explainsAnUnsatisfiableRequirement() throws {
        var store = ResolverStore()
        try store.add("app-pkg", "1.0", requires: ["dep-lib<2"])
        try store.add("dep-lib", "2.0")
        try store.add("dep-lib", "2.1")
        try store.add("dep-lib", "1.5", tags: ["cp39-cp39-win_amd64"])
        do {
            let error = try failure(store.resolver(py311), "app-pkg")
            #expect(error.stepLimit == nil)
            #expect(
                error.description == "no consistent set of wheels for cp311-manylinux_2_34_x86_64: "
                    + "cannot satisfy \"dep-lib<2\" required by app-pkg 1.0: the store has dep-lib 2.1, 2.0 "
                    + "(excluded by <2), 1.5 (no wheel compatible with cp311-manylinux_2_34_x86_64; has "
                    + "dep_lib-1.5-cp39-cp39-win_amd64.whl)")
        }
    }

    @Test func explainsAMissingDependencyAndARootThatCannotBeMet() throws {
        var store = ResolverStore()
        try store.add("app", "1.0", requires: ["missing-thing>=1"])
        try store.add("lib", "1.0")
        do {
            let error = try failure(store.resolver(py311), "app")
            #expect(
                error.description == "no consistent set of wheels for cp311-manylinux_2_34_x86_64: "
                    + "no release of \"missing-thing\" in the store (required by app 1.0)")
        }
        #expect(throws: ResolutionError.self) { try store.resolver(py311).resolve(roots: roots("nothing")) }
        do {
            let error = try failure(store.resolver(py311), "lib>=2")
            #expect(
                error.description.hasSuffix(
                    "cannot satisfy \"lib>=2\" requested: the store has lib 1.0 (excluded by >=2)"))
        }
    }

    @Test func listsEveryDeadEndWhenSeveralChoicesFail() throws {
        var store = ResolverStore()
        try store.add("app", "2.0", requires: ["lib>=2"])
        try store.add("app", "1.0", requires: ["gone"])
        try store.add("lib", "1.0")
        do {
            let error = try failure(store.resolver(py311), "app")
            #expect(error.conflicts.count == 2)
            #expect(error.description.contains("every choice ran into one of these conflicts:"))
            #expect(error.description.contains("\n  - cannot satisfy \"lib>=2\" required by app 2.0"))
            #expect(error.description.contains("\n  - no release of \"gone\" in the store (required by app 1.0)"))
        }
    }

    @Test func resolveAllSkipsProjectsTheTargetCannotInstall() throws {
        var store = ResolverStore()
        try store.add("app", "1.0", requires: ["lib"])
        try store.add("lib", "1.0")
        try store.add("winlib", "1.0", tags: ["cp311-cp311-win_amd64"])
        try store.add("sdistonly", "1.0", tags: [])
        try store.add("future", "1.0", requiresPython: ">=3.13")
        try store.add("withdrawn", "1.0", yanked: true)
        let resolution = try store.resolver(py311).resolveAll()
        #expect(resolution.pins == ["app==1.0", "lib==1.0"])
        #expect(resolution.skipped.map(\.project.normalized) == ["future", "sdistonly", "winlib", "withdrawn"])
        #expect(
            resolution.skipped[3].description == "left out withdrawn: no release can be installed: "
                + "1.0 (yanked; pin it with == to use it)")
        #expect(
            resolution.skipped[2].description == "left out winlib: no release can be installed: "
                + "1.0 (no wheel compatible with cp311-manylinux_2_34_x86_64; has winlib-1.0-cp311-cp311-win_amd64.whl)")
        #expect(resolution.skipped[1].description.hasSuffix("1.0 (no files)"))

        // A pin brings a yanked release in.
        try store.add("pins-withdrawn", "1.0", requires: ["withdrawn==1.0"])
        let pinned = try store.resolver(py311).resolveAll()
        #expect(pinned.pins == ["app==1.0", "lib==1.0", "pins-withdrawn==1.0", "withdrawn==1.0"])
        #expect(pinned.skipped.map(\.project.normalized) == ["future", "sdistonly", "winlib"])

        // A project whose dependency cannot be installed is left out too, with the reason.
        try store.add("needs-win", "1.0", requires: ["winlib"])
        let leaving = try store.resolver(py311).resolveAll()
        #expect(leaving.pins == ["app==1.0", "lib==1.0", "pins-withdrawn==1.0", "withdrawn==1.0"])
        #expect(leaving.leftOut.map(\.project.normalized) == ["needs-win"])
        #expect(
            leaving.leftOut.first?.description.hasPrefix(
                "left out needs-win: cannot satisfy \"winlib\" required by needs-win 1.0: the store has winlib 1.0 (no wheel compatible") == true)
    }

    @Test func resolveAllIsTheWholeStoreAtItsNewest() throws {
        var store = ResolverStore()
        try store.add("a", "1.0")
        try store.add("a", "2.0", requires: ["b<2"])
        try store.add("b", "1.0")
        try store.add("b", "2.0")
        try store.add("c", "3.0", yanked: true)
        try store.add("c", "2.0")
        // Both a and b are roots: b 2.0 with a 1.0, or b 1.0 with a 2.0; a is decided first.
        let resolution = try store.resolver(py311).resolveAll()
        #expect(resolution.pins == ["a==2.0", "b==1.0", "c==2.0"])
        #expect(resolution.skipped.isEmpty)
        #expect(try store.resolver(py311).resolveAll().pins == resolution.pins)
    }

    @Test func answerDoesNotDependOnTheOrderTheStoreWasBuiltIn() throws {
        let releases: [(String, String, [String])] = [
            ("a", "1.0", []), ("a", "2.0", ["b<2"]), ("b", "1.0", ["c"]), ("b", "2.0", ["c<2"]),
            ("c", "1.0", []), ("c", "2.0", []), ("d", "1.0", ["a<2"]), ("d", "0.9", []),
        ]
        var forward = ResolverStore()
        var backward = ResolverStore()
        for (project, version, requires) in releases { try forward.add(project, version, requires: requires) }
        for (project, version, requires) in releases.reversed() { try backward.add(project, version, requires: requires) }
        let expected = try forward.resolver(py311).resolveAll().pins
        #expect(expected == ["a==2.0", "b==1.0", "c==2.0", "d==0.9"])
        #expect(try backward.resolver(py311).resolveAll().pins == expected)
        #expect(
            try backward.resolver(py311).resolve(roots: roots("d", "b")).pins
                == forward.resolver(py311).resolve(roots: roots("b", "d")).pins)
    }

    @Test func choosesTheWheelPipWouldForEachTarget() throws {
        let glue4 = try TargetEnvironment.glue("4.0")
        let glue5 = try TargetEnvironment.glue("5.0")
        let mac = try TargetEnvironment(python: "3.12", platforms: ["macosx_11_0_arm64"])
        let musl = try TargetEnvironment(python: "3.11", platforms: ["musllinux_1_2_x86_64"])
        var store = ResolverStore()
        try store.add(
            "numpyish", "1.0",
            tags: [
                "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64", "cp311-cp311-manylinux_2_28_x86_64",
                "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", "cp311-cp311-musllinux_1_2_x86_64",
                "cp312-cp312-macosx_11_0_arm64", "cp39-abi3-manylinux2014_x86_64", "py3-none-any",
            ])
        func chosen(_ target: TargetEnvironment) throws -> String? {
            try store.resolver(target).resolve(roots: roots("numpyish")).selected.first?.wheel.filename
        }
        #expect(try chosen(glue4) == "numpyish-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
        #expect(try chosen(glue5) == "numpyish-1.0-cp311-cp311-manylinux_2_28_x86_64.whl")
        #expect(try chosen(mac) == "numpyish-1.0-cp312-cp312-macosx_11_0_arm64.whl")
        #expect(try chosen(musl) == "numpyish-1.0-cp311-cp311-musllinux_1_2_x86_64.whl")
        let py312 = try TargetEnvironment(python: "3.12", platforms: ["manylinux2014_x86_64"])
        #expect(try chosen(py312) == "numpyish-1.0-cp39-abi3-manylinux2014_x86_64.whl")
        // pip takes `--platform manylinux_2_34_x86_64` literally: no older manylinux tag.
        #expect(try chosen(py311) == "numpyish-1.0-py3-none-any.whl")
    }

    @Test func choosesWhatPipChoosesFromTheVectors() throws {
        let vectors = try VectorFile("target_tags_wheels.tsv")
        var targets: [String: TargetEnvironment] = [:]
        var disagreements = Disagreements()
        let demo = try ProjectName("demo")
        for row in vectors.rows {
            let key = row.prefix(3).joined(separator: "\t")
            let target = try targets[key] ?? TargetEnvironmentTests.target(row)
            targets[key] = target
            let files = row[3].split(separator: ",").map { ResolverFile(filename: String($0)) }
            let release = ResolverRelease(project: demo, version: try Version("1.0"), files: files)
            let resolver = Resolver(target: target, releases: [demo: [release]])
            let chosen: String
            let root = try roots("demo")
            do {
                chosen = try resolver.resolve(roots: root).selected.first?.wheel.filename ?? "none"
            } catch {
                chosen = error.description.contains("no wheel compatible with") ? "-" : error.description
            }
            disagreements.check(chosen == row[4], "\(target) among \(row[3]): chose \(chosen), pip \(row[4])")
        }
        disagreements.report("resolver wheel choice", header: vectors.header)
    }

    @Test func givesUpAtTheStepLimit() throws {
        // Ten projects each with ten versions, all requiring a missing project at the end.
        var store = ResolverStore()
        for project in 0..<10 {
            for version in 1...10 {
                try store.add("p\(project)", "\(version).0", requires: project == 9 ? ["absent"] : ["p\(project + 1)"])
            }
        }
        var resolver = store.resolver(py311)
        resolver.stepLimit = 500
        let error = try failure(resolver, "p0")
        #expect(error.stepLimit == 500)
        #expect(error.description.hasPrefix("gave up choosing wheels for cp311-manylinux_2_34_x86_64 after 500 attempts"))
        #expect(error.description.contains("no release of \"absent\" in the store (required by p9 10.0)"))
    }

    // MARK: Cross-check against brute force

    /// On small random stores, the resolver finds a set whenever one exists (checked by
    /// trying every assignment), and every set it returns is valid.
    @Test func findsASolutionWheneverOneExists() throws {
        var random = SplitMix64(seed: 20261125)
        var solvable = 0
        var unsolvable = 0
        for round in 0..<400 {
            let (store, roots) = try Self.randomStore(&random)
            let resolver = store.resolver(py311)
            let brute = try Self.bruteForce(store, roots: roots, target: py311)
            do {
                let resolution = try resolver.resolve(roots: roots)
                var assignment: [ProjectName: Version] = [:]
                for selection in resolution.selected { assignment[selection.project] = selection.version }
                #expect(
                    try Self.isValid(assignment, store: store, roots: roots, target: py311),
                    "round \(round): invalid result \(resolution.pins) for roots \(roots) in \(Self.describe(store))")
                #expect(brute != nil, "round \(round): brute force found nothing, resolver found \(resolution.pins)")
                solvable += 1
            } catch {
                #expect(brute == nil, "round \(round): resolver failed (\(error)) but \(brute ?? [:]) is valid for roots \(roots) in \(Self.describe(store))")
                unsolvable += 1
            }
        }
        // Both outcomes must be exercised for the check to mean anything.
        #expect(solvable > 50 && unsolvable > 50, "solvable \(solvable), unsolvable \(unsolvable)")
    }

    static let randomProjects = ["a", "b", "c", "d"]
    static let randomVersions = ["1.0", "2.0", "3.0", "2.0b1"]
    static let randomSpecifiers = ["", ">=2", "<2", "==1.0", "!=3.0", ">1", ">=2.0b1", "==2.0", "<3", "===3.0"]

    static func randomStore(_ random: inout SplitMix64) throws -> (ResolverStore, [Requirement]) {
        var store = ResolverStore()
        for project in randomProjects {
            for version in randomVersions where random.chance(0.6) {
                let others = randomProjects.filter { $0 != project }
                let requires = (0..<random.below(3)).map { _ in
                    others[random.below(others.count)] + randomSpecifiers[random.below(randomSpecifiers.count)]
                }
                try store.add(
                    project, version, requires: requires,
                    tags: [random.chance(0.85) ? "py3-none-any" : "cp39-cp39-win_amd64"],
                    yanked: random.chance(0.1))
            }
        }
        let roots = try (0..<(1 + random.below(2))).map { _ in
            try Requirement(randomProjects[random.below(randomProjects.count)] + randomSpecifiers[random.below(randomSpecifiers.count)])
        }
        return (store, roots)
    }

    static func describe(_ store: ResolverStore) -> String {
        store.releases.keys.sorted().flatMap { project in
            (store.releases[project] ?? []).map { release in
                let file = release.files[0]
                return "\(project) \(release.version)\(file.yanked ? " yanked" : "")"
                    + "\(file.filename.contains("win") ? " win" : "") -> \(file.requiresDist)"
            }
        }.joined(separator: "; ")
    }

    /// Tries every assignment of a version (or none) to each project.
    static func bruteForce(_ store: ResolverStore, roots: [Requirement], target: TargetEnvironment) throws -> [ProjectName: Version]? {
        let projects = store.releases.keys.sorted()
        var assignment: [ProjectName: Version] = [:]
        func search(_ index: Int) throws -> Bool {
            if index == projects.count { return try isValid(assignment, store: store, roots: roots, target: target) }
            let project = projects[index]
            assignment[project] = nil
            if try search(index + 1) { return true }
            for release in store.releases[project] ?? [] {
                assignment[project] = release.version
                if try search(index + 1) { return true }
            }
            assignment[project] = nil
            return false
        }
        return try search(0) ? assignment : nil
    }

    /// The definition of a valid set, written independently of the resolver: every
    /// requirement reached from the roots is met by an installable chosen release, every
    /// chosen project is reached, and each chosen version is one its requirements accept
    /// (PEP 440 pre-releases, PEP 592 yanked releases only when pinned).
    static func isValid(
        _ assignment: [ProjectName: Version], store: ResolverStore, roots: [Requirement], target: TargetEnvironment
    ) throws -> Bool {
        func release(_ project: ProjectName, _ version: Version) -> ResolverRelease? {
            store.releases[project]?.first { $0.version == version }
        }
        func installable(_ file: ResolverFile) throws -> Bool {
            target.priority(of: try WheelFilename(file.filename)) != nil
        }
        var requirements: [ProjectName: [Requirement]] = [:]
        var reached = Set<ProjectName>()
        var work = roots
        while let requirement = work.popLast() {
            requirements[requirement.name, default: []].append(requirement)
            guard let version = assignment[requirement.name], let chosen = release(requirement.name, version),
                requirement.specifier.contains(version, prereleases: true)
            else { return false }
            if reached.insert(requirement.name).inserted { work += chosen.files[0].requiresDist }
        }
        guard Set(assignment.keys) == reached else { return false }
        for (project, version) in assignment {
            let constraints = requirements[project] ?? []
            let pinned: (Version) -> Bool = { candidate in
                constraints.contains { requirement in
                    requirement.specifier.specifiers.contains {
                        ($0.operator == .arbitrary || ($0.operator == .equal && !$0.version.hasSuffix(".*")))
                            && SpecifierSet([$0]).contains(candidate, prereleases: true)
                    }
                }
            }
            let viable = try (store.releases[project] ?? []).filter { try installable($0.files[0]) && (!$0.files[0].yanked || pinned($0.version)) }
            let all = SpecifierSet(constraints.flatMap(\.specifier.specifiers))
            guard all.filter(viable.map(\.version)).contains(version) else { return false }
        }
        return true
    }
}

/// A Glue runtime's preinstalled libraries count as installed.
@Suite struct ResolverPreinstalledTests {
    /// pandas 2.2.2 and 2.3.3 in the store; `app` 1.0 needs pandas>=2, `newapp` needs pandas>=2.3.
    func store() throws -> ResolverStore {
        var store = ResolverStore()
        try store.add("pandas", "2.2.2", requires: ["numpy>=1.22"])
        try store.add("pandas", "2.3.3", requires: ["numpy>=1.26"])
        try store.add("numpy", "2.1.0")
        try store.add("app", "1.0", requires: ["pandas>=2"])
        try store.add("newapp", "1.0", requires: ["pandas>=2.3"])
        return store
    }

    func resolver(_ version: String, upgrade: InstalledSet.Upgradable = .none, store: ResolverStore? = nil) throws -> Resolver {
        let profile = try GlueProfile.named(version)
        return Resolver(
            target: try profile.target(), releases: (try store ?? self.store()).releases,
            installed: InstalledSet(runtime: profile.description, versions: profile.installed, upgradable: upgrade))
    }

    func failure(_ resolver: Resolver, _ roots: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let requirements = try roots.map { try Requirement($0) }
        do {
            let resolution = try resolver.resolve(roots: requirements)
            Issue.record("resolved \(roots) to \(resolution.pins)", sourceLocation: sourceLocation)
            return ""
        } catch {
            return error.description
        }
    }

    @Test func aSatisfiedRequirementShipsNothing() throws {
        let resolution = try resolver("5.0").resolve(roots: [try Requirement("app")])
        #expect(resolution.pins == ["app==1.0"], "pandas 2.2.2 is Glue's own")
        #expect(resolution.preinstalled.map(\.description) == ["pandas 2.2.2 kept"])
        #expect(resolution.preinstalled.first?.requiredBy == [.release(try ProjectName("app"), try Version("1.0"))])
        // The same store on Glue 6.0 (pandas 2.3.3) keeps pandas for either app.
        let six = try resolver("6.0").resolve(roots: [try Requirement("app"), try Requirement("newapp")])
        #expect(six.pins == ["app==1.0", "newapp==1.0"])
        #expect(six.preinstalled.map(\.description) == ["pandas 2.3.3 kept"])
    }

    @Test func anUnsatisfiedRequirementFailsByName() throws {
        let message = try failure(resolver("5.0"), ["pandas>=2.3"])
        #expect(
            message.hasSuffix(
                "pandas>=2.3 needs a newer pandas than AWS Glue 5.0's preinstalled 2.2.2; pass --upgrade-preinstalled pandas to ship your own"),
            "\(message)")
        let transitive = try failure(resolver("5.0"), ["newapp"])
        #expect(transitive.contains("pandas>=2.3 (required by newapp 1.0) needs a newer pandas than AWS Glue 5.0's preinstalled 2.2.2"), "\(transitive)")
        let older = try failure(resolver("6.0"), ["pandas<2.3"])
        #expect(older.contains("pandas<2.3 needs an older pandas than AWS Glue 6.0's preinstalled 2.3.3"), "\(older)")
        let glue4 = try failure(resolver("4.0"), ["app"])
        #expect(glue4.contains("needs a newer pandas than AWS Glue 4.0's preinstalled 1.5.1"), "\(glue4)")
        let excluded = try failure(resolver("5.0"), ["pandas!=2.2.2"])
        #expect(excluded.contains("pandas!=2.2.2 excludes AWS Glue 5.0's preinstalled pandas 2.2.2"), "\(excluded)")
    }

    @Test func upgradingShipsTheStoresRelease() throws {
        let pandas: Set<ProjectName> = [try ProjectName("pandas")]
        let upgraded = try resolver("5.0", upgrade: .only(pandas)).resolve(roots: [try Requirement("newapp")])
        // numpy 1.26.4 is Glue's and satisfies pandas 2.3.3's numpy>=1.26: kept.
        #expect(upgraded.pins == ["newapp==1.0", "pandas==2.3.3"])
        #expect(upgraded.preinstalled.map(\.description) == ["numpy 1.26.4 kept", "pandas 2.2.2 replaced by 2.3.3"])
        // Upgrading means the newest that fits, Glue's own included.
        let pinned = try resolver("5.0", upgrade: .only(pandas)).resolve(roots: [try Requirement("pandas<2.3")])
        #expect(pinned.pins == [] && pinned.preinstalled.map(\.description) == ["pandas 2.2.2 kept"])
        // With everything upgradable numpy is the store's newest too.
        let all = try resolver("5.0", upgrade: .all).resolve(roots: [try Requirement("app")])
        #expect(all.pins == ["app==1.0", "numpy==2.1.0", "pandas==2.3.3"])
        // A requirement Glue's copy meets and the store cannot: kept even when upgradable.
        var small = ResolverStore()
        try small.add("job", "1.0", requires: ["boto3>=1.30"])
        let kept = try resolver("5.0", upgrade: .all, store: small).resolve(roots: [try Requirement("job")])
        #expect(kept.pins == ["job==1.0"] && kept.preinstalled.map(\.description) == ["boto3 1.34.131 kept"])
    }

    @Test func withoutAnInstalledSetEverythingShips() throws {
        let profile = try GlueProfile.named("5.0")
        let resolver = Resolver(target: try profile.target(), releases: try store().releases)
        #expect(try resolver.resolve(roots: [try Requirement("app")]).pins == ["app==1.0", "numpy==2.1.0", "pandas==2.3.3"])
    }

    @Test func defaultModeKeepsPreinstalledAndLeavesOutWhatCannotResolve() throws {
        var store = try store()
        try store.add("orphan", "1.0", requires: ["ghost>=1"])
        try store.add("fine", "1.0")
        let resolution = try resolver("5.0", store: store).resolveAll()
        #expect(resolution.pins == ["app==1.0", "fine==1.0"])
        #expect(resolution.preinstalled.map(\.description) == ["numpy 1.26.4 kept", "pandas 2.2.2 kept"])
        #expect(resolution.leftOut.map(\.project.normalized) == ["newapp", "orphan"])
        #expect(resolution.leftOut.first?.reason.contains("needs a newer pandas") == true)
        #expect(resolution.leftOut.last?.reason.contains("ghost") == true)
    }

    @Test func unsatisfiableRootsAreAllNamed() throws {
        var store = ResolverStore()
        try store.add("present", "1.0")
        let py311 = try TargetEnvironment(python: "3.11", platforms: ["manylinux_2_34_x86_64"])
        let roots = try ["present>=2", "missing-one", "present", "missing-two<3"].map { try Requirement($0) }
        do {
            _ = try store.resolver(py311).resolve(roots: roots)
            Issue.record("resolved")
        } catch {
            #expect(error.eachRequirement)
            #expect(error.conflicts.count == 3)
            let text = error.description
            #expect(
                text.contains("3 requirements cannot be met") && text.contains("present>=2")
                    && text.contains("missing-one") && text.contains("missing-two"), "\(text)")
        }
    }
}
