public import Foundation
import WheelhouseArchive
public import WheelhouseCore

/// `upload --require-target`: the runtimes an uploaded wheel must be installable on (at least
/// one of them), so a build container cannot push, say, a macOS wheel into a Glue bucket.
///
/// A target is `glue-X.Y` (a built-in Glue profile: its Python, ABI, manylinux glibc) or
/// `python-X.Y:PLATFORM[,PLATFORM...]` (as `manifest publish --python --platform`). sdists
/// pass: no runtime installs them from a manifest.
public struct RequiredTargets: Sendable {
    public let targets: [(spec: String, environment: TargetEnvironment)]

    public init(specs: [String]) throws(RequiredTargetError) {
        var targets: [(String, TargetEnvironment)] = []
        for spec in specs {
            do {
                if spec.hasPrefix("glue-") {
                    targets.append((spec, try GlueProfile.named(String(spec.dropFirst("glue-".count))).target()))
                } else if spec.hasPrefix("python-"), let colon = spec.firstIndex(of: ":") {
                    let python = String(spec[spec.index(spec.startIndex, offsetBy: "python-".count)..<colon])
                    let platforms = spec[spec.index(after: colon)...].split(separator: ",").map(String.init)
                    targets.append((spec, try TargetEnvironment(python: python, platforms: platforms)))
                } else {
                    throw RequiredTargetError(spec: spec, reason: "use glue-X.Y or python-X.Y:PLATFORM[,PLATFORM...]")
                }
            } catch let error as RequiredTargetError {
                throw error
            } catch {
                throw RequiredTargetError(spec: spec, reason: "\(error)")
            }
        }
        self.targets = targets
    }

    /// Why no required target could install `file`, or nil when one could (or it is not a
    /// wheel, or not a readable one: the ingest reports that).
    public func problem(with file: URL, filename: String? = nil) -> String? {
        let name = filename ?? file.lastPathComponent
        guard !targets.isEmpty, name.hasSuffix(".whl"), let wheel = try? WheelFilename(name) else { return nil }
        let tagProblems = targets.map { ($0.spec, $0.environment.installationProblem(of: wheel, requiresPython: nil)) }
        if tagProblems.allSatisfy({ $0.1 != nil }) {
            return Self.describe(tagProblems.compactMap { spec, problem in problem.map { (spec, $0) } })
        }
        // A target takes the tags: the wheel's Requires-Python decides.
        guard let inspected = try? inspectDistribution(at: file, filename: name, projectHint: nil, limits: .default) else {
            return nil
        }
        let requiresPython = inspected.requiresPython.flatMap { try? SpecifierSet($0) }
        var problems: [(String, String)] = []
        for (spec, environment) in targets {
            guard let problem = environment.installationProblem(of: wheel, requiresPython: requiresPython) else { return nil }
            problems.append((spec, problem))
        }
        return Self.describe(problems)
    }

    private static func describe(_ problems: [(spec: String, problem: String)]) -> String {
        "no required target can install it: " + problems.map { "\($0.spec): \($0.problem)" }.joined(separator: "; ")
    }
}

/// A `--require-target` value that names no runtime.
public struct RequiredTargetError: Error, Sendable, CustomStringConvertible {
    public let spec: String
    public let reason: String

    public var description: String { "--require-target '\(spec)': \(reason)" }
}
