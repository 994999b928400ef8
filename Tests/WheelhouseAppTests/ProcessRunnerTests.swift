import Foundation
import Testing
import WheelhouseTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The test harness's process runner: a child gets stdin, stdout and stderr, and no other
/// descriptor of the test process (one it kept open would hold a peer's end-of-file back).
@Suite(.tags(.endToEnd), .skippedInFastTier)
struct ProcessRunnerTests {
    @Test func aChildInheritsNoDescriptorBeyondTheStandardThree() async throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)  // without close-on-exec: the descriptors a leak would pass on
        defer { ends.forEach { close($0) } }
        let result = try await ProcessRunner.run("/bin/ls", ["-1", "/proc/self/fd"])
        #expect(result.status == 0, "\(result.stderrText)")
        let open = Set(result.stdoutText.split(separator: "\n").compactMap { Int32($0) })
        #expect(!open.contains(ends[0]) && !open.contains(ends[1]), "\(open.sorted())")
        // 0–2, and the directory `ls` itself opened to read /proc/self/fd.
        #expect(open.count <= 4 && open.isSuperset(of: [0, 1, 2]), "\(open.sorted())")
    }
}
