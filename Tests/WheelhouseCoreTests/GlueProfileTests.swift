import Foundation
import Testing
import WheelhouseTestSupport
@testable import WheelhouseCore

@Suite struct GlueProfileTests {
    @Test func builtInProfilesMatchTheirLists() throws {
        let expected: [String: (python: String, glibc: Int, pip: String, bundles: Bool, count: Int, pandas: String)] = [
            "4.0": ("3.10", 26, "23.0.1", false, 64, "1.5.1"),
            "5.0": ("3.11", 34, "23.0.1", true, 44, "2.2.2"),
            "5.1": ("3.11", 34, "24.0", true, 60, "2.3.3"),
            "6.0": ("3.13", 34, "24.0", true, 67, "2.3.3"),
        ]
        #expect(GlueProfile.knownVersions == ["4.0", "5.0", "5.1", "6.0"])
        for (version, want) in expected {
            let profile = try GlueProfile.named(version)
            #expect(profile.python == want.python && profile.glibcMinor == want.glibc && profile.pipVersion == want.pip)
            #expect(profile.acceptsBundles == want.bundles, "\(version)")
            #expect(profile.preinstalled.count == want.count, "\(version): \(profile.preinstalled.count)")
            #expect(profile.preinstalledVersion(of: try ProjectName("Pandas"))?.description == want.pandas)
            #expect(profile.source.contains { $0.hasPrefix("Source:") }, "the list keeps its source lines")
            #expect(profile.description == "AWS Glue \(version)")
            let target = try profile.target()
            #expect(target.pythonVersion.description == want.python + ".0")
            #expect(target.platforms.first == "manylinux_2_\(want.glibc)_x86_64")
            #expect(target.platforms.contains("manylinux2014_x86_64") && target.platforms.last == "linux_x86_64")
            #expect(target.description.hasPrefix("Glue \(version) (cp\(want.python.replacingOccurrences(of: ".", with: ""))-"))
        }
        #expect(throws: GlueProfileError.self) { try GlueProfile.named("3.0") }
        #expect(try TargetEnvironment.glue("6.0").supportedTags == (try GlueProfile.named("6.0").target()).supportedTags)
    }

    /// The compiled-in text is exactly glue/glue-*.txt (scripts/generate-glue-profiles.sh).
    @Test func compiledListsAreTheCommittedFiles() throws {
        let folder = TestSupport.repositoryRoot.appendingPathComponent("glue")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".txt") }.sorted()
        #expect(files == ["glue-4.0.txt", "glue-5.0.txt", "glue-5.1.txt", "glue-6.0.txt"])
        for file in files {
            let version = String(file.dropFirst("glue-".count).dropLast(".txt".count))
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let trimmed = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.replacing(/\s+$/, with: "") }.joined(separator: "\n")
            let compiled = try #require(GlueProfile.preinstalledLists[version])
            #expect(compiled + "\n" == trimmed, "\(file) differs from GlueProfile+Data.swift: run scripts/generate-glue-profiles.sh")
            let entries = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.count
            #expect(try GlueProfile.named(version).preinstalled.count == entries)
        }
    }

    @Test func customListTakesItsRuntimeFromTheHeaderOrTheBase() throws {
        let header = """
            # AWS Glue 7.0 (Spark jobs) - preinstalled Python modules
            # Python 3.14, Amazon Linux 2023, glibc 2.39, x86_64; installer pip 25.1
            boto3==1.50.0
            Pandas == 3.0.1  # a comment after an entry
            """
        let custom = try GlueProfile.custom(text: header, file: "glue-7.0.txt", base: nil)
        #expect(custom.version == "7.0" && custom.python == "3.14" && custom.glibcMinor == 39 && custom.pipVersion == "25.1")
        #expect(custom.acceptsBundles)
        #expect(custom.preinstalled.map(\.name.normalized) == ["boto3", "pandas"])
        #expect(custom.preinstalled[1].line == 4)
        #expect(try custom.target().platforms.first == "manylinux_2_39_x86_64")

        let bare = "numpy==2.0.0\n"
        let based = try GlueProfile.custom(text: bare, file: "mine.txt", base: try GlueProfile.named("4.0"))
        #expect(based.version == "4.0" && based.python == "3.10" && based.glibcMinor == 26 && !based.acceptsBundles)
        #expect(based.installed == [try ProjectName("numpy"): try Version("2.0.0")])
        #expect {
            try GlueProfile.custom(text: bare, file: "mine.txt", base: nil)
        } throws: { error in
            "\(error)".contains("mine.txt") && "\(error)".contains("Python X.Y")
        }
    }

    @Test func badListsNameEveryBadLine() throws {
        let text = "# Python 3.11, glibc 2.34\nok==1.0\nnot a line\nbad name!==1.0\nok==2.0\nv==x.y.z\n"
        #expect {
            try GlueProfile.custom(text: text, file: "bad.txt", base: nil)
        } throws: { error in
            let message = "\(error)"
            return message.contains("bad.txt") && message.contains("line 3") && message.contains("line 4")
                && message.contains("line 5: ok is listed again (first on line 2)") && message.contains("line 6")
        }
        #expect(throws: GlueProfileError.self) { try GlueProfile.custom(text: "# Python 3.11, glibc 2.34\n", file: "empty.txt", base: nil) }
    }
}
