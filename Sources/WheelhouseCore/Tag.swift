/// PEP 425: a compatibility tag, `{python tag}-{abi tag}-{platform tag}`.
///
/// Components are stored lowercased, as pypa/packaging's `Tag` does, so tags compare the way
/// installers compare them.
public struct Tag: Hashable, Sendable, CustomStringConvertible {
    public let interpreter: String
    public let abi: String
    public let platform: String

    public init(interpreter: String, abi: String, platform: String) {
        self.interpreter = interpreter.lowercased()
        self.abi = abi.lowercased()
        self.platform = platform.lowercased()
    }

    public var description: String { "\(interpreter)-\(abi)-\(platform)" }

    /// The most tags one compressed tag set may expand to. Real wheels stay far below
    /// (a few platform aliases times a few interpreters); a filename such as
    /// `py0.….py99-a0.….a99-p0.….p99` would otherwise make a million tags.
    public static let defaultExpansionLimit = 512

    /// PEP 425 compressed tag sets: `py2.py3-none-any` expands to `py2-none-any` and
    /// `py3-none-any`. Order follows the written order (interpreter, then ABI, then platform);
    /// duplicates are dropped. Mirrors `packaging.tags.parse_tag(tag, limit:)`.
    public static func expand(
        _ tagSet: String, limit: Int = Tag.defaultExpansionLimit
    ) throws(TagError) -> [Tag] {
        let components = tagSet.split(separator: "-", omittingEmptySubsequences: false)
            .map { $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
        for parts in components where parts.contains("") {
            throw .emptyComponent(tagSet: tagSet, component: parts.joined(separator: "."))
        }
        // Count before building anything, so an explosion costs nothing.
        var count = 1
        for parts in components {
            let (product, overflow) = count.multipliedReportingOverflow(by: parts.count)
            count = overflow ? Int.max : product
        }
        if count > limit { throw .tooManyTags(tagSet: tagSet, count: count, limit: limit) }
        guard components.count == 3 else { throw .wrongComponentCount(tagSet: tagSet) }
        for interpreter in components[0] where !isIdentifier(interpreter) {
            throw .invalidInterpreter(tagSet: tagSet, interpreter: interpreter)
        }
        var seen = Set<Tag>()
        var tags: [Tag] = []
        for interpreter in components[0] {
            for abi in components[1] {
                for platform in components[2] {
                    let tag = Tag(interpreter: interpreter, abi: abi, platform: platform)
                    if seen.insert(tag).inserted { tags.append(tag) }
                }
            }
        }
        return tags
    }

    /// Python's `str.isidentifier`, restricted to ASCII (Wheelhouse refuses non-ASCII filenames).
    private static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, first == UInt8(ascii: "_") || isASCIILetter(first) else {
            return false
        }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isASCIILetter($0) || (0x30...0x39).contains($0) }
    }

    private static func isASCIILetter(_ c: UInt8) -> Bool {
        (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
    }
}

/// Why a compressed tag set was refused.
public enum TagError: Error, Sendable, Hashable, CustomStringConvertible {
    case emptyComponent(tagSet: String, component: String)
    case wrongComponentCount(tagSet: String)
    case invalidInterpreter(tagSet: String, interpreter: String)
    case tooManyTags(tagSet: String, count: Int, limit: Int)
    /// An ABI or platform tag with a character other than an ASCII letter, digit or `_`.
    case invalidCharacters(tagSet: String, component: String)

    public var description: String {
        switch self {
        case let .emptyComponent(tagSet, component):
            "tag '\(tagSet)' has an empty part in '\(component)'"
        case let .wrongComponentCount(tagSet):
            "tag '\(tagSet)' must have exactly three parts: python-abi-platform"
        case let .invalidInterpreter(tagSet, interpreter):
            "tag '\(tagSet)' has an invalid python tag '\(interpreter)' (must be an identifier such as py3 or cp311)"
        case let .invalidCharacters(tagSet, component):
            "tag '\(tagSet)' has an invalid part '\(component)' (PEP 425 tags are ASCII letters, digits and '_')"
        case let .tooManyTags(tagSet, count, limit):
            "compressed tag set '\(tagSet)' expands to \(count == Int.max ? "too many" : String(count)) tags; at most \(limit) are accepted"
        }
    }
}
