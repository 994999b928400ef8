import Testing
@testable import WheelhouseApp

struct RangeRequestTests {
    @Test(arguments: [
        ("bytes=0-99", RangeRequest.from(first: 0, last: 99)),
        ("bytes=100-", RangeRequest.from(first: 100, last: nil)),
        ("bytes=-500", RangeRequest.suffix(count: 500)),
        ("BYTES= 5 - 9 ", RangeRequest.from(first: 5, last: 9)),
    ])
    func parsesSingleRanges(header: String, expected: RangeRequest) {
        #expect(RangeRequest.parse(header) == expected)
    }

    @Test(arguments: ["items=0-1", "bytes=0-1,4-5", "bytes=5-1", "bytes=a-b", "bytes=-", "bytes=+1-2", "bytes 0-1", ""])
    func ignoresWhatIsNotOneValidRange(header: String) {
        #expect(RangeRequest.parse(header) == nil)
    }

    @Test func resolvesAgainstTheSize() {
        #expect(RangeRequest.from(first: 0, last: 99).resolve(size: 50)! == (0, 49))
        #expect(RangeRequest.from(first: 50, last: nil).resolve(size: 50) == nil)
        #expect(RangeRequest.suffix(count: 10).resolve(size: 50)! == (40, 49))
        #expect(RangeRequest.suffix(count: 100).resolve(size: 50)! == (0, 49))
        #expect(RangeRequest.suffix(count: 0).resolve(size: 50) == nil)
        #expect(RangeRequest.from(first: 0, last: 0).resolve(size: 0) == nil)
    }

    @Test func entityTagConditions() {
        #expect(ConditionalRequest.ifNoneMatchMatches("*", etag: "\"a\""))
        #expect(ConditionalRequest.ifNoneMatchMatches("\"x\", \"a\"", etag: "\"a\""))
        #expect(ConditionalRequest.ifNoneMatchMatches("W/\"a\"", etag: "\"a\""))
        #expect(!ConditionalRequest.ifNoneMatchMatches("\"x,a\"", etag: "\"a\""))
        #expect(ConditionalRequest.ifRangeAllowsRange("\"a\"", etag: "\"a\""))
        #expect(!ConditionalRequest.ifRangeAllowsRange("W/\"a\"", etag: "\"a\""))
        #expect(!ConditionalRequest.ifRangeAllowsRange("Wed, 21 Oct 2015 07:28:00 GMT", etag: "\"a\""))
    }
}
