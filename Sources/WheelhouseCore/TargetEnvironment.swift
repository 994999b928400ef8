/// The runtime a wheel set is selected for: a CPython version and the platforms it runs on.
///
/// `supportedTags` lists the PEP 425 tags that runtime installs, most specific first, as
/// pip computes them (`pip download --python-version V --platform P --only-binary=:all:`),
/// so the wheel chosen for each release is the one pip would choose.
public struct TargetEnvironment: Sendable, Hashable, CustomStringConvertible {
    /// The Python version, e.g. 3.11.0 (a patch level of 0 unless one was given).
    public let pythonVersion: Version
    /// The platform tags as requested (lowercased); a Glue runtime's newest manylinux tag.
    public let requestedPlatforms: [String]
    /// Platform tags after pip's expansion of the requested ones, most specific first.
    public let platforms: [String]
    /// The AWS Glue version this target stands for, when built by `glue(_:)`.
    public let glueVersion: String?
    /// Compatible tags, most specific first.
    public let supportedTags: [Tag]
    /// The PEP 508 marker variables of the target.
    public let markerEnvironment: MarkerEnvironment
    private let tagPriority: [Tag: Int]

    /// Glue versions `glue(_:)` knows, with their Python version and glibc (all x86_64):
    /// `GlueProfile.runtimes`. 4.0: Python 3.10 on Amazon Linux 2 (glibc 2.26); 5.0 and 5.1:
    /// Python 3.11 on AL2023 (glibc 2.34); 6.0: Python 3.13 on AL2023.
    public static var glueRuntimes: [(glue: String, python: String, glibc: (major: Int, minor: Int))] {
        GlueProfile.runtimes.map { ($0.version, $0.python, $0.glibc) }
    }

    /// A CPython `python` version ("3.11" or "3.11.4") on the given platform tags
    /// (`manylinux2014_x86_64`, `macosx_11_0_arm64`, ...), expanded as pip expands `--platform`.
    public init(python: String, platforms: [String]) throws(TargetEnvironmentError) {
        let version = try Self.parsePython(python)
        guard !platforms.isEmpty else { throw .noPlatform }
        for platform in platforms where !Self.isPlatformTag(platform) {
            throw .invalidPlatform(platform)
        }
        let requested = platforms.map { $0.lowercased() }
        try self.init(
            pythonVersion: version, requested: requested, platforms: Self.expandingPlatforms(requested), glueVersion: nil)
    }

    /// An AWS Glue runtime: its Python, and the manylinux tags its glibc allows, then
    /// `linux_x86_64`, as pip computes them on that host.
    public static func glue(_ version: String) throws(TargetEnvironmentError) -> TargetEnvironment {
        guard let runtime = glueRuntimes.first(where: { $0.glue == version }) else {
            throw .unknownGlueVersion(version, known: glueRuntimes.map(\.glue))
        }
        let platforms = manylinuxPlatforms(glibc: runtime.glibc, arch: "x86_64") + ["linux_x86_64"]
        return try TargetEnvironment(
            pythonVersion: parsePython(runtime.python), requested: [platforms[0]], platforms: platforms,
            glueVersion: version)
    }

    /// The runtime of a Glue profile (built-in or custom).
    public static func glue(_ profile: GlueProfile) throws(TargetEnvironmentError) -> TargetEnvironment {
        let platforms = profile.platformTags
        return try TargetEnvironment(
            pythonVersion: parsePython(profile.python), requested: [platforms[0]], platforms: platforms,
            glueVersion: profile.version)
    }

    private init(
        pythonVersion: Version, requested: [String], platforms: [String], glueVersion: String?
    ) throws(TargetEnvironmentError) {
        self.pythonVersion = pythonVersion
        self.requestedPlatforms = requested
        self.platforms = platforms
        self.glueVersion = glueVersion
        let major = pythonVersion.release[0]
        let minor = pythonVersion.release[1]
        self.supportedTags =
            Self.cpythonTags(major: major, minor: minor, platforms: platforms)
            + Self.compatibleTags(major: major, minor: minor, platforms: platforms)
        var priority: [Tag: Int] = [:]
        for (index, tag) in supportedTags.enumerated() where priority[tag] == nil {
            priority[tag] = index
        }
        self.tagPriority = priority
        self.markerEnvironment = try Self.markers(python: pythonVersion, platform: platforms[0])
    }

    /// `cp311-manylinux_2_34_x86_64`; a Glue runtime as `Glue 5.0 (cp311-manylinux_2_34_x86_64)`.
    public var description: String {
        let python = "cp\(pythonVersion.release[0])\(pythonVersion.release[1])"
        let text = "\(python)-\(requestedPlatforms.joined(separator: ","))"
        guard let glueVersion else { return text }
        return "Glue \(glueVersion) (\(text))"
    }

    // MARK: Compatibility

    /// The position of the wheel's most specific tag in `supportedTags`; nil if none is supported.
    public func priority(of wheel: WheelFilename) -> Int? {
        wheel.tags.compactMap { tagPriority[$0] }.min()
    }

    /// The wheel pip would install: the most specific compatible tag (lowest priority), then
    /// the highest build tag (PEP 427; a wheel without one loses), then the filename, for a
    /// stable answer.
    public func bestWheel(among wheels: [WheelFilename]) -> (wheel: WheelFilename, priority: Int)? {
        var best: (wheel: WheelFilename, priority: Int)?
        for wheel in wheels {
            guard let priority = priority(of: wheel) else { continue }
            guard let current = best else {
                best = (wheel, priority)
                continue
            }
            if priority != current.priority {
                if priority < current.priority { best = (wheel, priority) }
            } else if wheel.buildTag != current.wheel.buildTag {
                if Self.buildTag(wheel.buildTag, isHigherThan: current.wheel.buildTag) { best = (wheel, priority) }
            } else if wheel.filename < current.wheel.filename {
                best = (wheel, priority)
            }
        }
        return best
    }

    private static func buildTag(_ a: BuildTag?, isHigherThan b: BuildTag?) -> Bool {
        guard let a else { return false }
        guard let b else { return true }
        return b < a
    }

    /// Whether a file's `Requires-Python` admits the target's Python version.
    public func satisfies(requiresPython: SpecifierSet?) -> Bool {
        requiresPython?.contains(pythonVersion) ?? true
    }

    // MARK: Tags (pypa/packaging `tags.py`)

    /// `cpython_tags`: `cpXY-cpXY`, `cpXY-abi3`, `cpXY-none` on each platform, then
    /// `cpXZ-abi3` for every older minor down to 3.2 (PEP 384).
    static func cpythonTags(major: Int, minor: Int, platforms: [String]) -> [Tag] {
        let interpreter = "cp\(major)\(minor)"
        // `_cpython_abis`: before 3.8 a release build's ABI carries pymalloc's `m`.
        let abi = major == 3 && minor < 8 ? "\(interpreter)m" : interpreter
        var tags: [Tag] = []
        let useABI3 = (major, minor) >= (3, 2)
        for abi in [abi] + (useABI3 ? ["abi3"] : []) + ["none"] {
            tags += platforms.map { Tag(interpreter: interpreter, abi: abi, platform: $0) }
        }
        if useABI3 {
            for older in stride(from: minor - 1, to: 1, by: -1) {
                tags += platforms.map { Tag(interpreter: "cp\(major)\(older)", abi: "abi3", platform: $0) }
            }
        }
        return tags
    }

    /// `compatible_tags`: `pyXY`, `pyX` and older `pyXZ` with ABI `none` on each platform,
    /// then `cpXY-none-any`, then the same python tags on `any`.
    static func compatibleTags(major: Int, minor: Int, platforms: [String]) -> [Tag] {
        let pythons = ["py\(major)\(minor)", "py\(major)"] + (0..<minor).reversed().map { "py\(major)\($0)" }
        var tags: [Tag] = []
        for python in pythons {
            tags += platforms.map { Tag(interpreter: python, abi: "none", platform: $0) }
        }
        tags.append(Tag(interpreter: "cp\(major)\(minor)", abi: "none", platform: "any"))
        tags += pythons.map { Tag(interpreter: $0, abi: "none", platform: "any") }
        return tags
    }

    /// `_manylinux.platform_tags` on a host with this glibc: `manylinux_2_N` from the host's
    /// minor down to 2.5 on x86 (2.17 elsewhere), each legacy alias right after its
    /// perennial tag (PEP 600).
    static func manylinuxPlatforms(glibc: (major: Int, minor: Int), arch: String) -> [String] {
        let oldest = ["x86_64", "i686"].contains(arch) ? 5 : 17
        var platforms: [String] = []
        for minor in stride(from: glibc.minor, through: oldest, by: -1) {
            platforms.append("manylinux_\(glibc.major)_\(minor)_\(arch)")
            if glibc.major == 2, let legacy = legacyManylinux[minor] { platforms.append("\(legacy)_\(arch)") }
        }
        return platforms
    }

    private static let legacyManylinux = [17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"]

    /// pip's `_expand_allowed_platforms`: manylinux2014 also accepts manylinux2010 and
    /// manylinux1 (x86 only), manylinux2010 accepts manylinux1, a macOS tag accepts older
    /// macOS versions; duplicates dropped, first occurrence kept.
    static func expandingPlatforms(_ platforms: [String]) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for platform in platforms where !seen.contains(platform) {
            for expanded in customPlatforms(platform) where seen.insert(expanded).inserted {
                result.append(expanded)
            }
        }
        return result
    }

    private static func customPlatforms(_ platform: String) -> [String] {
        let parts = platform.split(separator: "_", maxSplits: 1).map(String.init)
        let (prefix, suffix) = (parts[0], parts.count > 1 ? parts[1] : "")
        if platform.hasPrefix("macosx") { return macPlatforms(platform) }
        if prefix == "manylinux2014" && ["i686", "x86_64"].contains(suffix) {
            return [platform, "manylinux2010_\(suffix)", "manylinux1_\(suffix)"]
        }
        if prefix == "manylinux2010" { return [platform, "manylinux1_\(suffix)"] }
        return [platform]
    }

    /// pip's `_mac_platforms` over packaging's `mac_platforms(version, arch)`.
    private static func macPlatforms(_ platform: String) -> [String] {
        // `(.+)_(\d+)_(\d+)_(.+)`: the name, major, minor and architecture.
        let parts = platform.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        var split: (name: String, major: Int, minor: Int, arch: String)?
        if parts.count >= 4 {
            for i in 1..<(parts.count - 2) {
                if parts[i].unicodeScalars.allSatisfy(\.isASCIIDigit), parts[i + 1].unicodeScalars.allSatisfy(\.isASCIIDigit),
                    let major = Int(parts[i]), let minor = Int(parts[i + 1])
                {
                    let name = parts[..<i].joined(separator: "_")
                    let arch = parts[(i + 2)...].joined(separator: "_")
                    if !name.isEmpty && !arch.isEmpty { split = (name, major, minor, arch) }
                }
            }
        }
        guard let split else { return [platform] }
        return macOSPlatforms(major: split.major, minor: split.minor, arch: split.arch).map {
            "\(split.name)_\($0.dropFirst("macosx_".count))"
        }
    }

    /// packaging's `mac_platforms((major, minor), arch)`.
    static func macOSPlatforms(major: Int, minor: Int, arch: String) -> [String] {
        var platforms: [String] = []
        if major == 10 {
            for minor in stride(from: minor, through: 0, by: -1) {
                platforms += macBinaryFormats(major: 10, minor: minor, arch: arch).map { "macosx_10_\(minor)_\($0)" }
            }
        }
        if major >= 11 {
            for major in stride(from: major, through: 11, by: -1) {
                platforms += macBinaryFormats(major: major, minor: 0, arch: arch).map { "macosx_\(major)_0_\($0)" }
            }
            for minor in stride(from: 16, through: 4, by: -1) {
                if arch == "x86_64" {
                    platforms += macBinaryFormats(major: 10, minor: minor, arch: arch).map { "macosx_10_\(minor)_\($0)" }
                } else {
                    platforms.append("macosx_10_\(minor)_universal2")
                }
            }
        }
        return platforms
    }

    /// packaging's `_mac_binary_formats`.
    private static func macBinaryFormats(major: Int, minor: Int, arch: String) -> [String] {
        let version = (major, minor)
        var formats = [arch]
        switch arch {
        case "x86_64":
            if version < (10, 4) { return [] }
            formats += ["intel", "fat64", "fat3"]
        case "i386":
            if version < (10, 4) { return [] }
            formats += ["intel", "fat3", "fat"]
        case "ppc64":
            if version > (10, 5) || version < (10, 4) { return [] }
            formats.append("fat64")
        case "ppc":
            if version > (10, 6) { return [] }
            formats += ["fat3", "fat"]
        default:
            break
        }
        if ["arm64", "x86_64"].contains(arch) { formats.append("universal2") }
        if ["x86_64", "i386", "ppc64", "ppc", "intel"].contains(arch) { formats.append("universal") }
        return formats
    }

    // MARK: Parsing

    /// `3.11` or `3.11.4`: CPython 3 only.
    static func parsePython(_ text: String) throws(TargetEnvironmentError) -> Version {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let version = try? Version(parts.count == 2 ? text + ".0" : text)
        else { throw .invalidPython(text) }
        guard version.release[0] == 3 else { throw .unsupportedPython(text) }
        return version
    }

    /// A platform tag such as `manylinux_2_34_x86_64`: ASCII letters, digits and `_`.
    private static func isPlatformTag(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" }
    }

    /// The marker variables of CPython on the first platform's operating system and machine.
    private static func markers(python: Version, platform: String) throws(TargetEnvironmentError) -> MarkerEnvironment {
        let parts = platform.split(separator: "_").map(String.init)
        let base: MarkerEnvironment.Platform
        let machine: String
        switch parts[0] {
        case "manylinux", "musllinux":
            base = .linuxX86_64
            machine = parts.dropFirst(3).joined(separator: "_")
        case "manylinux1", "manylinux2010", "manylinux2014", "linux":
            base = .linuxX86_64
            machine = parts.dropFirst().joined(separator: "_")
        case let os where os.hasPrefix("macosx"):
            base = .macOSArm64
            machine = parts.last == "arm64" ? "arm64" : "x86_64"
        case "win32":
            base = .windowsAMD64
            machine = "x86"
        case "win":
            base = .windowsAMD64
            machine = parts.last == "arm64" ? "ARM64" : "AMD64"
        default:
            throw .unknownPlatform(platform)
        }
        guard !machine.isEmpty else { throw .unknownPlatform(platform) }
        var environment = MarkerEnvironment.cpython(pythonVersion: python.description, platform: base)
        environment["platform_machine"] = machine
        return environment
    }
}

/// A target runtime that cannot be described.
public enum TargetEnvironmentError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidPython(String)
    case unsupportedPython(String)
    case noPlatform
    case invalidPlatform(String)
    case unknownPlatform(String)
    case unknownGlueVersion(String, known: [String])

    public var description: String {
        switch self {
        case .invalidPython(let text):
            "'\(text)' is not a Python version: give major.minor, such as 3.11"
        case .unsupportedPython(let text):
            "Python \(text) is not supported: the target must be Python 3"
        case .noPlatform:
            "no platform given: name at least one platform tag, such as manylinux2014_x86_64"
        case .invalidPlatform(let text):
            "'\(text)' is not a platform tag: use letters, digits and '_', such as manylinux2014_x86_64"
        case .unknownPlatform(let text):
            "cannot tell the operating system and machine of platform '\(text)': use a manylinux_*, "
                + "musllinux_*, linux_*, macosx_* or win* platform tag"
        case .unknownGlueVersion(let text, let known):
            "unknown Glue version '\(text)': known versions are \(known.joined(separator: ", "))"
        }
    }
}
