/// What an accepted upload did, sent in the `X-Wheelhouse-Upload-Result` header of the 200
/// answer so a client reads it without parsing the text body (which twine shows to people).
public enum UploadResult: String, Sendable, Equatable {
    /// The file is new and now in the index.
    case published
    /// The same bytes were already in the index under that filename; nothing changed.
    case unchanged

    public static let headerName = "X-Wheelhouse-Upload-Result"
}
