import Foundation
import WheelhouseAWS
import WheelhouseCore
import WheelhouseStorage

/// The runtime a manifest is for: a Glue version, or a Python version and platform tags.
public enum ManifestTarget: Sendable, Hashable, CustomStringConvertible {
    /// `4.0` (Python 3.10, Amazon Linux 2) or `5.0` (Python 3.11, Amazon Linux 2023).
    case glue(String)
    /// A Python `X.Y` and the platform tags its installer accepts (`manylinux2014_x86_64`).
    case python(String, platforms: [String])

    public static let glueVersions = ["4.0", "5.0"]

    public var description: String {
        switch self {
        case .glue(let version): "Glue \(version)"
        case .python(let version, let platforms): "Python \(version) on \(platforms.joined(separator: ", "))"
        }
    }
}

/// Everything `manifest publish` (and `serve`/`upload` with `--manifest-parameter`) is told.
public struct ManifestSettings: Sendable {
    public var target: ManifestTarget
    /// The roots: PEP 508 requirements, or nil for every project in the store.
    public var roots: [Requirement]?
    /// The SSM region; nil: the store's `?region=`, else the AWS configuration.
    public var region: String?
    /// `s3://bucket[/prefix]` to name the wheels under, for a local store synced to S3.
    public var uriBase: String?
    public var bundle: Bool
    public var parameterDescription: String?

    public init(
        target: ManifestTarget, roots: [Requirement]? = nil, region: String? = nil, uriBase: String? = nil, bundle: Bool = false,
        parameterDescription: String? = nil
    ) {
        self.target = target
        self.roots = roots
        self.region = region
        self.uriBase = uriBase
        self.bundle = bundle
        self.parameterDescription = parameterDescription
    }

    /// The roots named by `SPEC` arguments and a requirements file (`-r`-style: one
    /// requirement a line, `#` comments, `\` continuations; pip options are refused, as they
    /// mean nothing to a store). Nil when neither gives any: every project is a root.
    public static func roots(specs: [String], requirementsFile: URL?) throws -> [Requirement]? {
        var roots: [Requirement] = []
        for spec in specs {
            do {
                roots.append(try Requirement(spec))
            } catch {
                throw ManifestError.invalidRequirement(spec, source: "argument", message: error.description)
            }
        }
        if let requirementsFile {
            let text: String
            do {
                text = try String(contentsOf: requirementsFile, encoding: .utf8)
            } catch {
                throw ManifestError.invalidRequirement(
                    requirementsFile.path, source: "--requirements", message: "cannot read the file: \(error.localizedDescription)")
            }
            var logical = ""
            var lineNumber = 0
            var startLine = 1
            for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                if logical.isEmpty { startLine = lineNumber }
                var line = String(raw).trimmingCharacters(in: .whitespaces)
                if line.hasSuffix("\\") {
                    line.removeLast()
                    logical += line
                    continue
                }
                logical += line
                defer { logical = "" }
                // pip: a comment starts at `#` at the line start or after whitespace.
                if let hash = logical.range(of: " #") { logical = String(logical[..<hash.lowerBound]) }
                if logical.hasPrefix("#") { continue }
                let requirement = logical.trimmingCharacters(in: .whitespaces)
                if requirement.isEmpty { continue }
                let source = "\(requirementsFile.path), line \(startLine)"
                if requirement.hasPrefix("-") {
                    throw ManifestError.invalidRequirement(
                        requirement, source: source, message: "pip options are not supported here; list requirements only")
                }
                do {
                    roots.append(try Requirement(requirement))
                } catch {
                    throw ManifestError.invalidRequirement(requirement, source: source, message: error.description)
                }
            }
        }
        return roots.isEmpty && requirementsFile == nil ? nil : roots
    }

    /// The `s3://` base for a store: its own bucket and prefix, or `uriBase`. A local store
    /// needs `uriBase`.
    public func resolvedURIBase(for location: StoreLocation) throws(ManifestError) -> String {
        if let uriBase { return try ManifestValue.parseURIBase(uriBase) }
        guard let base = ManifestValue.uriBase(of: location) else { throw .localStore(store: location.description) }
        return base
    }

    /// The SSM client: region from `region`, else the store's, else the AWS configuration;
    /// endpoint from `AWS_ENDPOINT_URL_SSM` and friends; credentials from the AWS chain.
    public func ssmClient(for location: StoreLocation, environment: [String: String]) throws -> SSMClient {
        var storeRegion: String?
        if case .s3(_, _, let region, _, _) = location { storeRegion = region }
        let configuration = try SSMConfiguration.resolved(region: region ?? storeRegion, environment: environment)
        return SSMClient(
            configuration: configuration,
            credentials: CachingCredentialProvider(wrapping: AWSCredentialChain.standard(environment: environment)))
    }

    /// A publisher for `store` at `location`.
    public func publisher(
        store: any BlobStore, location: StoreLocation, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ManifestPublisher {
        let base = try resolvedURIBase(for: location)
        return ManifestPublisher(
            store: store, ssm: try ssmClient(for: location, environment: environment), uriBase: base,
            selector: try ResolverSelector(target: target, roots: roots), parameterDescription: parameterDescription,
            tags: ["managed-by": "wheelhouse", "wheelhouse:uri-base": String(base.prefix(256))], bundle: bundle)
    }
}
