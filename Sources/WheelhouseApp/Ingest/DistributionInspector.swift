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
}

/// Parses the filename and verifies the archive (every RECORD hash, hostile entries, limits,
/// name and version against METADATA), turning failures into `IngestError`s.
func inspectDistribution(
    at file: URL, filename: String, projectHint: String?, limits: ArchiveLimits
) throws(IngestError) -> InspectedDistribution {
    let parsed: DistributionFilename
    do {
        parsed = try DistributionFilename(filename, projectHint: projectHint)
    } catch {
        throw .invalidFilename(filename: filename, reason: "\(error)")
    }
    switch parsed {
    case .wheel(let wheel):
        let inspection: WheelInspection
        do {
            inspection = try inspectWheel(at: file.path, filename: wheel, limits: limits)
        } catch {
            throw .invalidArchive(filename: filename, reason: "\(error)")
        }
        let metadata = inspection.metadata
        return InspectedDistribution(
            project: parsed.normalizedName,
            displayName: metadata.name ?? wheel.name,
            version: parsed.version.description,
            packageType: parsed.packageType,
            pythonTag: parsed.pythonTag,
            requiresPython: metadata.requiresPython.map { "\($0)" },
            metadata: metadata.rawBytes
        )
    case .sdist(let sdist):
        let inspection: SdistInspection
        do {
            inspection = try inspectSdist(at: file.path, filename: sdist, limits: limits)
        } catch {
            throw .invalidArchive(filename: filename, reason: "\(error)")
        }
        let metadata = inspection.metadata
        return InspectedDistribution(
            project: parsed.normalizedName,
            displayName: metadata.name ?? sdist.name,
            version: parsed.version.description,
            packageType: parsed.packageType,
            pythonTag: parsed.pythonTag,
            requiresPython: metadata.requiresPython.map { "\($0)" },
            metadata: nil
        )
    }
}
