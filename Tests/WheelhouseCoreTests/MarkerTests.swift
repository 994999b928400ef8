import Testing
@testable import WheelhouseCore

@Suite struct MarkerTests {
    private static let platforms: [String: MarkerEnvironment.Platform] = [
        "linux_x86_64": .linuxX86_64, "linux_aarch64": .linuxAarch64,
        "macos_arm64": .macOSArm64, "windows_amd64": .windowsAMD64,
    ]

    @Test func agreesWithPackagingVectors() throws {
        let file = try VectorFile("markers.tsv")
        var disagreements = Disagreements()
        for row in file.rows {
            let (text, envName, extra, expected, str) = (row[0], row[1], row[2], row[3], row[4])
            let marker = try? Marker(text)
            guard expected != "invalid" else {
                disagreements.check(marker == nil, "\(text.debugDescription) should be invalid, parsed as \(marker?.description ?? "")")
                continue
            }
            guard let marker else {
                disagreements.check(false, "\(text.debugDescription) should parse")
                continue
            }
            disagreements.check(
                marker.description == str, "str(\(text.debugDescription)): expected \(str.debugDescription), got \(marker.description.debugDescription)")
            let parts = envName.split(separator: "/").map(String.init)
            guard parts.count == 2, let platform = Self.platforms[parts[1]] else {
                disagreements.check(false, "unknown environment \(envName)")
                continue
            }
            let env = MarkerEnvironment.cpython(pythonVersion: parts[0], platform: platform)
            let strict: String
            do {
                strict = try marker.evaluateStrictly(env, extra: extra) ? "True" : "False"
            } catch {
                strict = "error"
            }
            disagreements.check(
                strict == expected, "\(text.debugDescription) in \(envName) with extra \(extra.debugDescription): expected \(expected), got \(strict)")
            if expected != "error" {
                let lenient = marker.evaluate(env, extras: extra.isEmpty ? [] : [extra])
                disagreements.check(
                    "\(lenient ? "True" : "False")" == expected,
                    "evaluate(\(text.debugDescription)) in \(envName) with extra \(extra.debugDescription): expected \(expected)")
            }
        }
        disagreements.report("marker", header: file.header)
    }

    static let linux311 = MarkerEnvironment.cpython(pythonVersion: "3.11.7", platform: .linuxX86_64)

    @Test(arguments: [
        ("python_version >= '3.8'", true),
        ("python_version < \"3.10\"", false),
        ("python_version == '3.11.*'", true),
        ("python_full_version >= '3.11.5'", true),
        ("'3.12' > python_version", true),
        ("sys_platform == 'linux' and platform_machine == 'x86_64'", true),
        ("sys_platform == 'win32' or (os_name == 'posix' and python_version ~= '3.10')", true),
        ("platform_system in 'Linux Darwin'", true),
        ("os_name not in 'nt'", true),
        ("os.name == 'posix'", true),
        ("python_implementation == 'CPython'", true),
        ("os_name < 'zzz'", false),
        ("implementation_name == 'pypy'", false),
    ])
    func evaluatesOnLinux(text: String, expected: Bool) throws {
        #expect(try Marker(text).evaluate(Self.linux311) == expected)
    }

    @Test func extrasAreNormalizedAndAnyMatches() throws {
        let marker = try Marker("extra == 'Test_Extra'")
        #expect(marker.description == "extra == \"test-extra\"")
        #expect(!marker.evaluate(Self.linux311))
        #expect(marker.evaluate(Self.linux311, extras: ["test.extra"]))
        #expect(marker.evaluate(Self.linux311, extras: ["docs", "TEST-extra"]))
        #expect(try !Marker("extra != 'docs'").evaluate(Self.linux311, extras: ["docs"]))
        #expect(try Marker("extra != 'docs'").evaluate(Self.linux311))
    }

    @Test func platformsDiffer() throws {
        let marker = try Marker("sys_platform == 'darwin' and platform_machine == 'arm64'")
        #expect(marker.evaluate(.cpython(pythonVersion: "3.12", platform: .macOSArm64)))
        #expect(!marker.evaluate(.cpython(pythonVersion: "3.12", platform: .linuxAarch64)))
        let windows = MarkerEnvironment.cpython(pythonVersion: "3.9", platform: .windowsAMD64)
        #expect(windows["os_name"] == "nt")
        #expect(windows["python_full_version"] == "3.9.0")
    }

    @Test func undefinedComparisonsAreFalseOrThrown() throws {
        let marker = try Marker("os_name ~= 'posix' or python_version >= '3'")
        #expect(marker.evaluate(Self.linux311))
        #expect(throws: MarkerEvaluationError.undefinedComparison(op: "~=", lhs: "posix", rhs: "posix")) {
            try marker.evaluateStrictly(Self.linux311)
        }
        #expect(try !Marker("os_name ~= 'posix'").evaluate(Self.linux311))
        #expect(try !Marker("extras == 'a'").evaluate(Self.linux311))
    }

    @Test(arguments: [
        ("python_version >= '3.8' and (os_name == 'nt')", "python_version >= \"3.8\" and os_name == \"nt\""),
        ("(python_version >= '3.8' or os_name == 'nt') and os_name == 'posix'", "(python_version >= \"3.8\" or os_name == \"nt\") and os_name == \"posix\""),
        ("  os.name=='posix'  ", "os_name == \"posix\""),
        ("'linux' == sys_platform", "\"linux\" == sys_platform"),
    ])
    func normalizedDescription(text: String, expected: String) throws {
        #expect(try Marker(text).description == expected)
    }

    @Test(arguments: [
        ("python_version", "expected a marker operator"),
        ("python_version >= ", "expected a marker variable or quoted string"),
        ("(os_name == 'nt'", "expected ')'"),
        ("os_name == 'nt' and", "expected a marker variable or quoted string"),
        ("os_name == 'a\\\\b'", "backslashes"),
        ("os_name = 'nt'", "expected a marker operator"),
        ("os_name == \"nt", "closing"),
    ])
    func rejectsWithAProblem(text: String, problem: String) {
        #expect {
            try Marker(text)
        } throws: { error in
            guard let error = error as? MarkerError else { return false }
            return error.input == text && error.description.contains(problem)
        }
    }

    /// Found with fuzz-requirement (Fuzz/): 50,000 nested parentheses in a Requires-Dist marker
    /// overflowed the stack of the process parsing them (a mirror, `manifest lock`).
    @Test func deepNestingIsRefusedNotAStackOverflow() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "(", count: depth) + "os_name == 'nt'" + String(repeating: ")", count: depth)
        }
        let deepest = try Marker(nested(MarkerParser.maxNesting))
        #expect(deepest.evaluate(.cpython(pythonVersion: "3.12", platform: .windowsAMD64)))
        #expect(throws: MarkerError.self) { try Marker(nested(MarkerParser.maxNesting + 1)) }
        #expect {
            try Marker(nested(200_000))
        } throws: { error in
            (error as? MarkerError)?.problem == "parentheses nested more than \(MarkerParser.maxNesting) deep"
        }
        #expect(throws: RequirementError.self) { try Requirement("demo; " + nested(200_000)) }
    }
}
