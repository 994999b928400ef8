import ArgumentParser
import Foundation
import WheelhouseApp
import WheelhouseStorage

/// How a manifest's wheels are selected and where it is written; shared by `manifest publish`,
/// `serve` and `upload`.
struct ManifestSelectionOptions: ParsableArguments {
    @Option(name: .customLong("glue-version"), help: "Target Glue runtime: 4.0 (Python 3.10) or 5.0 (Python 3.11). The default, unless --python is given: 5.0.")
    var glueVersion: String?

    @Option(help: "Target Python version, e.g. 3.11 (with --platform, instead of --glue-version).")
    var python: String?

    @Option(help: "Target platform tag, e.g. manylinux2014_x86_64 (repeatable; with --python).")
    var platform: [String] = []

    @Option(help: "A requirements file naming the roots (default: every project in the store).")
    var requirements: String?

    @Option(help: "The AWS region of the SSM parameter (default: the store's region, then AWS_REGION and the profile).")
    var region: String?

    @Option(name: .customLong("uri-base"), help: "s3://bucket[/prefix] to name the wheels under; required for a local store (a directory synced to that S3 location).")
    var uriBase: String?

    @Flag(help: "Pack the selected wheels into one zip in the store and publish its URI (Glue 5.0 and later), for selections too long for SSM.")
    var bundle = false

    func validate() throws {
        if let glueVersion, !ManifestTarget.glueVersions.contains(glueVersion) {
            throw ValidationError("--glue-version must be 4.0 or 5.0 (got '\(glueVersion)')")
        }
        if glueVersion != nil && (python != nil || !platform.isEmpty) {
            throw ValidationError("give either --glue-version or --python with --platform, not both")
        }
        if bundle && glueVersion == "4.0" {
            throw ValidationError("--bundle needs Glue 5.0 or later: Glue 4.0 does not install a zip of wheels from --additional-python-modules")
        }
        if let python {
            let parts = python.split(separator: ".")
            guard parts.count == 2, parts.allSatisfy({ Int($0) != nil }) else {
                throw ValidationError("--python takes a version X.Y, like 3.11 (got '\(python)')")
            }
            guard !platform.isEmpty else { throw ValidationError("--python needs at least one --platform, like manylinux2014_x86_64") }
        } else if !platform.isEmpty {
            throw ValidationError("--platform needs --python")
        }
        if let uriBase {
            do {
                _ = try ManifestValue.parseURIBase(uriBase)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    var target: ManifestTarget {
        if let python { return .python(python, platforms: platform) }
        return .glue(glueVersion ?? "5.0")
    }

    func settings(specs: [String] = [], description: String? = nil) throws -> ManifestSettings {
        let roots = try ManifestSettings.Roots.read(specs: specs, requirementsFile: requirements.map { URL(fileURLWithPath: $0) })
        for note in roots.notes { printError("note: \(note)") }
        var settings = ManifestSettings(
            target: target, roots: roots.requirements, region: region, uriBase: uriBase, bundle: bundle,
            parameterDescription: description)
        settings.constraints = roots.constraints
        settings.allowedSHA256 = roots.allowedSHA256
        return settings
    }
}

extension StoreOptions {
    var storeLocation: StoreLocation {
        get throws {
            do {
                return try StoreLocation(parsing: storeURL)
            } catch {
                throw CommandFailure("cannot open the store '\(storeURL)': \(error)")
            }
        }
    }
}
