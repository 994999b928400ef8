public import ArgumentParser
import Foundation
import Logging
import WheelhouseApp
import WheelhouseCore

/// Option values parsed when the command line is read, so a bad value is a usage error
/// (status 64) naming the option, never a string checked later.

/// A duration: `500ms`, `30s`, `10m`, `2h`, `7d`, `1w` or a number of seconds (`DurationText`).
struct DurationOption: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let duration: Duration
    /// As written, for help and logs.
    let text: String

    init?(argument: String) {
        guard let duration = DurationText.parse(argument) else { return nil }
        self.duration = duration
        self.text = argument
    }

    /// A default value; `text` must parse (checked by the command line's parse tests).
    init(default text: String) {
        self.text = text
        self.duration = DurationText.parse(text) ?? .zero
    }

    var description: String { text }
    var defaultValueDescription: String { text }
}

/// A duration greater than zero (`--interval`).
struct PositiveDurationOption: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let duration: Duration
    let text: String

    init?(argument: String) {
        guard let duration = DurationText.parsePositive(argument) else { return nil }
        self.duration = duration
        self.text = argument
    }

    init(default text: String) {
        self.text = text
        self.duration = DurationText.parsePositive(text) ?? .seconds(1)
    }

    var description: String { text }
    var defaultValueDescription: String { text }
}

/// A Glue runtime this version knows (`--glue-version`): 4.0, 5.0, 5.1, 6.0. Another runtime is
/// described with `--glue-profile FILE`.
struct GlueVersionOption: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    let version: String

    init?(argument: String) {
        guard GlueProfile.knownVersions.contains(argument) else { return nil }
        version = argument
    }

    static var allValueStrings: [String] { GlueProfile.knownVersions }
    var description: String { version }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension AccessPolicy: ExpressibleByArgument {}
extension TokenScope: ExpressibleByArgument {}

/// An http(s) URL with a host (`--repository-url`, `--upstream` of `mirror`, `--url` of `manifest glue-args`).
struct HTTPURLOption: ExpressibleByArgument, Sendable {
    let url: URL
    /// As written.
    let text: String

    init?(argument: String) {
        guard let url = URL(string: argument), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return nil }
        self.url = url
        self.text = argument
    }
}
