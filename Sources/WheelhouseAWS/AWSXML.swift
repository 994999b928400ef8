import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The XML AWS answers with (S3's REST-XML, STS's query protocol, query-style errors of other
/// services), read into a small element tree with Foundation's `XMLParser`.
///
/// Not XMLCoder: on a ListObjectsV2 page of 1,000 keys its `Decodable` path measured about ten
/// times slower than this tree (`scripts/bench-list-xml.sh`).
struct AWSXMLElement: Sendable, Equatable {
    var name: String
    var text: String
    var children: [AWSXMLElement]

    /// The first child named `name`.
    func child(_ name: String) -> AWSXMLElement? { children.first { $0.name == name } }
    /// Every child named `name`.
    func children(_ name: String) -> [AWSXMLElement] { children.filter { $0.name == name } }
    /// The text of the first child named `name`.
    func text(_ name: String) -> String? { child(name)?.text }

    /// The first element named `name`: this one or a descendant, depth first.
    func first(_ name: String) -> AWSXMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.first(name) { return found }
        }
        return nil
    }

    /// Parses a document; nil when it is not well-formed XML.
    static func parse(_ data: Data) -> AWSXMLElement? {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        guard parser.parse() else { return nil }
        return builder.root
    }

    /// `<name>escaped text</name>`, for request bodies.
    static func element(_ name: String, _ text: String) -> String {
        "<\(name)>\(escape(text))</\(name)>"
    }

    /// Escapes text for an XML element's content.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [AWSXMLElement] = []
        var root: AWSXMLElement?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            stack.append(AWSXMLElement(name: elementName, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            guard let element = stack.popLast() else { return }
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].children.append(element)
            }
        }
    }
}
