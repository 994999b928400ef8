public import Foundation
public import WheelhouseAWS
public import WheelhouseCore
public import WheelhouseStorage

/// The runtime a manifest is for: a Glue version, a custom Glue profile, or a Python version
/// and platform tags.
public enum ManifestTarget: Sendable, Hashable, CustomStringConvertible {
    /// A built-in Glue profile: `4.0`, `5.0`, `5.1` or `6.0` (`GlueProfile.runtimes`).
    case glue(String)
    /// A Glue profile read from a `--glue-profile` list.
    case profile(GlueProfile)
    /// A Python `X.Y` and the platform tags its installer accepts (`manylinux2014_x86_64`).
    case python(String, platforms: [String])

    public static var glueVersions: [String] { GlueProfile.knownVersions }

    public var description: String {
        switch self {
        case .glue(let version): "Glue \(version)"
        case .profile(let profile): "Glue \(profile.version)"
        case .python(let version, let platforms): "Python \(version) on \(platforms.joined(separator: ", "))"
        }
    }

    /// The Glue profile, or nil for a plain Python target.
    public func glueProfile() throws(GlueProfileError) -> GlueProfile? {
        switch self {
        case .glue(let version): try GlueProfile.named(version)
        case .profile(let profile): profile
        case .python: nil
        }
    }

    /// Reads a `--glue-profile` list; `base` is the `--glue-version` it builds on, if any.
    public static func customProfile(file: URL, base: String?) throws -> ManifestTarget {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw GlueProfileError.invalidHeader(file: file.path, problem: "cannot read the file: \(error.localizedDescription)")
        }
        return .profile(try GlueProfile.custom(text: text, file: file.path, base: try base.map { try GlueProfile.named($0) }))
    }
}

/// How a Glue target's preinstalled libraries are treated (`--upgrade-preinstalled`,
/// `--ignore-preinstalled`).
public struct PreinstalledPolicy: Sendable, Hashable {
    /// Resolve as if nothing were installed.
    public var ignore: Bool
    /// Libraries the manifest may ship its own version of; `:all:` for every one.
    public var upgrade: [String]

    public init(ignore: Bool = false, upgrade: [String] = []) {
        self.ignore = ignore
        self.upgrade = upgrade
    }

    /// What the resolver is told the profile has installed; nil when ignored.
    public func installedSet(for profile: GlueProfile) throws(ManifestError) -> InstalledSet? {
        guard !ignore else { return nil }
        if upgrade.contains(":all:") {
            return InstalledSet(runtime: profile.description, versions: profile.installed, upgradable: .all)
        }
        var names = Set<ProjectName>()
        for name in upgrade {
            do {
                names.insert(try ProjectName(name))
            } catch {
                throw .invalidRequirement(name, source: "--upgrade-preinstalled", message: error.description)
            }
        }
        return InstalledSet(runtime: profile.description, versions: profile.installed, upgradable: .only(names))
    }
}

/// What `manifest publish` writes to the parameter (`--format`).
public enum ManifestFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// The comma-separated `s3://` URIs of the wheels.
    case urls
    /// One `.gluewheels.zip` (Glue 5.0 and later): `wheels/*.whl` and `wheels/requirements.txt`.
    case zip
    /// One requirements file, pinned and hashed, naming a Wheelhouse server's index (Glue 5.0
    /// and later, with `--python-modules-installer-option -r`).
    case requirements

    /// What a published value is: a `.gluewheels.zip`, a `.txt` requirements file, else URLs.
    public init(value: String) {
        if value.hasSuffix(".gluewheels.zip") {
            self = .zip
        } else if value.hasSuffix(".txt") && !value.contains(",") {
            self = .requirements
        } else {
            self = .urls
        }
    }

    /// The Glue job arguments for a published `value` of this format.
    public func glueArguments(value: String) -> [(name: String, value: String)] {
        switch self {
        case .urls, .zip:
            [("--additional-python-modules", value), ("--python-modules-installer-option", "--no-index")]
        case .requirements:
            [("--additional-python-modules", value), ("--python-modules-installer-option", "-r")]
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
    public var format: ManifestFormat
    /// The Wheelhouse server's simple index a `requirements` manifest names.
    public var indexURL: String?
    public var preinstalled: PreinstalledPolicy
    public var parameterDescription: String?
    /// pip-style constraints (`-c` files): versions outside them are never selected.
    public var constraints: [Requirement] = []
    /// Hash-checking: normalized project → the sha256 digests its selected wheel must have.
    public var allowedSHA256: [String: Set<String>] = [:]

    public init(
        target: ManifestTarget, roots: [Requirement]? = nil, region: String? = nil, uriBase: String? = nil,
        format: ManifestFormat = .urls, indexURL: String? = nil, preinstalled: PreinstalledPolicy = PreinstalledPolicy(),
        parameterDescription: String? = nil
    ) {
        self.target = target
        self.roots = roots
        self.region = region
        self.uriBase = uriBase
        self.format = format
        self.indexURL = indexURL
        self.preinstalled = preinstalled
        self.parameterDescription = parameterDescription
    }

    /// The selection as a PEP 751 lock file naming `indexURL`'s server (`manifest lock`).
    public func lock(store: any BlobStore) async throws -> (lock: ManifestLock, selection: ManifestSelection) {
        guard let indexURL else { throw ManifestError.needsIndexURL }
        let selector = try ResolverSelector(
            target: target, roots: roots, preinstalled: preinstalled, constraints: constraints, allowedSHA256: allowedSHA256)
        let selection = try await ManifestCandidates(store: store).select(with: selector)
        guard !selection.wheels.isEmpty else {
            throw ManifestError.emptySelection(
                reason: "no wheel in \(store.displayName) fits \(selector.targetDescription)"
                    + (selection.notes.isEmpty ? "" : " (" + selection.notes.joined(separator: "; ") + ")"))
        }
        return (try ManifestLock(selection: selection, target: selector.environment, indexURL: indexURL), selection)
    }

    /// The resolver-backed selector for these settings.
    public func selector() throws -> any ManifestSelector {
        try ResolverSelector(
            target: target, roots: roots, preinstalled: preinstalled, constraints: constraints, allowedSHA256: allowedSHA256)
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
            selector: try selector(), parameterDescription: parameterDescription,
            tags: ["managed-by": "wheelhouse", "wheelhouse:uri-base": String(base.prefix(256))], format: format,
            indexURL: indexURL)
    }
}
