import Testing

@testable import WheelhouseCore

@Suite struct StorageLayoutTests {
    @Test func keysFollowTheDesignLayout() throws {
        #expect(
            try StorageLayout.fileKey(project: "zope-interface", filename: "zope.interface-6.0-py3-none-any.whl")
                == "packages/zope-interface/zope.interface-6.0-py3-none-any.whl")
        #expect(
            try StorageLayout.metadataKey(project: "demo", filename: "demo-1.0-py3-none-any.whl")
                == "packages/demo/demo-1.0-py3-none-any.whl.metadata")
        #expect(try StorageLayout.recordKey(project: "demo") == "_wheelhouse/projects/demo.json")
        #expect(try StorageLayout.exportProjectKey(project: "demo") == "simple/demo/index.html")
        #expect(StorageLayout.exportRootKey == "simple/index.html")
        #expect(try StorageLayout.tokenKey(id: "tok_AB-12") == "_wheelhouse/tokens/tok_AB-12.json")
        #expect(try StorageLayout.recordKey(project: "demo").hasPrefix(StorageLayout.recordsPrefix))
        #expect(try StorageLayout.fileKey(project: "demo", filename: "demo-1.0.tar.gz").hasPrefix(StorageLayout.packagesPrefix))
        #expect(try StorageLayout.tokenKey(id: "x").hasPrefix(StorageLayout.tokensPrefix))
    }

    @Test(arguments: ["demo", "a", "0", "zope-interface", "a1-b2-c3", "123"])
    func acceptsNormalizedNames(_ name: String) {
        #expect(StorageLayout.isNormalizedProjectName(name))
        #expect(throws: Never.self) { try StorageLayout.recordKey(project: name) }
    }

    @Test(arguments: ["", "Demo", "zope.interface", "zope_interface", "a--b", "-a", "a-", "a/b", "..", "a b", "é", "a\u{0}"])
    func refusesNamesThatAreNotNormalized(_ name: String) {
        #expect(!StorageLayout.isNormalizedProjectName(name))
        #expect(throws: StorageLayoutError.invalidProjectName(name)) { try StorageLayout.recordKey(project: name) }
        #expect(throws: StorageLayoutError.invalidProjectName(name)) { try StorageLayout.fileKey(project: name, filename: "x-1.0.tar.gz") }
        #expect(throws: StorageLayoutError.invalidProjectName(name)) { try StorageLayout.exportProjectKey(project: name) }
    }

    @Test(arguments: ["", "..", "../etc/passwd", "a/b.whl", "a\\b.whl", "demo-1.0..tar.gz", "x\u{0}.whl", "x\n.whl", "x\u{7F}.whl"])
    func refusesHostileFilenames(_ filename: String) {
        #expect {
            try StorageLayout.fileKey(project: "demo", filename: filename)
        } throws: { error in
            guard case .invalidFilename(let rejected, _) = error as? StorageLayoutError else { return false }
            return rejected == filename
        }
        #expect(throws: StorageLayoutError.self) { try StorageLayout.metadataKey(project: "demo", filename: filename) }
    }

    @Test(arguments: ["", "a/b", "a.b", "../x", "a b"])
    func refusesOddTokenIDs(_ id: String) {
        #expect(throws: StorageLayoutError.invalidTokenID(id)) { try StorageLayout.tokenKey(id: id) }
    }

    @Test func parsesFileKeysBack() throws {
        let filenames = ["demo-1.0-py3-none-any.whl", "demo-1.0+local.1-py3-none-any.whl", "demo-1!2.0.tar.gz", "Demo_Pkg-0.1.zip"]
        for filename in filenames {
            let key = try StorageLayout.fileKey(project: "demo", filename: filename)
            let parsed = try #require(StorageLayout.parseFileKey(key))
            #expect(parsed.project == "demo" && parsed.filename == filename)
            #expect(StorageLayout.parseMetadataKey(key) == nil)
            let metadata = try #require(StorageLayout.parseMetadataKey(try StorageLayout.metadataKey(project: "demo", filename: filename)))
            #expect(metadata.project == "demo" && metadata.filename == filename)
        }
    }

    @Test(arguments: [
        "packages/demo", "packages/demo/", "packages//x.whl", "packages/Demo/x.whl", "packages/demo/a/b.whl",
        "packages/demo/x.whl.metadata", "simple/demo/index.html", "_wheelhouse/projects/demo.json", "xpackages/demo/x.whl",
        "packages/demo/..", "packages/de_mo/x.whl",
    ])
    func parseFileKeyRefusesOtherKeys(_ key: String) {
        #expect(StorageLayout.parseFileKey(key) == nil)
    }

    @Test func parsesRecordKeysBack() throws {
        #expect(StorageLayout.parseRecordKey(try StorageLayout.recordKey(project: "zope-interface")) == "zope-interface")
        for key in [
            "_wheelhouse/projects/.json", "_wheelhouse/projects/Demo.json", "_wheelhouse/projects/a/b.json",
            "_wheelhouse/projects/demo.txt", "_wheelhouse/tokens/demo.json",
        ] {
            #expect(StorageLayout.parseRecordKey(key) == nil, "\(key)")
        }
    }

    @Test func errorMessagesNameTheOffendingValue() {
        #expect("\(StorageLayoutError.invalidProjectName("Foo_Bar"))".contains("\"Foo_Bar\""))
        #expect("\(StorageLayoutError.invalidFilename("../x", reason: "it contains \"..\""))".contains("../x"))
    }
}
