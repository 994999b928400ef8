/// Bounds on what reading one archive may cost; past any of them the archive is refused.
public struct ArchiveLimits: Sendable, Hashable {
    /// Entries of any kind (files, directories, links).
    public var maxEntries: Int
    /// Bytes actually decompressed, all entries together.
    public var maxTotalUncompressedSize: Int64
    /// Decompressed bytes per compressed byte, for one entry and for the whole archive. Only
    /// judged once the bytes in question pass `ratioCheckThreshold`, so tiny files of zeros or
    /// repeated text (ratios of 1000 are ordinary there) do not trip it.
    public var maxCompressionRatio: Double
    public var ratioCheckThreshold: Int64
    /// METADATA, PKG-INFO, WHEEL and RECORD are collected in memory; each may be at most this big.
    public var maxMetadataSize: Int

    public init(
        maxEntries: Int = 100_000,
        maxTotalUncompressedSize: Int64 = 8 << 30,
        maxCompressionRatio: Double = 200,
        ratioCheckThreshold: Int64 = 1 << 20,
        maxMetadataSize: Int = 16 << 20
    ) {
        self.maxEntries = maxEntries
        self.maxTotalUncompressedSize = maxTotalUncompressedSize
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioCheckThreshold = ratioCheckThreshold
        self.maxMetadataSize = maxMetadataSize
    }

    public static let `default` = ArchiveLimits()
}
