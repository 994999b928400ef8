extension TargetEnvironment {
    /// Why this runtime's pip would not install `wheel`, or nil when it would: none of the
    /// wheel's PEP 425 tags is supported (wrong interpreter or ABI, another platform, a
    /// manylinux glibc newer than the runtime's), or its `Requires-Python` excludes the
    /// runtime's Python.
    public func installationProblem(of wheel: WheelFilename, requiresPython: SpecifierSet?) -> String? {
        let python = "\(pythonVersion.release[0]).\(pythonVersion.release[1])"
        if priority(of: wheel) != nil {
            if let requiresPython, !requiresPython.contains(pythonVersion, prereleases: true) {
                return "it requires Python \(requiresPython), and \(self) runs Python \(python)"
            }
            return nil
        }
        let platformSet = Set(platforms + ["any"])
        let pythonFits = wheel.tags.contains { tag in
            supportedTags.contains { $0.interpreter == tag.interpreter && $0.abi == tag.abi }
        }
        let platformFits = wheel.platformTags.contains { platformSet.contains($0.lowercased()) }
        var reasons: [String] = []
        if !pythonFits {
            let built = Self.unique(wheel.tags.map { "\($0.interpreter)-\($0.abi)" })
            reasons.append("it is built for \(built.joined(separator: ", ")), and \(self) runs CPython \(python)")
        }
        if !platformFits {
            let needed = wheel.platformTags.compactMap { Self.manylinuxGlibc($0) }
            if let have = platforms.compactMap({ Self.manylinuxGlibc($0) }).max(by: <), let least = needed.min(by: <),
                least > have, wheel.platformTags.allSatisfy({ Self.manylinuxGlibc($0) != nil })
            {
                reasons.append(
                    "it needs glibc \(least.major).\(least.minor) or newer (\(wheel.platformTags.joined(separator: ", "))), "
                        + "and \(self) has glibc \(have.major).\(have.minor)")
            } else {
                reasons.append(
                    "it is built for \(wheel.platformTags.joined(separator: ", ")), and \(self) runs on \(requestedPlatforms.joined(separator: ", "))")
            }
        }
        if reasons.isEmpty {
            reasons.append("none of its tags (\(wheel.tags.map(\.description).joined(separator: ", "))) is one \(self) supports")
        }
        return reasons.joined(separator: "; ")
    }

    /// The glibc a manylinux platform tag asks for (PEP 600, and the legacy aliases of PEP 513,
    /// 571 and 599), or nil for another platform.
    static func manylinuxGlibc(_ platform: String) -> (major: Int, minor: Int)? {
        let parts = platform.lowercased().split(separator: "_")
        switch parts.first {
        case "manylinux1": return (2, 5)
        case "manylinux2010": return (2, 12)
        case "manylinux2014": return (2, 17)
        case "manylinux":
            guard parts.count >= 4, let major = Int(parts[1]), let minor = Int(parts[2]) else { return nil }
            return (major, minor)
        default: return nil
        }
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
