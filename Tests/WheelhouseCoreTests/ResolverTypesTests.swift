import Testing
@testable import WheelhouseCore

@Suite struct ResolverTypesTests {
    func constraint(_ text: String, _ source: RequirementSource = .root) throws -> ResolverConstraint {
        ResolverConstraint(try Requirement(text), from: source)
    }

    @Test func describesSources() throws {
        #expect(RequirementSource.root.description == "requested")
        let source = RequirementSource.release(try ProjectName("App_Pkg"), try Version("1.0"))
        #expect(source.description == "required by App_Pkg 1.0")
        #expect(
            try constraint("dep[x]>=1; python_version < '3.12'", source).description
                == "\"dep[x]>=1; python_version < \"3.12\"\" required by App_Pkg 1.0")
    }

    @Test func groupsNeighbouringReleasesWithTheSameReason() throws {
        let header = try constraint("dep<2")
        let other = try constraint("dep!=1.2", .release(try ProjectName("x"), try Version("3")))
        let releases = try [
            RejectedRelease(version: Version("2.1"), reason: .excluded(by: header)),
            RejectedRelease(version: Version("2.0"), reason: .excluded(by: header)),
            RejectedRelease(version: Version("1.2"), reason: .excluded(by: other)),
            RejectedRelease(version: Version("1.1"), reason: .yanked),
            RejectedRelease(version: Version("1.0b1"), reason: .prerelease),
            RejectedRelease(version: Version("0.9"), reason: .requiresPython(SpecifierSet(">=3.12"), python: Version("3.11.0"))),
            RejectedRelease(version: Version("0.8"), reason: .noWheel(files: ["dep-0.8.tar.gz"])),
            RejectedRelease(version: Version("0.7"), reason: .abandoned),
            RejectedRelease(version: Version("0.6"), reason: .excluded(by: header)),
        ]
        #expect(
            ResolutionConflict.describe(releases, header: header)
                == "2.1, 2.0 (excluded by <2), 1.2 (excluded by !=1.2 required by x 3), 1.1 (yanked; pin it with == to use it), "
                + "1.0b1 (pre-release, not requested), 0.9 (requires Python >=3.12, the target has 3.11.0), "
                + "0.8 (no wheel; has dep-0.8.tar.gz), 0.7 (abandoned after a conflict), 0.6 (excluded by <2)")
    }

    @Test func shortensLongFileLists() {
        let wheels = (1...6).map { "w\($0).whl" }
        #expect(
            ResolutionConflict.describe(.noCompatibleWheel(target: "cp311-linux_x86_64", wheels: wheels), header: nil)
                == "no wheel compatible with cp311-linux_x86_64; has w1.whl, w2.whl, w3.whl, w4.whl and 2 more")
        #expect(ResolutionConflict.describe(.noWheel(files: []), header: nil) == "no files")
    }

    @Test func describesConflicts() throws {
        let app = RequirementSource.release(try ProjectName("app"), try Version("1.0"))
        let other = RequirementSource.release(try ProjectName("other"), try Version("2.0"))
        #expect(
            ResolutionConflict.missingProject(try constraint("gone>=1", app)).description
                == "no release of \"gone\" in the store (required by app 1.0)")
        #expect(
            ResolutionConflict.chosenExcluded(
                try constraint("dep<2", app), chosen: try Version("2.1"), chosenFor: [try constraint("dep>=1", other)]
            ).description == "cannot satisfy \"dep<2\" required by app 1.0: dep 2.1 was already chosen for \"dep>=1\" required by other 2.0")
        let unsatisfiable = ResolutionConflict.unsatisfiable(
            try constraint("dep<2", app), others: [try constraint("dep>=2", other)], project: try ProjectName("Dep"),
            releases: [RejectedRelease(version: try Version("2.0"), reason: .excluded(by: try constraint("dep<2", app)))])
        #expect(
            unsatisfiable.description == "cannot satisfy \"dep<2\" required by app 1.0 together with "
                + "\"dep>=2\" required by other 2.0: the store has Dep 2.0 (excluded by <2)")
    }

    @Test func errorListsConflictsAndTheStepLimit() throws {
        let conflicts = try (0..<12).map { ResolutionConflict.missingProject(try constraint("gone\($0)")) }
        let many = ResolutionError(target: "cp311-linux_x86_64", conflicts: conflicts, stepLimit: nil)
        #expect(many.description.hasPrefix("no consistent set of wheels for cp311-linux_x86_64; every choice ran into"))
        #expect(many.description.contains("\n  - no release of \"gone9\" in the store (requested)"))
        #expect(!many.description.contains("gone10"))
        #expect(many.description.hasSuffix("\n  - and 2 more"))
        let limited = ResolutionError(target: "t", conflicts: [], stepLimit: 7)
        #expect(
            limited.description == "gave up choosing wheels for t after 7 attempts: the requirements leave too "
                + "many combinations; pin some versions to narrow the search")
    }
}
