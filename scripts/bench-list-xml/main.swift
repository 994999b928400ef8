import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

// The document: one ListObjectsV2 page of 1000 keys, as S3 sends it.
func page(_ n: Int) -> Data {
    var s = #"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>packages/</Prefix><KeyCount>\#(n)</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"#
    for i in 0..<n {
        s += "<Contents><Key>packages/project-\(i % 97)/project_\(i % 97)-1.\(i).0-py3-none-any.whl</Key><LastModified>2026-11-25T16:40:\(String(format: "%02d", i % 60)).000Z</LastModified><ETag>&quot;\(String(format: "%032x", i * 7919))&quot;</ETag><Size>\(1000 + i * 37)</Size><StorageClass>STANDARD</StorageClass></Contents>"
    }
    s += "</ListBucketResult>"
    return Data(s.utf8)
}

struct Info { var key: String; var size: Int64; var etag: String; var lastModified: String? }

// A: the hand-driven XMLParser tree (as AWSXMLElement in WheelhouseAWS).
struct El { var name: String; var text: String; var children: [El]
    func child(_ n: String) -> El? { children.first { $0.name == n } }
    func text(_ n: String) -> String? { child(n)?.text } }
final class B: NSObject, XMLParserDelegate {
    var stack: [El] = []; var root: El?
    func parser(_ p: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) { stack.append(El(name: e, text: "", children: [])) }
    func parser(_ p: XMLParser, foundCharacters s: String) { if !stack.isEmpty { stack[stack.count - 1].text += s } }
    func parser(_ p: XMLParser, didEndElement e: String, namespaceURI: String?, qualifiedName: String?) {
        guard let el = stack.popLast() else { return }
        if stack.isEmpty { root = el } else { stack[stack.count - 1].children.append(el) } }
}
func handParse(_ d: Data) -> [Info] {
    let b = B(); let p = XMLParser(data: d); p.delegate = b; _ = p.parse()
    return b.root!.children.filter { $0.name == "Contents" }.map { Info(key: $0.text("Key")!, size: Int64($0.text("Size")!)!, etag: $0.text("ETag")!, lastModified: $0.text("LastModified")) }
}

// B: XMLCoder into Codable types.
struct ListBucketResult: Decodable {
    struct Entry: Decodable { var Key: String; var Size: Int64; var ETag: String; var LastModified: String? }
    var Contents: [Entry]?
    var IsTruncated: Bool?
    var NextContinuationToken: String?
}
func coderParse(_ d: Data) -> [Info] {
    let decoder = XMLDecoder(trimValueWhitespaces: false, removeWhitespaceElements: true)
    let r = try! decoder.decode(ListBucketResult.self, from: d)
    return (r.Contents ?? []).map { Info(key: $0.Key, size: $0.Size, etag: $0.ETag, lastModified: $0.LastModified) }
}

func measure(_ name: String, _ d: Data, _ f: (Data) -> [Info]) {
    for _ in 0..<5 { precondition(f(d).count == 1000) }
    var times: [Double] = []
    for _ in 0..<40 {
        let t = ContinuousClock.now
        precondition(f(d).count == 1000)
        let e = ContinuousClock.now - t
        times.append(Double(e.components.attoseconds) / 1e15 + Double(e.components.seconds) * 1000)
    }
    times.sort()
    print(String(format: "%@: median %.2f ms, min %.2f ms, p90 %.2f ms per 1000-key page", name, times[20], times[0], times[36]))
}
let d = page(1000)
if CommandLine.arguments.count > 2 {
    let n = Int(CommandLine.arguments[2])!
    let f: (Data) -> [Info] = CommandLine.arguments[1] == "hand" ? handParse : coderParse
    for _ in 0..<n { precondition(f(d).count == 1000) }
    exit(0)
}
print("page: \(d.count) bytes")
let a = handParse(d), b = coderParse(d)
precondition(a.map(\.key) == b.map(\.key) && a.map(\.etag) == b.map(\.etag) && a.map(\.size) == b.map(\.size))
measure("XMLParser tree (AWSXMLElement)", d, handParse)
measure("XMLCoder Codable", d, coderParse)
