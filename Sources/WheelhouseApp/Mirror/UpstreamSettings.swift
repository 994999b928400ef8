public import Foundation
import WheelhouseCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The pull-through mirror's settings (`serve --upstream ...`), one typed value.
public struct UpstreamSettings: Sendable {
    /// Simple index roots, asked in order; the first that knows a project answers for it.
    public var upstreams: [URL]
    /// How long an upstream page is used before it is asked again (`--upstream-ttl`).
    public var ttl: Duration
    /// How long an upstream 404 is remembered.
    public var negativeTTL: Duration
    /// Hosted projects whose pages also list upstream files (`--upstream-merge`), normalized.
    public var merge: Set<String>
    /// fnmatch patterns on normalized names: when any is given, only matching names may come
    /// from upstream (`--upstream-allow`).
    public var allow: [String]
    /// fnmatch patterns on normalized names that never come from upstream (`--upstream-deny`).
    public var deny: [String]
    /// Upstream files uploaded less than this long ago, or with no upload time, are hidden
    /// (`--upstream-min-age`).
    public var minAge: Duration?
    /// Projects the cooldown does not apply to (`--upstream-min-age-exempt`), normalized.
    public var minAgeExempt: Set<String>

    public init(
        upstreams: [URL], ttl: Duration = .seconds(600), negativeTTL: Duration = .seconds(60), merge: Set<String> = [],
        allow: [String] = [], deny: [String] = [], minAge: Duration? = nil, minAgeExempt: Set<String> = []
    ) {
        self.upstreams = upstreams
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.merge = Set(merge.map(ProjectName.normalize))
        self.allow = allow
        self.deny = deny
        self.minAge = minAge
        self.minAgeExempt = Set(minAgeExempt.map(ProjectName.normalize))
    }

    /// Why `project` may not come from upstream, or nil when it may.
    public func refusal(_ project: String) -> String? {
        if let pattern = deny.first(where: { Self.fnmatch($0, project) }) { return "denied by --upstream-deny \(pattern)" }
        if !allow.isEmpty, !allow.contains(where: { Self.fnmatch($0, project) }) { return "not matched by any --upstream-allow" }
        return nil
    }

    /// Why an upstream file is hidden by the cooldown, or nil when it is shown.
    public func cooldown(_ project: String, uploadTime: Date?, now: Date) -> String? {
        guard let minAge, !minAgeExempt.contains(project) else { return nil }
        guard let uploadTime else { return "the upstream gives no upload time (--upstream-min-age fails closed)" }
        let age = now.timeIntervalSince(uploadTime)
        let limit = Double(minAge.components.seconds)
        guard age < limit else { return nil }
        return "uploaded \(RFC3339Timestamp.format(uploadTime)), younger than --upstream-min-age"
    }

    /// POSIX fnmatch, as Python's `fnmatch.fnmatchcase` on already-normalized names.
    public static func fnmatch(_ pattern: String, _ name: String) -> Bool {
        #if canImport(Glibc) || canImport(Darwin)
            return pattern.withCString { p in name.withCString { n in Glibc_fnmatch(p, n) } }
        #else
            return pattern == name
        #endif
    }
}

#if canImport(Glibc) || canImport(Darwin)
    private func Glibc_fnmatch(_ pattern: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
#endif
