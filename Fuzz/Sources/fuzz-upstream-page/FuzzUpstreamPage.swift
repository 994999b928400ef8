import Foundation
import FuzzSupport
import WheelhouseCore

/// Upstream simple-API project pages as a mirror reads them: PEP 503 HTML and PEP 691 JSON.
/// The first byte picks the parser; the rest is the page.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUpstreamPage(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let page = Data(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let url = URL(string: "https://user:secret@upstream.example/simple/demo/") else { return 0 }
    do {
        let parsed = data[0] & 1 == 0
            ? try UpstreamPageParser.parseHTML(page, project: "demo", pageURL: url)
            : try UpstreamPageParser.parseJSON(page, project: "demo", pageURL: url)
        for file in parsed.page.files {
            // A file the mirror keeps names a distribution of this project.
            _ = file.filename
        }
        _ = parsed.skipped.map(\.reason)
    } catch {
        _ = error.description
    }
    return 0
}
