import Foundation

/// The shared AWS files, `~/.aws/credentials` and `~/.aws/config`, parsed into profiles.
///
/// Follows the SDKs' shared-config format: `[name]` sections in the credentials file,
/// `[profile name]` and `[default]` in the config file (a plain `[name]` there is not a
/// profile), `[services name]` sections for per-service settings; `key = value` or `key: value`
/// with keys lowercased; whole-line comments starting with `#` or `;`, and trailing comments
/// after whitespace; indented lines continue the previous value (used for nested settings
/// such as `s3 =` followed by `  endpoint_url = ...`). A section repeated in one file merges.
public struct AWSSharedConfig: Sendable, Equatable {
    public typealias Section = [String: String]

    /// Profiles from the credentials file.
    public var credentialsProfiles: [String: Section]
    /// Profiles from the config file.
    public var configProfiles: [String: Section]
    /// `[services name]` sections of the config file.
    public var services: [String: Section]
    /// The files read, for messages.
    public var files: [String]

    public init(
        credentialsProfiles: [String: Section] = [:], configProfiles: [String: Section] = [:],
        services: [String: Section] = [:], files: [String] = []
    ) {
        self.credentialsProfiles = credentialsProfiles
        self.configProfiles = configProfiles
        self.services = services
        self.files = files
    }

    /// The profile to use: `AWS_PROFILE`, else `default`.
    public static func profileName(environment: [String: String]) -> String {
        if let name = environment["AWS_PROFILE"], !name.isEmpty { return name }
        return "default"
    }

    /// Whether the user chose the profile (and so must be told when it does not exist).
    static func profileIsExplicit(environment: [String: String]) -> Bool {
        environment["AWS_PROFILE"].map { !$0.isEmpty } ?? false
    }

    /// A profile's settings from both files, the credentials file winning (as in botocore);
    /// `nil` when neither file has it.
    public func profile(_ name: String) -> Section? {
        let config = configProfiles[name]
        let credentials = credentialsProfiles[name]
        if config == nil && credentials == nil { return nil }
        return (config ?? [:]).merging(credentials ?? [:]) { _, fromCredentials in fromCredentials }
    }

    // MARK: Loading

    /// Reads the files named by `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`, else
    /// `$HOME/.aws/credentials` and `$HOME/.aws/config` (`~` expanded). A missing file is empty.
    public static func load(environment: [String: String]) throws(AWSConfigurationError) -> AWSSharedConfig {
        let credentialsPath = path(environment, variable: "AWS_SHARED_CREDENTIALS_FILE", default: ".aws/credentials")
        let configPath = path(environment, variable: "AWS_CONFIG_FILE", default: ".aws/config")
        var config = AWSSharedConfig(files: [credentialsPath, configPath])
        if let text = try read(credentialsPath) {
            config.credentialsProfiles = try parse(text, path: credentialsPath)
        }
        if let text = try read(configPath) {
            for (name, section) in try parse(text, path: configPath) {
                let words = name.split(whereSeparator: \.isWhitespace)
                if name == "default" {
                    config.configProfiles["default", default: [:]].merge(section) { _, new in new }
                } else if words.count == 2, words[0] == "profile" {
                    config.configProfiles[String(words[1]), default: [:]].merge(section) { _, new in new }
                } else if words.count == 2, words[0] == "services" {
                    config.services[String(words[1]), default: [:]].merge(section) { _, new in new }
                }
            }
        }
        return config
    }

    static func path(_ environment: [String: String], variable: String, default relative: String) -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        guard let given = environment[variable], !given.isEmpty else {
            return URL(fileURLWithPath: home).appendingPathComponent(relative).path
        }
        if given == "~" { return home }
        if given.hasPrefix("~/") { return URL(fileURLWithPath: home).appendingPathComponent(String(given.dropFirst(2))).path }
        return given
    }

    private static func read(_ path: String) throws(AWSConfigurationError) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { throw .unreadableFile(path: path, reason: "it is a directory") }
        do {
            // Through a file handle: `Data(contentsOf:)` refuses character devices, and
            // `AWS_CONFIG_FILE=/dev/null` is a common way to say "no configuration".
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
    }

    // MARK: Parsing

    /// Parses one file into sections by their raw header names.
    public static func parse(_ text: String, path: String) throws(AWSConfigurationError) -> [String: Section] {
        var sections: [String: Section] = [:]
        var current: String?
        var lastKey: String?
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }

            if let first = line.first, first == " " || first == "\t" {
                guard let section = current, let key = lastKey else {
                    throw .malformedFile(path: path, line: lineNumber, message: "indented line continues nothing")
                }
                let previous = sections[section]?[key] ?? ""
                sections[section, default: [:]][key] = previous + "\n" + stripComment(trimmed)
                continue
            }
            if trimmed.hasPrefix("[") {
                guard let close = trimmed.lastIndex(of: "]") else {
                    throw .malformedFile(path: path, line: lineNumber, message: "section header '\(trimmed)' has no closing ']'")
                }
                let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else {
                    throw .malformedFile(path: path, line: lineNumber, message: "empty section name")
                }
                current = name
                lastKey = nil
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current else {
                throw .malformedFile(path: path, line: lineNumber, message: "setting before any [section] header")
            }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw .malformedFile(path: path, line: lineNumber, message: "expected 'name = value'")
            }
            let key = trimmed[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            guard !key.isEmpty else {
                throw .malformedFile(path: path, line: lineNumber, message: "setting without a name")
            }
            let value = stripComment(trimmed[trimmed.index(after: separator)...].trimmingCharacters(in: .whitespaces))
            sections[section, default: [:]][key] = value
            lastKey = key
        }
        return sections
    }

    /// Removes a trailing ` # comment` or ` ; comment` (the comment mark must follow whitespace,
    /// so values such as URLs with `#` keep it).
    private static func stripComment(_ value: String) -> String {
        var previousIsSpace = false
        for index in value.indices {
            let character = value[index]
            if previousIsSpace, character == "#" || character == ";" {
                return value[..<index].trimmingCharacters(in: .whitespaces)
            }
            previousIsSpace = character == " " || character == "\t"
        }
        return value
    }

    /// Parses a nested value (`s3 =` followed by indented `key = value` lines).
    public static func nested(_ value: String) -> Section {
        var out: Section = [:]
        for line in value.split(separator: "\n") {
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            out[key] = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}
