import Foundation
public import WheelhouseAWS
public import WheelhouseStorage

/// The manifest's value (DESIGN.md §5): the comma-separated `s3://` URIs of the selected
/// wheels, the form Glue's `--additional-python-modules` takes, and the tier that holds it.
public enum ManifestValue {
    /// SSM: a standard parameter holds up to 4 KB, an advanced one up to 8 KB. Wheel URIs are
    /// ASCII, so characters and bytes agree; counting UTF-8 bytes errs on the safe side.
    public static let standardLimit = 4096
    public static let advancedLimit = 8192

    /// `s3://bucket[/prefix]` of an S3 store (region and endpoint are not part of an S3 URI),
    /// else nil.
    public static func uriBase(of location: StoreLocation) -> String? {
        guard case .s3(let bucket, let prefix, _, _, _) = location else { return nil }
        return "s3://" + bucket + (prefix.isEmpty ? "" : "/" + prefix)
    }

    /// Checks a `--uri-base` value and drops a trailing `/`.
    public static func parseURIBase(_ text: String) throws(ManifestError) -> String {
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard trimmed.hasPrefix("s3://"), let location = try? StoreLocation(parsing: String(trimmed)),
            let base = uriBase(of: location), base == trimmed
        else { throw .invalidURIBase(text) }
        return base
    }

    /// `wheels` in the manifest's order (project, then filename): deterministic, so publishers
    /// with the same inputs write the same value.
    public static func ordered(_ wheels: [StoreWheel]) -> [StoreWheel] {
        wheels.sorted { ($0.project, $0.filename) < ($1.project, $1.filename) }
    }

    /// The tier for a value of `length` characters: standard when it fits, else advanced; an
    /// existing advanced parameter stays advanced (SSM refuses to downgrade). Throws `tooLarge`
    /// beyond the advanced limit: a manifest is never truncated.
    public static func tier(forLength length: Int, wheels: Int, current: SSMParameterTier?) throws(ManifestError) -> SSMParameterTier {
        guard length <= advancedLimit else { throw .tooLarge(characters: length, wheels: wheels) }
        if current == .advanced || current == .intelligentTiering { return current ?? .advanced }
        return length <= standardLimit ? .standard : .advanced
    }

    /// The name an object published for `parameter` starts with: its last path segment
    /// (`/glue/etl-jobs` → `etl-jobs`), characters other than letters, digits, `.`, `_` and `-`
    /// replaced by `-`; `manifest` when nothing is left.
    public static func objectName(parameter: String) -> String {
        let last = parameter.split(separator: "/").last.map(String.init) ?? ""
        let cleaned = String(
            last.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "-"
            })
        let trimmed = cleaned.drop { $0 == "." }
        return trimmed.isEmpty ? "manifest" : String(trimmed.prefix(100))
    }

    /// `8300` → `8,300`, independent of the locale.
    public static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (number < 0 ? "-" : "") + out
    }
}
