import Foundation
import WheelhouseArchive
import WheelhouseCore

/// What the ingest pipeline needs to know about a distribution file, after the archive has
/// been fully verified.
struct InspectedDistribution: Sendable {
    var project: String
    var displayName: String
    var version: String
    var packageType: String
    var pythonTag: String
    var requiresPython: String?
    /// The exact METADATA bytes of a wheel, served for PEP 658. Nil for sdists.
    var metadata: [UInt8]?
    /// What is unusual about the metadata but does not refuse the file (see `MetadataProblem`).
    var warnings: [String] = []
}

/// Parses the filename and verifies the archive (every RECORD hash, hostile entries, limits,
/// name and version against METADATA), turning failures into `IngestError`s.
func inspectDistribution(
    at file: URL, filename: String, projectHint: String?, limits: ArchiveLimits, checkTags: Bool = true
) throws(IngestError) -> InspectedDistribution {
    let parsed: DistributionFilename
    do {
        parsed = try DistributionFilename(filename, projectHint: projectHint)
    } catch {
        throw .invalidFilename(filename: filename, reason: "\(error)")
    }
    // The archive is verified whole; a wheel's METADATA is kept for PEP 658, an sdist's
    // PKG-INFO only informs the record (PEP 643 static metadata is not assumed).
    let metadata: CoreMetadata
    let writtenName: String
    let served: [UInt8]?
    do {
        switch parsed {
        case .wheel(let wheel):
            metadata = try inspectWheel(at: file.path, filename: wheel, limits: limits, checkTags: checkTags).metadata
            (writtenName, served) = (wheel.name, metadata.rawBytes)
        case .sdist(let sdist):
            metadata = try inspectSdist(at: file.path, filename: sdist, limits: limits).metadata
            (writtenName, served) = (sdist.name, nil)
        }
    } catch {
        throw .invalidArchive(filename: filename, reason: "\(error)")
    }
    return InspectedDistribution(
        project: parsed.normalizedName,
        displayName: metadata.name ?? writtenName,
        version: parsed.version.description,
        packageType: parsed.packageType,
        pythonTag: parsed.pythonTag,
        requiresPython: metadata.usableRequiresPython,
        metadata: served,
        warnings: metadata.problems().filter { !$0.isError }.map(\.description)
    )
}
