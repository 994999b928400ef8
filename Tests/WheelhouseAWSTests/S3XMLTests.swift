import Foundation
import Testing

@testable import WheelhouseAWS

@Suite struct S3XMLTests {
    @Test func parsesAnErrorBody() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
            <Key>a &amp; b</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """
        let xml = try #require(S3XMLElement.parse(Data(body.utf8)))
        #expect(xml.name == "Error")
        #expect(xml.text("Code") == "NoSuchKey")
        #expect(xml.text("Key") == "a & b")
        #expect(xml.text("RequestId") == "4442587FB7D0A2F9")
        #expect(xml.text("Missing") == nil)
    }

    @Test func repeatedChildrenAndMalformedDocuments() throws {
        let xml = try #require(S3XMLElement.parse(Data("<R><C><K>1</K></C><C><K>2</K></C><T>x</T></R>".utf8)))
        #expect(xml.children("C").compactMap { $0.text("K") } == ["1", "2"])
        #expect(S3XMLElement.parse(Data("<R><C></R>".utf8)) == nil)
        #expect(S3XMLElement.escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;")
    }
}
