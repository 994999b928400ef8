import Testing

@testable import WheelhouseAWS

@Suite struct SigV4EncodingTests {
    @Test func onlyUnreservedBytesStay() {
        let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
        #expect(SigV4Encoding.encode(Array(unreserved.utf8)) == unreserved)
        #expect(
            SigV4Encoding.encode(Array(" !\"#$%&'()*+,/:;=?@[]".utf8))
                == "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D")
        #expect(SigV4Encoding.encode(Array("ሴ/é".utf8)) == "%E1%88%B4%2F%C3%A9")
        #expect(SigV4Encoding.encode(Array("a/b c".utf8), keepingSlash: true) == "a/b%20c")
    }

    @Test func decodingKeepsStrayPercents() {
        #expect(SigV4Encoding.decode("a%20b%2fc%E1%88%B4") == Array("a b/cሴ".utf8))
        #expect(SigV4Encoding.decode("100%") == Array("100%".utf8))
        #expect(SigV4Encoding.decode("%zz%4") == Array("%zz%4".utf8))
        #expect(SigV4Encoding.decode("+") == Array("+".utf8))
    }
}
