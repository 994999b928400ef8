public import ArgumentParser
import Foundation
import WheelhouseApp
import WheelhouseCore
import WheelhouseStorage

/// How a manifest's wheels are selected and where it is written; shared by `manifest publish`,
/// `manifest lock`, `serve`, `upload` and `replicate`.
struct ManifestSelectionOptions: ParsableArguments {
    @Option(
        name: .customLong("glue-version"),
        help:
            "Target Glue runtime: 4.0 (Python 3.10), 5.0 or 5.1 (Python 3.11), 6.0 (Python 3.13); its preinstalled libraries count as installed. The default, unless --python or --glue-profile is given: 5.0."
    )
    var glueVersion: GlueVersionOption?

    @Option(
        name: .customLong("glue-profile"),
        help: ArgumentHelp(
            "A preinstalled list (name==version lines, in the format of the project's glue/glue-*.txt) for a Glue runtime not built in; its header states 'Python X.Y' and 'glibc X.Y', or --glue-version names the runtime it builds on.",
            valueName: "file"))
    var glueProfile: String?

    @Option(help: "Target Python version, e.g. 3.11 (with --platform, instead of --glue-version).")
    var python: String?

    @Option(help: "Target platform tag, e.g. manylinux2014_x86_64 (repeatable; with --python).")
    var platform: [String] = []

    @Option(
        name: .customLong("upgrade-preinstalled"),
        help: ArgumentHelp("Let the manifest ship its own version of this preinstalled library (repeatable; :all: for every one).", valueName: "name"))
    var upgradePreinstalled: [String] = []

    @Flag(name: .customLong("ignore-preinstalled"), help: "Resolve as if the Glue runtime had nothing preinstalled.")
    var ignorePreinstalled = false

    @Option(help: "A requirements file naming the roots (default: every project in the store).")
    var requirements: String?

    @Option(help: "The AWS region of the SSM parameter (default: the store's region, then AWS_REGION and the profile).")
    var region: String?

    @Option(
        name: .customLong("uri-base"),
        help: "s3://bucket[/prefix] to name the wheels under; required for a local store (a directory synced to that S3 location).")
    var uriBase: String?

    @Option(
        help: ArgumentHelp(
            "What the parameter holds: urls (the wheels' S3 URIs), zip (one .gluewheels.zip, Glue 5.0 and later) or requirements (a hashed requirements file naming --index-url, Glue 5.0 and later).",
            valueName: "format"))
    var format: ManifestFormat?

    @Flag(help: "The same as --format zip.")
    var bundle = false

    @Option(
        name: .customLong("index-url"),
        help: ArgumentHelp("The Wheelhouse server's simple index a requirements manifest names, e.g. https://wheelhouse.internal/simple/.", valueName: "url"))
    var indexURL: String?

    /// `--format`, `--bundle` standing for `zip`.
    var resolvedFormat: ManifestFormat { format ?? (bundle ? .zip : .urls) }

    func validate() throws {
        if (glueVersion != nil || glueProfile != nil) && (python != nil || !platform.isEmpty) {
            throw ValidationError("give either --glue-version/--glue-profile or --python with --platform, not both")
        }
        if bundle, let format, format != .zip {
            throw ValidationError("--bundle means --format zip; it cannot be combined with --format \(format.rawValue)")
        }
        if python != nil && (!upgradePreinstalled.isEmpty || ignorePreinstalled) {
            throw ValidationError("--upgrade-preinstalled and --ignore-preinstalled apply to a Glue target, not to --python")
        }
        if ignorePreinstalled && !upgradePreinstalled.isEmpty {
            throw ValidationError("--ignore-preinstalled already ships every library; leave out --upgrade-preinstalled")
        }
        for name in upgradePreinstalled where name != ":all:" && !ProjectName.isValid(name) {
            throw ValidationError("--upgrade-preinstalled takes a project name or :all: (got '\(name)')")
        }
        if resolvedFormat != .urls && glueVersion?.version == "4.0" {
            throw ValidationError(
                "--format \(resolvedFormat.rawValue) needs Glue 5.0 or later: Glue 4.0 does not install a zip of wheels or a requirements file from --additional-python-modules"
            )
        }
        if let indexURL {
            do {
                _ = try ManifestRequirementsFile.normalizedIndexURL(indexURL)
            } catch {
                throw ValidationError(error.description)
            }
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

    /// For commands that publish (`--index-url` only means something with `--format requirements`).
    func validateForPublishing() throws {
        if resolvedFormat == .requirements && indexURL == nil {
            throw ValidationError("--format requirements names a Wheelhouse server's index: pass --index-url https://HOST/simple/")
        }
        if indexURL != nil && resolvedFormat != .requirements {
            throw ValidationError("--index-url is for --format requirements")
        }
    }

    /// The target; reads a `--glue-profile` list.
    func target() throws -> ManifestTarget {
        if let python { return .python(python, platforms: platform) }
        if let glueProfile {
            let target = try ManifestTarget.customProfile(file: URL(fileURLWithPath: glueProfile), base: glueVersion?.version)
            if resolvedFormat != .urls, case .profile(let profile) = target, !profile.acceptsBundles {
                throw CommandFailure("--format \(resolvedFormat.rawValue) needs Glue 5.0 or later: \(profile) does not install it")
            }
            return target
        }
        return .glue(glueVersion?.version ?? "5.0")
    }

    var preinstalledPolicy: PreinstalledPolicy {
        PreinstalledPolicy(ignore: ignorePreinstalled, upgrade: upgradePreinstalled)
    }

    func settings(specs: [String] = [], description: String? = nil) throws -> ManifestSettings {
        let roots = try ManifestSettings.Roots.read(specs: specs, requirementsFile: requirements.map { URL(fileURLWithPath: $0) })
        for note in roots.notes { printError("note: \(note)") }
        var settings = ManifestSettings(
            target: try target(), roots: roots.requirements, region: region, uriBase: uriBase, format: resolvedFormat,
            indexURL: indexURL, preinstalled: preinstalledPolicy, parameterDescription: description)
        settings.constraints = roots.constraints
        settings.allowedSHA256 = roots.allowedSHA256
        return settings
    }
}

extension ManifestFormat: ExpressibleByArgument {}

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

extension ManifestSelectionOptions {
    /// Publishes the manifest after a change to the store (`upload`, `yank`, `unyank` with
    /// `--manifest-parameter`); prints one line, and a warning per project left out.
    func republish(_ parameter: String, options: StoreOptions, events: any EventSink = NoEvents()) async throws {
        var publisher = try settings().publisher(store: try options.openStore(), location: try options.storeLocation)
        publisher.events = events
        let result = try await publisher.publish(parameter: parameter)
        for warning in result.warnings { printError("warning: manifest \(parameter): \(warning)") }
        guard !options.json else { return }
        print(
            "manifest \(parameter): \(result.wheels.count) wheels, tier \(result.tier), "
                + "version \(result.version.map(String.init) ?? "none") (\(result.written ? "written" : "unchanged"))")
    }
}
