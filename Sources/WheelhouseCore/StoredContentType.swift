/// The media type a stored distribution file or `.metadata` file is written and served with.
public enum StoredContentType {
    /// PEP 658 metadata files are plain text.
    public static let metadata = "text/plain; charset=utf-8"
    /// PEP 740 provenance objects are JSON.
    public static let provenance = "application/json"

    /// By the filename: a `.metadata` file, a gzipped sdist (`.tar.gz`), a zip sdist, and
    /// everything else (wheels) as bytes.
    public static func of(_ filename: String) -> String {
        if filename.hasSuffix(".metadata") { return metadata }
        if filename.hasSuffix(StorageLayout.provenanceSuffix) { return provenance }
        if filename.hasSuffix(".tar.gz") { return "application/gzip" }
        if filename.hasSuffix(".zip") { return "application/zip" }
        return "application/octet-stream"
    }
}
