import Foundation

// Temporary stand-ins until `Version` and `ProjectName` (branch `versions`) are merged.

/// PEP 503 normalization.
func pendingNormalize(_ name: String) -> String {
    name.lowercased().replacing(/[-_.]+/, with: "-")
}

/// Core metadata `Name`: ASCII letters/digits, with `.`, `_`, `-` inside.
func pendingIsValidName(_ name: String) -> Bool {
    name.wholeMatch(of: /(?i)[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9]/) != nil
}

/// PEP 440 `VERSION_PATTERN`.
func pendingIsValidVersion(_ version: String) -> Bool {
    let pattern = #"""
    (?ix)\s*v?(?:(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:alpha|a|beta|b|preview|pre|c|rc)[-_.]?[0-9]*)?(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?)(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*
    """#
    guard let regex = try? Regex(pattern) else { return false }
    return version.wholeMatch(of: regex) != nil
}
