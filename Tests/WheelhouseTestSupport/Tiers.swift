import Foundation
public import Testing

// Two tiers of tests. The fast tier runs in-process only: pure logic, archives written by
// `WheelBuilder`, routers through HummingbirdTesting on memory or file-system stores. The
// end-to-end tier starts processes: the `wheelhouse` binary, Python (pip, uv, twine, fixture
// scripts, fault proxies), moto, curl. `make test` runs both; `make test-fast` only the first.
//
// An end-to-end suite or test carries both traits: `@Suite(.tags(.endToEnd), .skippedInFastTier)`.
// The tag names the tier (IDEs and reports group by it); the condition does the skipping, since
// this toolchain's `swift test` cannot filter Swift Testing tags from the command line
// (`--filter tag:…` and `--skip tag:…` match nothing).

extension Tag {
    /// Starts processes: the `wheelhouse` binary, Python, moto, curl.
    @Tag public static var endToEnd: Self
}

extension Trait where Self == ConditionTrait {
    /// Skips the suite or test when `WHEELHOUSE_TEST_TIER=fast` (`make test-fast`).
    public static var skippedInFastTier: Self {
        .disabled(if: TestTier.isFast, "end-to-end: skipped in the fast tier (WHEELHOUSE_TEST_TIER=fast)")
    }
}

/// Which tier a run is: `WHEELHOUSE_TEST_TIER=fast` (set by `make test-fast`) skips the
/// end-to-end suites and leaves out the arguments of parameterized tests that need a process
/// (the moto backends of the BlobStore conformance suite), which no trait can separate.
public enum TestTier {
    public static var isFast: Bool { ProcessInfo.processInfo.environment["WHEELHOUSE_TEST_TIER"] == "fast" }
}
