import Foundation
public import WheelhouseAWS
public import WheelhouseCore
public import WheelhouseStorage

/// Chooses the wheels of a manifest: a complete, consistent set for one target runtime.
public protocol ManifestSelector: Sendable {
    /// The target, for messages (`Glue 5.0 (Python 3.11, manylinux_2_34_x86_64)`).
    var targetDescription: String { get }
    /// Selects from every wheel of the store. Throws `ManifestError.unresolvable` (with the
    /// reason) when no consistent set exists.
    func select(from wheels: [StoreWheel]) throws(ManifestError) -> ManifestSelection
}

/// What a selector chose, and what it left out and why (default mode: projects with no
/// release for the target that nothing selected depends on).
public struct ManifestSelection: Sendable, Hashable {
    public var wheels: [StoreWheel]
    public var notes: [String]
    /// Default mode: projects left out because they cannot be resolved, with the reason.
    public var warnings: [String]
    /// Each preinstalled library a requirement touched: kept, or replaced by a shipped wheel.
    public var preinstalled: [PreinstalledReport]

    public init(wheels: [StoreWheel], notes: [String] = [], warnings: [String] = [], preinstalled: [PreinstalledReport] = []) {
        self.wheels = wheels
        self.notes = notes
        self.warnings = warnings
        self.preinstalled = preinstalled
    }
}

/// A preinstalled library the resolution touched, as publications and `manifest show` report it.
public struct PreinstalledReport: Sendable, Hashable, Codable, CustomStringConvertible {
    public var project: String
    /// The runtime's own version.
    public var installed: String
    /// `kept` or `replaced`.
    public var action: String
    /// The version the manifest ships instead, when replaced.
    public var shipped: String?
    /// Who asked for it: `requested`, or `required by app 1.0`.
    public var requiredBy: [String]

    enum CodingKeys: String, CodingKey {
        case project, installed, action, shipped
        case requiredBy = "required_by"
    }

    public init(_ outcome: PreinstalledOutcome) {
        project = outcome.project.normalized
        installed = outcome.installed.description
        action = outcome.kept ? "kept" : "replaced"
        shipped = outcome.shipped?.description
        requiredBy = outcome.requiredBy.map(\.description)
    }

    /// `pandas 2.2.2 kept (requested)` or `numpy 1.26.4 replaced by 2.0.0 (required by app 1.0)`.
    public var description: String {
        "\(project) \(installed) " + (shipped.map { "replaced by \($0)" } ?? "kept")
            + (requiredBy.isEmpty ? "" : " (\(requiredBy.joined(separator: ", ")))")
    }
}

/// One wheel as a publication reports it.
public struct ManifestEntry: Sendable, Hashable, Codable {
    public init(project: String, version: String, filename: String, uri: String) {
        self.project = project
        self.version = version
        self.filename = filename
        self.uri = uri
    }

    public var project: String
    public var version: String
    public var filename: String
    public var uri: String
}

/// The outcome of `ManifestPublisher.publish`.
public struct ManifestPublication: Sendable, Hashable, Codable {
    public var parameter: String
    public var target: String
    public var value: String
    public var characters: Int
    public var tier: String
    /// The parameter's version after publishing (nil on a dry run of a new parameter).
    public var version: Int?
    /// Whether SSM was written (false when the value was already current, and on a dry run).
    public var written: Bool
    public var dryRun: Bool
    public var wheels: [ManifestEntry]
    public var notes: [String]
    /// The key of the `.gluewheels.zip` in the store, with `--format zip`.
    public var bundle: String?
    public var format: ManifestFormat
    /// The key of the requirements file in the store, with `--format requirements`.
    public var requirementsFile: String?
    /// Default mode: projects left out, and why.
    public var warnings: [String]
    public var preinstalled: [PreinstalledReport]

    enum CodingKeys: String, CodingKey {
        case parameter, target, value, characters, tier, version, written, wheels, notes, bundle, format, warnings, preinstalled
        case dryRun = "dry_run"
        case requirementsFile = "requirements_file"
    }
}

/// Writes a manifest (DESIGN.md §5): loads the store's wheels, has the selector choose a
/// dependency-closed set, builds the value, picks the tier, and writes the SSM parameter only
/// when its value changes (SSM makes a version on every overwrite and keeps 100). The same
/// store and options always give the same value, so concurrent publishers converge.
public struct ManifestPublisher: Sendable {
    public var store: any BlobStore
    public var ssm: SSMClient
    /// `s3://bucket[/prefix]` under which the store's keys are.
    public var uriBase: String
    public var selector: any ManifestSelector
    public var parameterDescription: String?
    /// Set when the parameter is created (SSM accepts tags only then).
    public var tags: [String: String]
    /// What the parameter names: the wheels, one `.gluewheels.zip`, or one requirements file.
    public var format: ManifestFormat
    /// The server index a `requirements` manifest names.
    public var indexURL: String?
    /// Told of each write of the parameter (a `manifest.publish` event).
    public var events: any EventSink = NoEvents()

    public init(
        store: any BlobStore, ssm: SSMClient, uriBase: String, selector: any ManifestSelector,
        parameterDescription: String? = nil, tags: [String: String] = [:], format: ManifestFormat = .urls,
        indexURL: String? = nil
    ) {
        self.store = store
        self.ssm = ssm
        self.uriBase = uriBase
        self.selector = selector
        self.parameterDescription = parameterDescription
        self.tags = tags
        self.format = format
        self.indexURL = indexURL
    }

    /// Selects and builds the value, and writes it unless `dryRun` or it is current already.
    public func publish(parameter: String, dryRun: Bool = false) async throws -> ManifestPublication {
        let selection = try await ManifestCandidates(store: store).select(with: selector)
        guard !selection.wheels.isEmpty else {
            throw ManifestError.emptySelection(
                reason: "no wheel in \(store.displayName) fits \(selector.targetDescription)"
                    + (selection.notes.isEmpty ? "" : " (" + selection.notes.joined(separator: "; ") + ")"))
        }
        let entries = ManifestValue.ordered(selection.wheels).map { wheel in
            ManifestEntry(project: wheel.project, version: wheel.version, filename: wheel.filename, uri: uriBase + "/" + wheel.key)
        }
        var value = entries.map(\.uri).joined(separator: ",")
        var bundleKey: String?
        var requirementsKey: String?
        switch format {
        case .urls:
            break
        case .zip:
            let key = try await ManifestBundle(store: store).pack(selection.wheels, parameter: parameter, dryRun: dryRun)
            bundleKey = key
            value = uriBase + "/" + key
        case .requirements:
            guard let indexURL else { throw ManifestError.needsIndexURL }
            let file = try ManifestRequirementsFile(
                wheels: selection.wheels, indexURL: indexURL, target: selector.targetDescription, parameter: parameter)
            let key = try await file.write(to: store, dryRun: dryRun)
            requirementsKey = key
            value = uriBase + "/" + key
        }
        let current = try await ssm.getParameterIfPresent(name: parameter)
        let currentTier = current == nil ? nil : try await ssm.currentTier(name: parameter)
        let tier = try ManifestValue.tier(forLength: value.utf8.count, wheels: entries.count, current: currentTier)
        var publication = ManifestPublication(
            parameter: parameter, target: selector.targetDescription, value: value, characters: value.utf8.count,
            tier: tier.rawValue, version: current?.version, written: false, dryRun: dryRun, wheels: entries,
            notes: selection.notes, bundle: bundleKey, format: format, requirementsFile: requirementsKey,
            warnings: selection.warnings, preinstalled: selection.preinstalled)
        if dryRun || current?.value == value {
            if let current, current.value == value { publication.tier = (currentTier ?? tier).rawValue }
            return publication
        }
        let result = try await write(parameter: parameter, value: value, tier: tier, exists: current != nil)
        publication.version = result.version
        publication.tier = (result.tier ?? tier).rawValue
        publication.written = result.written
        if result.written {
            try await record(publication)
            var event = StoreEvent(type: .manifestPublish, store: store.displayName)
            event.manifest = StoreEvent.Manifest(
                parameter: parameter, region: ssm.configuration.region, target: publication.target, version: publication.version,
                format: format.rawValue, wheels: entries.count)
            events.emit(event)
        }
        return publication
    }

    /// `_wheelhouse/manifests/{region}/{parameter}.json`: what was published where, so the store
    /// itself tells which manifests name its files (DESIGN.md §2, "manifest record").
    public func recordKey(parameter: String) -> String {
        Self.recordKey(parameter: parameter, region: ssm.configuration.region)
    }

    static func recordKey(parameter: String, region: String) -> String {
        let name = parameter.hasPrefix("/") ? String(parameter.dropFirst()) : parameter
        return "_wheelhouse/manifests/\(region)/\(name).json"
    }

    private func record(_ publication: ManifestPublication) async throws {
        struct Record: Encodable {
            var region: String
            var publishedAt: Date
            var publication: ManifestPublication
            enum CodingKeys: String, CodingKey {
                case region, publication
                case publishedAt = "published_at"
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(Record(region: ssm.configuration.region, publishedAt: Date(), publication: publication))
        do {
            try await store.write(recordKey(parameter: publication.parameter), data: data, contentType: "application/json", condition: .none)
        } catch BlobStoreError.invalidKey {
            // A parameter name that is no store key (`a/../b`): the SSM parameter is what counts.
        }
    }

    /// Creates the parameter (with tags) or overwrites it. A parameter created meanwhile by
    /// another publisher is read again: with the same value there is nothing left to do.
    private func write(parameter: String, value: String, tier: SSMParameterTier, exists: Bool) async throws
        -> (version: Int, tier: SSMParameterTier?, written: Bool)
    {
        if !exists {
            do {
                let result = try await ssm.putParameter(
                    SSMPutParameterRequest(
                        name: parameter, value: value, overwrite: false, tier: tier, description: parameterDescription, tags: tags))
                return (result.version, result.tier, true)
            } catch let error as AWSClientError where error.isParameterAlreadyExists {
                let now = try await ssm.getParameter(name: parameter)
                let nowTier = try await ssm.currentTier(name: parameter)
                if now.value == value { return (now.version, nowTier, false) }
                let kept = try ManifestValue.tier(forLength: value.utf8.count, wheels: 0, current: nowTier)
                let result = try await ssm.putParameter(
                    SSMPutParameterRequest(name: parameter, value: value, overwrite: true, tier: kept, description: parameterDescription))
                return (result.version, result.tier, true)
            }
        }
        let result = try await ssm.putParameter(
            SSMPutParameterRequest(name: parameter, value: value, overwrite: true, tier: tier, description: parameterDescription))
        return (result.version, result.tier, true)
    }
}
