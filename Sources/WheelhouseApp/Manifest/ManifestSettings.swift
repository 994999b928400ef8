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
    /// pip-style constraints (`-c` files): versions outside them are never selected.
    public var constraints: [Requirement] = []
    /// Hash-checking: normalized project → the sha256 digests its selected wheel must have.
    public var allowedSHA256: [String: Set<String>] = [:]

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

    /// The roots named by `SPEC` arguments and a requirements file. Nil when neither gives
    /// any: every project is a root.
    public static func roots(specs: [String], requirementsFile: URL?) throws -> [Requirement]? {
        try Roots.read(specs: specs, requirementsFile: requirementsFile).requirements
    }

    /// What `SPEC` arguments and a requirements file select: the roots, pip-style constraints,
    /// the sha256 digests hashed lines allow, and notes about options that were ignored.
    public struct Roots: Sendable {
        /// Nil: every project of the store is a root.
        public var requirements: [Requirement]?
        public var constraints: [Requirement] = []
        /// Normalized project → allowed sha256 hex digests (`--hash=sha256:` options).
        public var allowedSHA256: [String: Set<String>] = [:]
        public var notes: [String] = []

        /// Reads `specs` and the requirements file (`pip-compile`/`uv pip compile` output
        /// included: hashes, continuations, `-r`/`-c` includes; index options ignored).
        public static func read(specs: [String], requirementsFile: URL?) throws -> Roots {
            var roots: [Requirement] = []
            for spec in specs {
                do {
                    roots.append(try Requirement(spec))
                } catch {
                    throw ManifestError.invalidRequirement(spec, source: "argument", message: error.description)
                }
            }
            guard let requirementsFile else { return Roots(requirements: roots.isEmpty ? nil : roots) }
            let file: RequirementsFile
            do {
                file = try RequirementsFile.parse(path: requirementsFile.path) { path in
                    try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
                }
            } catch {
                throw ManifestError.invalidRequirementsFile(error.description)
            }
            return Roots(
                requirements: roots + file.requirements.map(\.requirement),
                constraints: file.constraints.map(\.requirement),
                allowedSHA256: file.allowedSHA256,
                notes: file.ignoredOptionsNote.map { [$0] } ?? [])
        }
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
            selector: try ResolverSelector(target: target, roots: roots, constraints: constraints, allowedSHA256: allowedSHA256), parameterDescription: parameterDescription,
            tags: ["managed-by": "wheelhouse", "wheelhouse:uri-base": String(base.prefix(256))], bundle: bundle)
    }
}
