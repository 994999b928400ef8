import Foundation
import Testing

@testable import WheelhouseAWS

@Suite struct AWSXMLTests {
    @Test func parsesAnErrorBody() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
            <Key>a &amp; b</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """
        let xml = try #require(AWSXMLElement.parse(Data(body.utf8)))
        #expect(xml.name == "Error")
        #expect(xml.text("Code") == "NoSuchKey")
        #expect(xml.text("Key") == "a & b")
        #expect(xml.text("RequestId") == "4442587FB7D0A2F9")
        #expect(xml.text("Missing") == nil)
    }

    @Test func repeatedChildrenAndMalformedDocuments() throws {
        let xml = try #require(AWSXMLElement.parse(Data("<R><C><K>1</K></C><C><K>2</K></C><T>x</T></R>".utf8)))
        #expect(xml.children("C").compactMap { $0.text("K") } == ["1", "2"])
        #expect(AWSXMLElement.parse(Data("<R><C></R>".utf8)) == nil)
        #expect(AWSXMLElement.escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;")
    }
}
