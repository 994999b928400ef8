import Testing
@testable import WheelhouseCore

@Suite struct TagTests {
    @Test func expandsCompressedSetsInWrittenOrder() throws {
        let tags = try Tag.expand("py2.py3-none-any")
        #expect(tags.map(\.description) == ["py2-none-any", "py3-none-any"])
        let many = try Tag.expand("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64")
        #expect(many.map(\.platform) == ["manylinux_2_17_x86_64", "manylinux2014_x86_64"])
    }

    @Test func lowercasesAndDeduplicates() throws {
        #expect(try Tag.expand("PY3.py3-NONE-Any").map(\.description) == ["py3-none-any"])
        #expect(Tag(interpreter: "CP311", abi: "ABI3", platform: "Win_AMD64").description == "cp311-abi3-win_amd64")
    }

    @Test func refusesMalformedSets() {
        #expect(throws: TagError.emptyComponent(tagSet: "py3..py2-none-any", component: "py3..py2")) {
            try Tag.expand("py3..py2-none-any")
        }
        #expect(throws: TagError.wrongComponentCount(tagSet: "py3-none")) { try Tag.expand("py3-none") }
        #expect(throws: TagError.invalidInterpreter(tagSet: "3py-none-any", interpreter: "3py")) {
            try Tag.expand("3py-none-any")
        }
    }

    @Test func refusesTagExplosionsBeforeBuildingThem() {
        let hundred = (0..<100).map { "p\($0)" }.joined(separator: ".")
        let explosive = "\(hundred)-\(hundred)-\(hundred)"
        do {
            _ = try Tag.expand(explosive)
            Issue.record("a million-tag set was accepted")
        } catch {
            #expect(error == .tooManyTags(tagSet: explosive, count: 1_000_000, limit: Tag.defaultExpansionLimit))
            #expect(error.description.contains("expands to 1000000 tags; at most 512"))
        }
        #expect(throws: Never.self) { try Tag.expand("py2.py3-none-any", limit: 2) }
        #expect(throws: TagError.tooManyTags(tagSet: "py2.py3-none-any", count: 2, limit: 1)) {
            try Tag.expand("py2.py3-none-any", limit: 1)
        }
    }
}
