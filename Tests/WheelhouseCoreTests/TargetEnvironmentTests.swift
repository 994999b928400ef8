import Testing
@testable import WheelhouseCore

@Suite struct TargetEnvironmentTests {
    /// A target from a `target_tags*.tsv` row: `python`/`glue`, version, platforms.
    static func target(_ row: [String]) throws -> TargetEnvironment {
        if row[0] == "glue" { return try TargetEnvironment.glue(row[1]) }
        return try TargetEnvironment(python: row[1], platforms: row[2].split(separator: ",").map(String.init))
    }

    @Test func supportedTagsMatchPip() throws {
        let vectors = try VectorFile("target_tags.tsv")
        var disagreements = Disagreements()
        for row in vectors.rows {
            let expected = row[3].split(separator: ",").map(String.init)
            let actual = try Self.target(row).supportedTags.map(\.description)
            let firstDifference =
                zip(expected, actual).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(expected.count, actual.count)
            disagreements.check(
                expected == actual,
                "\(row[0]) \(row[1]) \(row[2]): \(actual.count) tags, pip has \(expected.count); first difference at \(firstDifference): "
                    + "\(actual.dropFirst(firstDifference).first ?? "end") vs \(expected.dropFirst(firstDifference).first ?? "end")")
        }
        disagreements.report("target tag", header: vectors.header)
        #expect(vectors.rows.contains { $0[0] == "glue" && $0[1] == "4.0" })
    }

    @Test func bestWheelMatchesPip() throws {
        let vectors = try VectorFile("target_tags_wheels.tsv")
        var targets: [String: TargetEnvironment] = [:]
        var disagreements = Disagreements()
        for row in vectors.rows {
            let key = row.prefix(3).joined(separator: "\t")
            let target = try targets[key] ?? Self.target(row)
            targets[key] = target
            let wheels = try row[3].split(separator: ",").map { try WheelFilename(String($0)) }
            let chosen = target.bestWheel(among: wheels)?.wheel.filename ?? "-"
            disagreements.check(chosen == row[4], "\(target) among \(row[3]): chose \(chosen), pip \(row[4])")
        }
        disagreements.report("best wheel", header: vectors.header)
    }

    @Test func gluePresets() throws {
        let glue4 = try TargetEnvironment.glue("4.0")
        #expect(glue4.pythonVersion == (try Version("3.10")))
        #expect(glue4.platforms.first == "manylinux_2_26_x86_64")
        #expect(glue4.platforms.suffix(3) == ["manylinux_2_5_x86_64", "manylinux1_x86_64", "linux_x86_64"])
        #expect(glue4.description == "Glue 4.0 (cp310-manylinux_2_26_x86_64)")
        let glue5 = try TargetEnvironment.glue("5.0")
        #expect(glue5.supportedTags.first?.description == "cp311-cp311-manylinux_2_34_x86_64")
        #expect(!glue4.platforms.contains("manylinux_2_27_x86_64"))
        #expect(glue5.platforms.contains("manylinux_2_27_x86_64"))
        #expect(throws: TargetEnvironmentError.unknownGlueVersion("3.0", known: ["4.0", "5.0", "5.1", "6.0"])) {
            try TargetEnvironment.glue("3.0")
        }
        #expect(
            TargetEnvironmentError.unknownGlueVersion("3.0", known: ["4.0", "5.0"]).description
                == "unknown Glue version '3.0': known versions are 4.0, 5.0")
        let glue6 = try TargetEnvironment.glue("6.0")
        #expect(glue6.description == "Glue 6.0 (cp313-manylinux_2_34_x86_64)")
        #expect(try TargetEnvironment.glue("5.1").supportedTags == glue5.supportedTags)
    }

    @Test func markerEnvironmentDescribesTheTarget() throws {
        let glue = try TargetEnvironment.glue("5.0").markerEnvironment
        #expect(glue["python_version"] == "3.11")
        #expect(glue["python_full_version"] == "3.11.0")
        #expect(glue["sys_platform"] == "linux")
        #expect(glue["platform_machine"] == "x86_64")
        #expect(glue["implementation_name"] == "cpython")
        #expect(glue["os_name"] == "posix")
        #expect(glue["platform_system"] == "Linux")
        let mac = try TargetEnvironment(python: "3.12.3", platforms: ["macosx_11_0_arm64"]).markerEnvironment
        #expect(mac["sys_platform"] == "darwin")
        #expect(mac["platform_machine"] == "arm64")
        #expect(mac["python_full_version"] == "3.12.3")
        let arm = try TargetEnvironment(python: "3.11", platforms: ["manylinux_2_28_aarch64"]).markerEnvironment
        #expect(arm["platform_machine"] == "aarch64")
        let windows = try TargetEnvironment(python: "3.11", platforms: ["win_amd64"]).markerEnvironment
        #expect(windows["sys_platform"] == "win32")
        #expect(windows["platform_machine"] == "AMD64")
    }

    @Test func refusesBadTargets() {
        for text in ["3", "311", "3.x", "", "3.11.", " 3.11", "3.11.0.1", "3.11rc1"] {
            #expect(throws: TargetEnvironmentError.invalidPython(text)) {
                try TargetEnvironment(python: text, platforms: ["linux_x86_64"])
            }
        }
        #expect(throws: TargetEnvironmentError.unsupportedPython("2.7")) {
            try TargetEnvironment(python: "2.7", platforms: ["linux_x86_64"])
        }
        #expect(throws: TargetEnvironmentError.noPlatform) { try TargetEnvironment(python: "3.11", platforms: []) }
        #expect(throws: TargetEnvironmentError.invalidPlatform("manylinux-x86_64")) {
            try TargetEnvironment(python: "3.11", platforms: ["manylinux-x86_64"])
        }
        #expect(throws: TargetEnvironmentError.unknownPlatform("any")) {
            try TargetEnvironment(python: "3.11", platforms: ["any"])
        }
        #expect(
            TargetEnvironmentError.invalidPython("3").description
                == "'3' is not a Python version: give major.minor, such as 3.11")
    }

    @Test func requiresPython() throws {
        let target = try TargetEnvironment(python: "3.11", platforms: ["linux_x86_64"])
        #expect(target.satisfies(requiresPython: nil))
        #expect(target.satisfies(requiresPython: try SpecifierSet(">=3.8")))
        #expect(target.satisfies(requiresPython: try SpecifierSet("==3.11.*")))
        #expect(!target.satisfies(requiresPython: try SpecifierSet(">=3.12")))
        #expect(!target.satisfies(requiresPython: try SpecifierSet("<3.11")))
    }

    @Test func buildTagBreaksTies() throws {
        let target = try TargetEnvironment(python: "3.11", platforms: ["manylinux2014_x86_64"])
        let plain = try WheelFilename("demo-1.0-cp311-cp311-manylinux2014_x86_64.whl")
        let built = try WheelFilename("demo-1.0-2-cp311-cp311-manylinux2014_x86_64.whl")
        let older = try WheelFilename("demo-1.0-10-cp311-abi3-manylinux2014_x86_64.whl")
        #expect(target.bestWheel(among: [plain, built, older])?.wheel == built)
        #expect(target.bestWheel(among: [older, plain])?.wheel == plain)
        // manylinux2014 expands to three platforms: cp311-abi3-manylinux2014_x86_64 comes fourth.
        #expect(target.bestWheel(among: [older])?.priority == 3)
        #expect(target.bestWheel(among: [try WheelFilename("demo-1.0-cp312-cp312-manylinux2014_x86_64.whl")]) == nil)
    }
}

@Suite struct TargetEnvironmentInstallabilityTests {
    func problem(_ target: TargetEnvironment, _ filename: String, requiresPython: String? = nil) throws -> String? {
        target.installationProblem(of: try WheelFilename(filename), requiresPython: try requiresPython.map { try SpecifierSet($0) })
    }

    @Test func saysWhyAWheelDoesNotFit() throws {
        let glue5 = try TargetEnvironment.glue("5.0")
        #expect(try problem(glue5, "a-1.0-py3-none-any.whl") == nil)
        #expect(try problem(glue5, "a-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl") == nil)
        #expect(try problem(glue5, "a-1.0-cp39-abi3-manylinux_2_28_x86_64.whl") == nil)
        #expect(
            try problem(glue5, "a-1.0-cp311-cp311-macosx_11_0_arm64.whl")
                == "it is built for macosx_11_0_arm64, and Glue 5.0 (cp311-manylinux_2_34_x86_64) runs on manylinux_2_34_x86_64")
        #expect(
            try problem(glue5, "a-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
                == "it is built for cp312-cp312, and Glue 5.0 (cp311-manylinux_2_34_x86_64) runs CPython 3.11")
        #expect(
            try problem(glue5, "a-1.0-cp311-cp311-manylinux_2_39_x86_64.whl")
                == "it needs glibc 2.39 or newer (manylinux_2_39_x86_64), and Glue 5.0 (cp311-manylinux_2_34_x86_64) has glibc 2.34")
        let glue4 = try TargetEnvironment.glue("4.0")
        #expect(try problem(glue4, "a-1.0-cp310-cp310-manylinux_2_28_x86_64.whl")?.contains("needs glibc 2.28 or newer") == true)
        #expect(
            try problem(glue4, "a-1.0-py3-none-any.whl", requiresPython: ">=3.11")
                == "it requires Python >=3.11, and Glue 4.0 (cp310-manylinux_2_26_x86_64) runs Python 3.10")
        #expect(try problem(glue4, "a-1.0-cp310-cp310-manylinux_2_17_aarch64.whl")?.contains("built for manylinux_2_17_aarch64") == true)
    }
}
