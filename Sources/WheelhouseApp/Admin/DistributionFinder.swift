public import Foundation
import WheelhouseCore

/// Expands the paths given to `upload`: files as given, folders searched recursively for
/// `.whl`, `.tar.gz` and `.zip` files (sorted, so runs are reproducible).
public enum DistributionFinder {
    public enum FinderError: Error, Equatable, CustomStringConvertible {
        case noSuchPath(String)
        case unreadableFolder(String)

        public var description: String {
            switch self {
            case .noSuchPath(let path): "no such file or folder: \(path)"
            case .unreadableFolder(let path): "cannot read folder: \(path)"
            }
        }
    }

    public static func find(_ paths: [String]) throws(FinderError) -> [URL] {
        var out: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .noSuchPath(path)
            }
            let url = URL(fileURLWithPath: path)
            if !isDirectory.boolValue {
                out.append(url)
                continue
            }
            guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) else {
                throw .unreadableFolder(path)
            }
            var found: [URL] = []
            for case let file as URL in walker where DistributionFilename.hasAcceptedExtension(file.lastPathComponent) {
                if (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { found.append(file) }
            }
            out += found.sorted { $0.path < $1.path }
        }
        return out
    }
}
