// The one helper MultipartUpload.swift takes from elsewhere in WheelhouseApp
// (Sources/WheelhouseApp/HTTP/RangeRequest.swift), copied so the form parser builds without
// Hummingbird.
extension StringProtocol {
    var trimmingSpaces: String {
        let s = Substring(self)
        guard let start = s.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let end = s.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(s[start...end])
    }
}
