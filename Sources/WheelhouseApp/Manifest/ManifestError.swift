import Foundation

/// Why a manifest could not be built or published. Nothing is written to SSM when one is thrown.
public enum ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A wheel in a project record has no `.metadata`, so its dependencies are unknown.
    case missingMetadata(project: String, filename: String)
    /// The store is a local directory: Glue needs `s3://` URIs.
    case localStore(store: String)
    /// `--uri-base` is not `s3://bucket[/prefix]`.
    case invalidURIBase(String)
    /// A root requirement could not be read.
    case invalidRequirement(String, source: String, message: String)
    /// A requirements file that cannot be used (the message names the file and line).
    case invalidRequirementsFile(String)
    /// Hash-checking: the selected wheel's sha256 is not among its requirement's `--hash` values.
    case hashMismatch(project: String, filename: String, sha256: String)
    /// Wheels whose recorded metadata cannot be read (every problem, one a line).
    case invalidMetadata([String])
    /// No consistent set of wheels exists in the store; `message` says which requirement of
    /// which release cannot be met and what the store has.
    case unresolvable(message: String)
    /// PEP 792: the selection needs these quarantined projects (each `name (quarantined: reason)`).
    case quarantined([String])
    /// The selection is empty: no root, or nothing in the store fits the target.
    case emptySelection(reason: String)
    /// The value is longer than an advanced parameter holds.
    case tooLarge(characters: Int, wheels: Int)
    /// `--bundle` could not pack the wheels.
    case bundleFailed(String)
    /// `--format requirements` without the server index it names.
    case needsIndexURL
    /// `--index-url` is not an http(s) URL.
    case invalidIndexURL(String)
    /// A wheel without a recorded sha256, which a hashed requirements file needs.
    case missingHash(filename: String)

    public var description: String {
        switch self {
        case .missingMetadata(let project, let filename):
            "the store lists \(filename) (project \(project)) but has no packages/\(project)/\(filename).metadata, "
                + "so its dependencies are unknown; run `wheelhouse index rebuild` to repair the store"
        case .localStore(let store):
            "the store \(store) is a local directory, and Glue needs s3:// URIs: publish from the S3 store "
                + "(--store s3://bucket/prefix), or give --uri-base s3://bucket/prefix naming where this directory is synced to"
        case .invalidURIBase(let value):
            "--uri-base must be s3://bucket or s3://bucket/prefix, not '\(value)'"
        case .invalidRequirement(let line, let source, let message):
            "\(source): cannot read the requirement '\(line)': \(message)"
        case .invalidRequirementsFile(let message):
            message
        case .hashMismatch(let project, let filename, let sha256):
            "\(filename) (project \(project)) was selected, but its sha256 \(sha256) is not among the requirement's "
                + "--hash values: the store's file is not the one the requirements file was locked against; nothing was written"
        case .invalidMetadata(let problems):
            "the store has wheels whose metadata cannot be read, so their dependencies are unknown:\n  "
                + problems.joined(separator: "\n  ")
        case .unresolvable(let message):
            "\(message); nothing was written"
        case .quarantined(let projects):
            "the selection needs " + projects.joined(separator: ", ")
                + "; a manifest never selects a quarantined project: remove the requirement, or set the project's status "
                + "back with `wheelhouse project status NAME active` if it is safe"
        case .emptySelection(let reason):
            "nothing to publish: \(reason); nothing was written"
        case .tooLarge(let characters, let wheels):
            "the manifest would be \(ManifestValue.grouped(characters)) characters (\(wheels) wheels), "
                + "more than the 8,192 an advanced SSM parameter holds; nothing was written. Narrow the selection to what the "
                + "job imports with --requirements FILE or SPEC arguments (their dependencies are added), or pass --format zip "
                + "to publish one .gluewheels.zip of the wheels (Glue 5.0 and later)"
        case .bundleFailed(let message):
            "cannot build the bundle of wheels: \(message)"
        case .needsIndexURL:
            "--format requirements names a Wheelhouse server's index: pass --index-url https://HOST/simple/"
        case .invalidIndexURL(let value):
            "--index-url must be the server's http(s) simple index URL, like https://wheelhouse.internal/simple/ (got '\(value)')"
        case .missingHash(let filename):
            "the store's record has no sha256 for \(filename); run `wheelhouse index rebuild` to repair the store"
        }
    }
}
