import Testing

@testable import WheelhouseStorage

@Suite("BlobKey")
struct BlobKeyTests {
    @Test func ordersAndMatchesByUTF8Bytes() {
        // U+FB01 (ﬁ, EF AC 81) sorts after U+00E9 (é, C3 A9) by bytes, as in S3 listings.
        let keys = ["\u{FB01}", "e\u{301}", "\u{E9}", "a", "Z", "a/b", "a-b"]
        #expect(keys.sorted(by: BlobKey.precedes) == ["Z", "a", "a-b", "a/b", "e\u{301}", "\u{E9}", "\u{FB01}"])
        #expect(!BlobKey.key("\u{E9}x", hasPrefix: "e\u{301}"))
        #expect(BlobKey.key("packages/demo/x", hasPrefix: "packages/de"))
    }

    @Test func reservedDirectoriesOnlyMatchWholeComponents() {
        #expect(BlobKey.isReserved("_wheelhouse/tmp"))
        #expect(BlobKey.isReserved("_wheelhouse/locks/ab.lock"))
        #expect(!BlobKey.isReserved("_wheelhouse/tmpfile"))
        #expect(!BlobKey.isReserved("_wheelhouse/projects/tmp"))
        #expect(BlobKey.isValid("_wheelhouse/tmpfile"))
    }
}
