import CArchive

/// WheelhouseArchive: reading and verifying wheels and sdists through libarchive, streaming.
public enum WheelhouseArchive {
    /// The libarchive version linked at run time.
    public static var libarchiveVersion: String { String(cString: archive_version_string()) }
}
